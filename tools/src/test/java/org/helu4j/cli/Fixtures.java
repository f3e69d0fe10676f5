package org.helu4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Models and data sets for the CLI tests, made from the golden CNN and whatever test set this machine has. */
final class Fixtures {
    /** The engine's golden CNN: input [batch,1,28,28], output logits [batch,10], random weights, no metadata. */
    static final Path GOLDEN = Path.of("../engine/src/test/resources/golden/golden-cnn.onnx");
    static final Path GOLDEN_INPUT = Path.of("../engine/src/test/resources/golden/golden-cnn-input.npy");

    private Fixtures() {
    }

    /** Where a real Fashion-MNIST test set is, if anywhere: the bundled one, else the Debian package's. */
    static Path realTestSet() {
        for (Path p : List.of(Home.data(), Path.of("/usr/share/datasets/fashion-mnist"))) {
            if (Files.isRegularFile(p.resolve("t10k-images-idx3-ubyte.gz"))) {
                return p;
            }
        }
        return null;
    }

    /**
     * A small IDX set in {@code dir}: the first {@code n} images of the real test set, or random images with
     * random labels where there is none.
     */
    static Path smallSet(Path dir, int n) throws IOException {
        Files.createDirectories(dir);
        byte[] pixels = new byte[n * 784];
        byte[] labels = new byte[n];
        Path real = realTestSet();
        if (real != null) {
            IdxDataset set = IdxDataset.load(real).head(n);
            for (int i = 0; i < n; i++) {
                labels[i] = (byte) set.label(i);
                for (int p = 0; p < 784; p++) {
                    pixels[i * 784 + p] = (byte) set.pixel(i, p);
                }
            }
        } else {
            Random r = new Random(7);
            r.nextBytes(pixels);
            for (int i = 0; i < n; i++) {
                labels[i] = (byte) r.nextInt(10);
            }
        }
        writeIdx(dir, 28, 28, pixels, labels);
        return dir;
    }

    static void writeIdx(Path dir, int rows, int cols, byte[] pixels, byte[] labels) throws IOException {
        Files.createDirectories(dir);
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(dir.resolve("t10k-images-idx3-ubyte")))) {
            out.writeInt(0x803);
            out.writeInt(labels.length);
            out.writeInt(rows);
            out.writeInt(cols);
            out.write(pixels);
        }
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(dir.resolve("t10k-labels-idx1-ubyte")))) {
            out.writeInt(0x801);
            out.writeInt(labels.length);
            out.write(labels);
        }
    }

    /**
     * A copy of {@code model} with {@code metadata_props} added. Protobuf lets a field be appended to a message,
     * so the entries are written after the model's bytes as ModelProto field 14 (StringStringEntryProto).
     */
    static Path withMetadata(Path model, Path copy, Map<String, String> metadata) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(Files.readAllBytes(model));
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            ByteArrayOutputStream entry = new ByteArrayOutputStream();
            field(entry, 1, e.getKey().getBytes(StandardCharsets.UTF_8));
            field(entry, 2, e.getValue().getBytes(StandardCharsets.UTF_8));
            field(bytes, 14, entry.toByteArray());
        }
        Files.createDirectories(copy.toAbsolutePath().getParent());
        Files.write(copy, bytes.toByteArray());
        return copy;
    }

    private static void field(ByteArrayOutputStream out, int number, byte[] payload) {
        varint(out, (number << 3) | 2);
        varint(out, payload.length);
        out.writeBytes(payload);
    }

    private static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    /** Metadata as the shipped models carry it. */
    static Map<String, String> shippedMetadata(String arch, String activation, String alpha, int seed, int correct) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("arch", arch);
        m.put("activation", activation);
        m.put("helu_alpha", alpha == null ? "0" : alpha);
        m.put("seed", String.valueOf(seed));
        m.put("test_accuracy", String.valueOf(correct / 10000.0));
        m.put("test_correct", String.valueOf(correct));
        m.put("input_mean", "0.286");
        m.put("input_std", "0.353");
        m.put("labels", "T-shirt/top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle boot");
        return m;
    }

    /** A models folder laid out as the shipped one: golden-CNN copies named {@code golden/golden-<act>-s<seed>.onnx}. */
    static Path shippedLayout(Path root) throws IOException {
        int i = 0;
        for (String name : List.of("relu-s0", "relu-s1", "helu-a0.05-s0", "helu-a0.05-s1", "gelu-s0")) {
            String act = name.substring(0, 4);
            String alpha = act.equals("helu") ? "0.05" : null;
            int seed = name.charAt(name.length() - 1) - '0';
            withMetadata(GOLDEN, root.resolve("golden/golden-" + name + ".onnx"),
                    shippedMetadata("golden", act, alpha, seed, 1000 + i++));
        }
        return root;
    }
}
