package org.helu4j.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.helu4j.Tensor;
import org.helu4j.tensor.Shape;

/**
 * Reads and writes NumPy {@code .npy} files (format versions 1 to 3): float32 and int64 in C order, either byte
 * order. float64 and int32 are converted on reading, since the engine computes in float32 and int64.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=])([a-z])(\\d+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    /** Reads a .npy file into a heap tensor. */
    public static Tensor read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            return parse(bytes);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage());
        }
    }

    static Tensor parse(byte[] bytes) {
        if (bytes.length < 10 || !java.util.Arrays.equals(bytes, 0, 6, MAGIC, 0, 6)) {
            throw new IllegalArgumentException("not a NumPy .npy file");
        }
        int major = bytes[6];
        MemorySegment seg = MemorySegment.ofArray(bytes);
        long headerLen;
        int headerStart;
        if (major == 1) {
            headerLen = seg.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8) & 0xFFFF;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (bytes.length < 12) {
                throw new IllegalArgumentException("truncated .npy header");
            }
            headerLen = seg.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8) & 0xFFFFFFFFL;
            headerStart = 12;
        } else {
            throw new IllegalArgumentException("unsupported .npy format version " + major);
        }
        if (headerStart + headerLen > bytes.length) {
            throw new IllegalArgumentException("truncated .npy header");
        }
        String header = new String(bytes, headerStart, (int) headerLen, StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header);
        Matcher f = FORTRAN.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !f.find() || !s.find()) {
            throw new IllegalArgumentException("malformed .npy header: " + header.strip());
        }
        if (f.group(1).equals("True")) {
            throw new IllegalArgumentException("Fortran-order arrays are not supported; save with numpy.ascontiguousarray");
        }
        ByteOrder order = d.group(1).equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        String kind = d.group(2) + d.group(3);
        List<Long> dims = new ArrayList<>();
        for (String part : s.group(1).split(",")) {
            if (!part.isBlank()) {
                dims.add(Long.parseLong(part.trim()));
            }
        }
        long[] shapeDims = dims.stream().mapToLong(Long::longValue).toArray();
        Shape shape = Shape.of(shapeDims);
        long n = shape.size();
        long offset = headerStart + headerLen;
        int width = Integer.parseInt(d.group(3));
        if (offset + n * width != bytes.length) {
            throw new IllegalArgumentException("data holds " + (bytes.length - offset) + " bytes but shape " + shape
                    + " of " + kind + " needs " + n * width);
        }
        switch (kind) {
            case "f4", "f8" -> {
                float[] v = new float[(int) n];
                for (int i = 0; i < n; i++) {
                    v[i] = kind.equals("f4")
                            ? seg.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(order), offset + 4L * i)
                            : (float) seg.get(ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(order), offset + 8L * i);
                }
                return Tensor.of(v, shapeDims);
            }
            case "i8", "i4" -> {
                long[] v = new long[(int) n];
                for (int i = 0; i < n; i++) {
                    v[i] = kind.equals("i8")
                            ? seg.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(order), offset + 8L * i)
                            : seg.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(order), offset + 4L * i);
                }
                return Tensor.ofLongs(v, shapeDims);
            }
            default -> throw new IllegalArgumentException("unsupported .npy dtype '" + d.group(1) + kind
                    + "'; use float32 or int64");
        }
    }

    /** Writes a tensor as a little-endian .npy (format 1.0). */
    public static void write(Path file, Tensor t) throws IOException {
        Files.write(file, toBytes(t));
    }

    static byte[] toBytes(Tensor t) {
        String descr = t.type() == org.helu4j.tensor.DType.FLOAT32 ? "<f4" : "<i8";
        StringBuilder shape = new StringBuilder();
        for (long d : t.dims()) {
            shape.append(d).append(", ");
        }
        String dims = t.shape().rank() == 1 ? shape.toString().trim() : shape.toString().replaceAll(", $", "");
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
        int unpadded = 10 + dict.length() + 1;
        int pad = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        long dataBytes = t.size() * t.type().byteSize();
        byte[] out = new byte[10 + header.length() + (int) dataBytes];
        System.arraycopy(MAGIC, 0, out, 0, 6);
        out[6] = 1;
        out[7] = 0;
        out[8] = (byte) (header.length() & 0xFF);
        out[9] = (byte) (header.length() >> 8);
        System.arraycopy(header.getBytes(StandardCharsets.ISO_8859_1), 0, out, 10, header.length());
        MemorySegment dst = MemorySegment.ofArray(out);
        int base = 10 + header.length();
        for (long i = 0; i < t.size(); i++) {
            if (t.type() == org.helu4j.tensor.DType.FLOAT32) {
                dst.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), base + 4 * i, t.getFloat(i));
            } else {
                dst.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), base + 8 * i, t.getLong(i));
            }
        }
        return out;
    }
}
