package org.helu4j.io;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (the MNIST/Fashion-MNIST format), plain or gzipped: unsigned-byte images {@code [n, rows, cols]}
 * and labels {@code [n]}.
 */
public final class Idx {
    /** More images than this is not a dataset but a corrupt header. */
    private static final long MAX_BYTES = 1L << 31;

    private Idx() {
    }

    /** Images as unsigned bytes, with their dimensions. */
    public record Images(int count, int rows, int cols, byte[] pixels) {
        /** Image {@code i} as {@code (pixel / 255 - mean) / std}, written into {@code dst} at {@code offset}. */
        public void normalize(int i, float mean, float std, float[] dst, int offset) {
            int size = rows * cols;
            for (int p = 0; p < size; p++) {
                dst[offset + p] = ((pixels[i * size + p] & 0xFF) / 255f - mean) / std;
            }
        }
    }

    public static Images readImages(Path file) throws IOException {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != 0x00000803) {
                throw new IOException(file + " is not an IDX image file (magic 0x" + Integer.toHexString(magic) + ")");
            }
            int n = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            if (n < 0 || rows <= 0 || cols <= 0 || (long) n * rows * cols > MAX_BYTES) {
                throw new IOException(file + ": implausible IDX dimensions " + n + "x" + rows + "x" + cols);
            }
            byte[] pixels = new byte[n * rows * cols];
            in.readFully(pixels);
            return new Images(n, rows, cols, pixels);
        } catch (EOFException e) {
            throw new IOException(file + " is truncated");
        }
    }

    public static int[] readLabels(Path file) throws IOException {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != 0x00000801) {
                throw new IOException(file + " is not an IDX label file (magic 0x" + Integer.toHexString(magic) + ")");
            }
            int n = in.readInt();
            if (n < 0 || n > MAX_BYTES) {
                throw new IOException(file + ": implausible label count " + n);
            }
            byte[] raw = new byte[n];
            in.readFully(raw);
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = raw[i] & 0xFF;
            }
            return labels;
        } catch (EOFException e) {
            throw new IOException(file + " is truncated");
        }
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream raw = new java.io.BufferedInputStream(Files.newInputStream(file));
        raw.mark(2);
        int b0 = raw.read();
        int b1 = raw.read();
        raw.reset();
        boolean gzip = b0 == 0x1f && b1 == 0x8b;
        return new DataInputStream(gzip ? new GZIPInputStream(raw, 1 << 16) : raw);
    }
}
