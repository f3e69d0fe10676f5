package org.helu4j;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.helu4j.io.Idx;
import org.helu4j.io.Npy;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every shipped model reproduces, in this engine, the test accuracy that PyTorch recorded in its metadata
 * ({@code test_correct} of 10,000, within one image), and each architecture's golden logits match PyTorch's.
 */
class ShippedModelsTest {
    static final Path MODELS = Path.of("../models");
    static final int BATCH = 500;

    static List<Path> shippedModels() throws IOException {
        try (Stream<Path> s = Files.walk(MODELS)) {
            return s.filter(p -> p.toString().endsWith(".onnx")).sorted().toList();
        }
    }

    @TestFactory
    List<DynamicTest> everyModelReproducesItsRecordedAccuracy() throws IOException {
        List<Path> models = shippedModels();
        assertFalse(models.isEmpty(), "no model shipped under " + MODELS.toAbsolutePath());
        Idx.Images images = Idx.readImages(MODELS.resolve("data/t10k-images-idx3-ubyte.gz"));
        int[] labels = Idx.readLabels(MODELS.resolve("data/t10k-labels-idx1-ubyte.gz"));
        List<DynamicTest> tests = new ArrayList<>();
        for (Path file : models) {
            tests.add(DynamicTest.dynamicTest(MODELS.relativize(file).toString(), () -> {
                try (Model model = Model.load(file); Session session = model.newSession()) {
                    int recorded = Integer.parseInt(model.metadata().get("test_correct"));
                    int correct = countCorrect(model, session, images, labels);
                    assertTrue(Math.abs(correct - recorded) <= 1, file + ": " + correct + " correct in helu4j, "
                            + recorded + " recorded by PyTorch");
                }
            }));
        }
        return tests;
    }

    static int countCorrect(Model model, Session session, Idx.Images images, int[] labels) {
        float mean = Float.parseFloat(model.metadata().getOrDefault("input_mean", "0"));
        float std = Float.parseFloat(model.metadata().getOrDefault("input_std", "1"));
        int pixels = images.rows() * images.cols();
        int correct = 0;
        for (int start = 0; start < images.count(); start += BATCH) {
            int n = Math.min(BATCH, images.count() - start);
            float[] batch = new float[n * pixels];
            for (int i = 0; i < n; i++) {
                images.normalize(start + i, mean, std, batch, i * pixels);
            }
            float[] logits = session.run(Tensor.of(batch, n, 1, images.rows(), images.cols())).get(0).toFloatArray();
            int classes = logits.length / n;
            for (int i = 0; i < n; i++) {
                int best = 0;
                for (int c = 1; c < classes; c++) {
                    if (logits[i * classes + c] > logits[i * classes + best]) {
                        best = c;
                    }
                }
                correct += best == labels[start + i] ? 1 : 0;
            }
        }
        return correct;
    }

    @TestFactory
    List<DynamicTest> goldenLogitsMatchPyTorch() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> s = Files.list(MODELS)) {
            for (Path golden : s.map(d -> d.resolve("golden")).filter(Files::isDirectory).sorted().toList()) {
                tests.add(DynamicTest.dynamicTest(MODELS.relativize(golden).toString(), () -> {
                    // model.txt names the model on its first line; the rest describes the files.
                    Path model = golden.getParent().resolve(Files.readAllLines(golden.resolve("model.txt")).get(0).strip());
                    Tensor input = Npy.read(golden.resolve("input.npy"));
                    float[] expected = Npy.read(golden.resolve("logits.npy")).toFloatArray();
                    try (Model m = Model.load(model); Session session = m.newSession()) {
                        GoldenModelTest.assertClose(expected, session.run(input).get(0).toFloatArray());
                    }
                }));
            }
        }
        assertFalse(tests.isEmpty(), "no golden outputs under " + MODELS.toAbsolutePath() + "/*/golden");
        return tests;
    }
}
