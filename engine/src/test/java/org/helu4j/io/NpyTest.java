package org.helu4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.helu4j.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
    @TempDir
    Path dir;

    @Test
    void readsNumpyWrittenFile() throws IOException {
        // Written by numpy.save (tools/golden/export_golden.py): float32, shape (3, 1, 28, 28).
        Tensor t = Npy.read(Path.of("src/test/resources/golden/golden-cnn-input.npy"));
        assertArrayEquals(new long[] {3, 1, 28, 28}, t.dims());
        assertTrue(Float.isFinite(t.getFloat(0)));
    }

    @Test
    void roundTripsFloatAndLong() throws IOException {
        Tensor f = Tensor.of(new float[] {1.5f, -0f, Float.NaN, Float.NEGATIVE_INFINITY, 3, 4}, 2, 3);
        Npy.write(dir.resolve("f.npy"), f);
        Tensor f2 = Npy.read(dir.resolve("f.npy"));
        assertArrayEquals(f.dims(), f2.dims());
        assertArrayEquals(f.toFloatArray(), f2.toFloatArray());
        Tensor l = Tensor.ofLongs(new long[] {7, -1, Long.MAX_VALUE}, 3);
        Npy.write(dir.resolve("l.npy"), l);
        assertArrayEquals(l.toLongArray(), Npy.read(dir.resolve("l.npy")).toLongArray());
        Tensor scalar = Tensor.of(new float[] {2}, new long[0]);
        Npy.write(dir.resolve("s.npy"), scalar);
        assertArrayEquals(new long[0], Npy.read(dir.resolve("s.npy")).dims());
    }

    @Test
    void rejectsBadFilesWithReasons() throws IOException {
        Files.writeString(dir.resolve("text.npy"), "hello world, not numpy");
        assertTrue(assertThrows(IOException.class, () -> Npy.read(dir.resolve("text.npy"))).getMessage()
                .contains("not a NumPy"));
        byte[] good = Npy.toBytes(Tensor.of(new float[] {1, 2, 3, 4}, 4));
        Files.write(dir.resolve("short.npy"), Arrays.copyOf(good, good.length - 3));
        assertTrue(assertThrows(IOException.class, () -> Npy.read(dir.resolve("short.npy"))).getMessage()
                .contains("needs 16"));
        String header = new String(good, 10, good.length - 26, java.nio.charset.StandardCharsets.ISO_8859_1);
        byte[] fortran = good.clone();
        byte[] patched = header.replace("False", "True ").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        System.arraycopy(patched, 0, fortran, 10, patched.length);
        Files.write(dir.resolve("fortran.npy"), fortran);
        assertTrue(assertThrows(IOException.class, () -> Npy.read(dir.resolve("fortran.npy"))).getMessage()
                .contains("Fortran"));
        byte[] u8 = good.clone();
        byte[] p2 = header.replace("<f4", "|u1").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        System.arraycopy(p2, 0, u8, 10, p2.length);
        Files.write(dir.resolve("u8.npy"), u8);
        assertThrows(IOException.class, () -> Npy.read(dir.resolve("u8.npy")));
    }
}
