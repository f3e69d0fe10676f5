package org.helu4j.reliability;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.helu4j.Model;
import org.helu4j.ModelFormatException;
import org.helu4j.Session;
import org.helu4j.Tensor;
import org.helu4j.onnx.OnnxFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random combinations of external-data locations, offsets, lengths, shapes and types, loaded from a model folder
 * that sits next to a secret file (reachable by {@code ..}, an absolute path and a symbolic link). Every load
 * succeeds or fails with a ModelFormatException, and no value the model can output ever comes from the secret.
 */
class ExternalDataFuzzTest {
    static final float SECRET = 0x1.234568p100f; // a value that occurs nowhere else
    static final float INSIDE = 7f;

    @TempDir
    Path dir;

    private static byte[] filled(float v, int count) {
        ByteBuffer b = ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            b.putFloat(v);
        }
        return b.array();
    }

    @Test
    void externalDataNeverReadsOutsideTheModelFolder() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Path secret = outside.resolve("secret.bin");
        Files.write(secret, filled(SECRET, 4096));
        Path folder = Files.createDirectories(dir.resolve("model"));
        Files.createDirectories(folder.resolve("sub"));
        Files.write(folder.resolve("weights.bin"), filled(INSIDE, 4096));
        Files.write(folder.resolve("sub/w.bin"), filled(INSIDE, 64));
        Files.write(folder.resolve("empty.bin"), new byte[0]);
        Files.createSymbolicLink(folder.resolve("link.bin"), secret);
        Files.createSymbolicLink(folder.resolve("linkdir"), outside);
        Files.createSymbolicLink(folder.resolve("inner-link.bin"), folder.resolve("weights.bin"));

        String[] locations = {"weights.bin", "sub/w.bin", "./weights.bin", "sub/../weights.bin", "empty.bin",
            "inner-link.bin", "../outside/secret.bin", "sub/../../outside/secret.bin", secret.toString(), "link.bin",
            "linkdir/secret.bin", "", ".", "sub", "missing.bin", "weights.bin\u0000.txt", "/dev/zero", "/proc/self/mem",
            "//etc/passwd", "\\\\server\\share", "x".repeat(5000), "sub/./w.bin", "weights.bin/"};
        String[] numbers = {"0", "4", "8", "3", "16383", "16384", "16385", "-1", "-4096", "9223372036854775807",
            "99999999999999999999", "abc", " 8 ", "0x10", "", "1e3"};
        Random r = new Random(17);
        int loaded = 0;
        int refused = 0;
        List<String> problems = new ArrayList<>();
        for (int c = 0; c < 600; c++) {
            TensorProto.Builder t = TensorProto.newBuilder().setName("w").setDataType(r.nextInt(5) == 0 ? 11 : 1)
                    .setDataLocation(TensorProto.DataLocation.EXTERNAL);
            int rank = r.nextInt(3);
            for (int d = 0; d < rank; d++) {
                t.addDims(new long[] {0, 1, 2, 4, 16, 1024, 4097}[r.nextInt(7)]);
            }
            if (r.nextInt(10) > 0) {
                t.addExternalData(kv("location", locations[r.nextInt(locations.length)]));
            }
            if (r.nextBoolean()) {
                t.addExternalData(kv("offset", numbers[r.nextInt(numbers.length)]));
            }
            if (r.nextBoolean()) {
                t.addExternalData(kv("length", numbers[r.nextInt(numbers.length)]));
            }
            if (r.nextInt(8) == 0) {
                t.addExternalData(kv("location", locations[r.nextInt(locations.length)])); // a second location
            }
            if (r.nextInt(8) == 0) {
                t.setRawData(com.google.protobuf.ByteString.copyFrom(filled(SECRET, 1)));
            }
            TensorProto w = t.build();
            GraphProto g = GraphProto.newBuilder().setName("g").addInitializer(w)
                    .addOutput(ValueInfoProto.newBuilder().setName("w")).build();
            Path file = folder.resolve("model.onnx");
            Files.write(file, OnnxFiles.model(g).toByteArray());
            try (Model m = Model.load(file); Session s = m.newSession()) {
                loaded++;
                for (Tensor out : s.run()) {
                    for (float v : out.toFloatArray()) {
                        if (v == SECRET) {
                            problems.add("case " + c + " read the secret: " + w.getExternalDataList());
                            break;
                        }
                    }
                }
            } catch (ModelFormatException e) {
                refused++;
                if (e.getMessage() == null || e.getMessage().isBlank()) {
                    problems.add("case " + c + ": empty message");
                }
            } catch (Throwable e) {
                problems.add("case " + c + " " + w.getExternalDataList() + " dims " + w.getDimsList() + ": " + e);
            }
        }
        System.out.println("external data fuzz: 600 cases, " + loaded + " loaded, " + refused + " refused");
        assertTrue(problems.isEmpty(), problems.size() + " problem(s), the first:\n"
                + String.join("\n", problems.subList(0, Math.min(10, problems.size()))));
        assertTrue(loaded > 20 && refused > 20, loaded + " loaded, " + refused + " refused: the cases are too one-sided");
    }

    private static StringStringEntryProto kv(String k, String v) {
        return StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
    }
}
