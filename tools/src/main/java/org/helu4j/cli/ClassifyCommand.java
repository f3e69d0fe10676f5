package org.helu4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.helu4j.Model;
import org.helu4j.Session;
import org.helu4j.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code infer classify}: the top classes of pictures, with probabilities. */
@Command(name = "classify", mixinStandardHelpOptions = true,
        header = "Classify pictures (PNG, JPEG, BMP, GIF) with a model.",
        description = {"Classify pictures (PNG, JPEG, BMP, GIF; any size, colour or gray). Each picture is turned "
                + "to gray (luminance; transparency over black), resized to the model's input by area averaging, "
                + "and normalized with the model's input_mean/input_std.",
            "A picture that cannot be read is reported on stderr in one line; the others are still classified, "
                + "and the exit code is then 1."},
        footer = {"", "Examples:",
            "  infer classify shirt.png",
            "  infer classify --model models/fashion-cnn/fashion-cnn-relu-s0.onnx a.png b.jpg",
            "  infer classify --json photos/*.jpg"})
final class ClassifyCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Pictures to classify.")
    List<Path> images;

    @Option(names = {"-m", "--model"}, paramLabel = "MODEL",
            description = "The .onnx model (default: the shipped headline HeLU model, models/fashion-cnn/).")
    Path model;

    @Option(names = {"-k", "--top"}, paramLabel = "K", defaultValue = "3", description = "How many classes to show (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--json", description = "One JSON object per picture per line.")
    boolean json;

    @Mixin
    Verbose verbose;

    /** One picture's answer. */
    record Prediction(Path file, int[] classes, float[] probabilities, List<String> labels) {
        int top() {
            return classes[0];
        }
    }

    @Override
    public Integer call() throws IOException {
        if (top < 1) {
            throw new CliException("--top must be at least 1, got " + top);
        }
        Path file = model != null ? model : ShippedModels.headline(Home.models());
        int failures = 0;
        try (Model m = Models.load(file); Session session = m.newSession()) {
            ModelCard card = ModelCard.of(file, m);
            Preprocessing pre = Preprocessing.of(card);
            int[] hw = card.imageHeightWidth();
            if (!json) {
                System.out.println("model: " + file);
                if (pre.note() != null) {
                    System.out.println(pre.note());
                }
            }
            for (Path image : images) {
                Prediction p;
                try {
                    p = classify(session, card, image, ImageInput.load(image, hw[0], hw[1], pre));
                } catch (CliException e) {
                    System.out.flush();
                    System.err.println("infer: " + e.getMessage());
                    failures++;
                    continue;
                }
                print(p);
            }
        }
        return failures == 0 ? 0 : 1;
    }

    static Prediction classify(Session session, ModelCard card, Path image, float[] pixels) {
        float[] logits = session.run(Tensor.of(pixels, card.batchDims(1))).get(0).toFloatArray();
        float[] prob = softmax(logits);
        int[] order = IntStream.range(0, prob.length).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -prob[i]).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).toArray();
        return new Prediction(image, order, prob, card.labels(prob.length));
    }

    private void print(Prediction p) {
        int k = Math.min(top, p.classes().length);
        if (json) {
            List<Object> topK = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                int c = p.classes()[i];
                topK.add(Json.obj().put("class", c).put("label", p.labels().get(c))
                        .put("probability", (double) p.probabilities()[c]).map());
            }
            int c = p.top();
            System.out.println(Json.obj().put("file", p.file().toString()).put("class", c)
                    .put("label", p.labels().get(c)).put("probability", (double) p.probabilities()[c])
                    .put("top", topK));
            return;
        }
        StringBuilder line = new StringBuilder(p.file().toString()).append(':');
        for (int i = 0; i < k; i++) {
            int c = p.classes()[i];
            String label = p.labels().get(c);
            line.append(i == 0 ? "  " : ", ").append(label.equals(String.valueOf(c)) ? "class " + c : label)
                    .append(String.format(" %.1f%%", 100.0 * p.probabilities()[c]));
        }
        System.out.println(line);
    }

    /** Probabilities from raw logits, shifted by the maximum so that large logits do not overflow. */
    static float[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] e = new double[logits.length];
        for (int i = 0; i < e.length; i++) {
            e[i] = Math.exp(logits[i] - max);
            sum += e[i];
        }
        float[] p = new float[e.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) (e[i] / sum);
        }
        return p;
    }
}
