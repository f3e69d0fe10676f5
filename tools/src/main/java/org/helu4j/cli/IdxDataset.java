package org.helu4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.helu4j.io.Idx;

/**
 * An image classification set in the IDX format of MNIST and Fashion-MNIST: unsigned 8-bit images and labels,
 * optionally gzipped. Images are kept as bytes (10,000 × 28 × 28 is under 8 MB) and normalized per batch.
 */
final class IdxDataset {
    /** Larger files are refused rather than read: the header is untrusted. */

    private final Path source;
    private final int count;
    private final int rows;
    private final int cols;
    private final byte[] pixels;
    private final int[] labels;

    private IdxDataset(Path source, int count, int rows, int cols, byte[] pixels, int[] labels) {
        this.source = source;
        this.count = count;
        this.rows = rows;
        this.cols = cols;
        this.pixels = pixels;
        this.labels = labels;
    }

    /** Reads {@code *images-idx3-ubyte[.gz]} and {@code *labels-idx1-ubyte[.gz]} from {@code dir}, the test set if several. */
    static IdxDataset load(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new CliException(dir + (Files.exists(dir) ? ": not a directory" : ": no such directory")
                    + " (expected a folder with t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz)");
        }
        Path images = find(dir, "images-idx3-ubyte");
        Path labelFile = find(dir, "labels-idx1-ubyte");
        return read(images, labelFile);
    }

    static IdxDataset read(Path images, Path labelFile) throws IOException {
        for (Path file : List.of(images, labelFile)) {
            if (!Files.isRegularFile(file)) {
                throw new CliException(file + ": no such file");
            }
        }
        // The engine's reader checks magic numbers, implausible headers and truncation.
        int[] labels = Idx.readLabels(labelFile);
        Idx.Images read = Idx.readImages(images);
        if (read.count() != labels.length) {
            throw new CliException(images + " holds " + read.count() + " images but " + labelFile + " holds "
                    + labels.length + " labels");
        }
        return new IdxDataset(images.getParent(), read.count(), read.rows(), read.cols(), read.pixels(), labels);
    }

    /** Prefers the test split ({@code t10k-}) when the folder also holds the training split. */
    private static Path find(Path dir, String kind) throws IOException {
        List<Path> found;
        try (Stream<Path> files = Files.list(dir)) {
            found = files.filter(p -> {
                String name = p.getFileName().toString();
                return name.endsWith(kind) || name.endsWith(kind + ".gz");
            }).sorted().toList();
        }
        if (found.isEmpty()) {
            throw new CliException(dir + ": no *" + kind + "[.gz] file (an IDX data set such as Fashion-MNIST)");
        }
        return found.stream().filter(p -> p.getFileName().toString().startsWith("t10k")).findFirst()
                .orElse(found.get(0));
    }

    Path source() {
        return source;
    }

    int size() {
        return count;
    }

    int rows() {
        return rows;
    }

    int cols() {
        return cols;
    }

    int label(int i) {
        return labels[i];
    }

    /** The raw 8-bit pixels of image {@code i}, row-major. */
    int pixel(int i, int offset) {
        return pixels[i * rows * cols + offset] & 0xff;
    }

    /** Images {@code [from, from + n)} as {@code (pixel/255 - mean)/std}, one image after another. */
    float[] normalized(int from, int n, Preprocessing pre) {
        int area = rows * cols;
        float[] out = new float[n * area];
        for (int i = 0, p = from * area; i < out.length; i++, p++) {
            out[i] = pre.apply(pixels[p] & 0xff);
        }
        return out;
    }

    /** The first {@code n} images only (a quick look, or a test). */
    IdxDataset head(int n) {
        return slice(0, Math.min(n, count));
    }

    /** Images {@code [from, from + n)} as a data set of their own. */
    IdxDataset slice(int from, int n) {
        int area = rows * cols;
        return new IdxDataset(source, n, rows, cols, Arrays.copyOfRange(pixels, from * area, (from + n) * area),
                Arrays.copyOfRange(labels, from, from + n));
    }
}
