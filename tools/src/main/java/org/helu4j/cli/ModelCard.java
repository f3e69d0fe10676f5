package org.helu4j.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.helu4j.Model;
import org.helu4j.graph.ValueInfo;

/**
 * What the CLI needs to know about a model beyond its graph: the training facts from {@code metadata_props}
 * (activation, alpha, seed, recorded accuracy, class labels) and the shape of one input image.
 */
record ModelCard(Path file, Map<String, String> metadata, long[] inputDims, int classes) {

    static ModelCard of(Path file, Model model) {
        if (model.inputs().size() != 1) {
            throw new CliException(file + ": the model takes " + model.inputs().size()
                    + " inputs; image commands need a one-input model");
        }
        ValueInfo in = model.inputs().get(0);
        long[] dims = in.dims();
        if (dims == null || dims.length < 2) {
            throw new CliException(file + ": input '" + in.name() + "' has shape " + in.describeShape()
                    + "; expected [batch, ...]");
        }
        ValueInfo out = model.outputs().get(0);
        long[] outDims = out.dims();
        int classes = outDims != null && outDims.length == 2 && outDims[1] > 0 ? (int) outDims[1] : -1;
        return new ModelCard(file, model.metadata(), dims, classes);
    }

    String get(String key) {
        String v = metadata.get(key);
        return v == null || v.isBlank() ? null : v.trim();
    }

    String name() {
        String n = file.getFileName().toString();
        return n.endsWith(".onnx") ? n.substring(0, n.length() - 5) : n;
    }

    String arch() {
        String a = get("arch");
        return a != null ? a : ShippedModels.parse(file).map(ShippedModels.Entry::arch).orElse(name());
    }

    /** relu, helu, gelu, or {@code ?} when neither the metadata nor the file name says. */
    String activation() {
        String a = get("activation");
        return a != null ? a : ShippedModels.parse(file).map(ShippedModels.Entry::activation).orElse("?");
    }

    /** The HeLU alpha, or null. */
    String alpha() {
        String a = get("helu_alpha");
        if (a == null || a.equals("0") || a.equals("0.0") || a.equalsIgnoreCase("none")) {
            return "helu".equals(activation())
                    ? ShippedModels.parse(file).map(ShippedModels.Entry::alpha).orElse(null) : null;
        }
        return a;
    }

    /** {@code helu a=0.05} style: the activation with its alpha. */
    String activationLabel() {
        String a = alpha();
        return "helu".equals(activation()) && a != null ? "helu a=" + a : activation();
    }

    String seed() {
        String s = get("seed");
        return s != null ? s : ShippedModels.parse(file).map(e -> String.valueOf(e.seed())).orElse(null);
    }

    /** The test accuracy recorded at training time (a fraction), or NaN. */
    double recordedAccuracy() {
        try {
            String c = get("test_correct");
            if (c != null) {
                return (double) Integer.parseInt(c) / recordedTotal();
            }
            String a = get("test_accuracy");
            return a == null ? Double.NaN : Double.parseDouble(a);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    /** The size of the test set the recorded accuracy was measured on ({@code test_total}, else 10000). */
    int recordedTotal() {
        try {
            String t = get("test_total");
            return t == null ? 10000 : Integer.parseInt(t);
        } catch (NumberFormatException e) {
            return 10000;
        }
    }

    /** The recorded count of correct test images, or -1. */
    int recordedCorrect() {
        try {
            String c = get("test_correct");
            return c == null ? -1 : Integer.parseInt(c);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Class names from the {@code labels} metadata, else {@code 0..k-1}. */
    List<String> labels(int k) {
        String l = get("labels");
        if (l != null) {
            List<String> names = Arrays.stream(l.split(",")).map(String::trim).toList();
            if (names.size() == k) {
                return names;
            }
        }
        return IntStream.range(0, k).mapToObj(String::valueOf).toList();
    }

    /** The per-image element count, and the image height and width when the input is NCHW. */
    long imageSize() {
        long n = 1;
        for (int i = 1; i < inputDims.length; i++) {
            n *= inputDims[i];
        }
        return n;
    }

    /** The input's image height and width, for resizing pictures: the last two dims of an NCHW input. */
    int[] imageHeightWidth() {
        if (inputDims.length != 4 || inputDims[1] != 1 || inputDims[2] <= 0 || inputDims[3] <= 0) {
            throw new CliException(file + ": the input has shape " + Arrays.toString(inputDims).replace("-1", "batch")
                    + "; image commands need one gray channel, [batch, 1, H, W]");
        }
        return new int[] {(int) inputDims[2], (int) inputDims[3]};
    }

    /** The input shape for {@code n} images, the symbolic batch replaced by {@code n}. */
    long[] batchDims(int n) {
        long[] d = inputDims.clone();
        d[0] = n;
        for (int i = 1; i < d.length; i++) {
            if (d[i] < 0) {
                throw new CliException(file + ": input dimension " + i + " is symbolic; only the batch may be");
            }
        }
        return d;
    }
}
