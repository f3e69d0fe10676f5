package org.helu4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.helu4j.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code infer eval}: accuracy on an IDX data set, per class and as a confusion matrix. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        header = "Accuracy on an IDX data set, per class, with the confusion matrix.",
        description = "Measure a model's accuracy on an IDX image data set (default: the bundled Fashion-MNIST "
                + "test set). Inputs are normalized with the model's input_mean/input_std metadata.",
        footer = {"", "Examples:",
            "  infer eval models/fashion-cnn/fashion-cnn-helu-a0.05-s0.onnx",
            "  infer eval model.onnx --data /usr/share/datasets/fashion-mnist --json"})
final class EvalCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "The .onnx model.")
    Path model;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Folder with *images-idx3-ubyte[.gz] and *labels-idx1-ubyte[.gz] (default: models/data).")
    Path data;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "200", description = "Images per run (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--threads", paramLabel = "T", description = "Worker threads, each with its own session "
            + "(default: the number of cores).")
    Integer threads;

    @Option(names = "--limit", paramLabel = "N", description = "Evaluate only the first N images.")
    Integer limit;

    @Option(names = "--json", description = "Print one JSON object instead of the tables.")
    boolean json;

    @Option(names = "--predictions", paramLabel = "FILE.csv",
            description = "Also write every image's prediction: index,label,predicted.")
    Path predictions;

    @Mixin
    Verbose verbose;

    @Override
    public Integer call() throws IOException {
        IdxDataset set = loadData(data, limit);
        try (Model m = Models.load(model)) {
            ModelCard card = ModelCard.of(model, m);
            Evaluation.Result r;
            try (Progress p = Progress.start("eval", set.size())) {
                r = Evaluation.run(m, card, set, batch, threadCount(threads), List.of(), p);
            }
            int classes = Math.max(card.classes(), maxLabel(set) + 1);
            if (predictions != null) {
                writePredictions(predictions, r);
            }
            if (json) {
                System.out.println(toJson(r, classes));
            } else {
                print(System.out, r, classes);
            }
        }
        return 0;
    }

    private static void writePredictions(Path file, Evaluation.Result r) throws IOException {
        StringBuilder csv = new StringBuilder("index,label,predicted\n");
        for (int i = 0; i < r.predicted().length; i++) {
            csv.append(i).append(',').append(r.data().label(i)).append(',').append(r.predicted()[i]).append('\n');
        }
        Files.writeString(file, csv);
    }

    static IdxDataset loadData(Path dir, Integer limit) throws IOException {
        IdxDataset set = IdxDataset.load(dir != null ? dir : Home.data());
        if (limit != null) {
            if (limit < 1) {
                throw new CliException("--limit must be at least 1, got " + limit);
            }
            set = set.head(limit);
        }
        return set;
    }

    static int threadCount(Integer threads) {
        if (threads == null) {
            return Runtime.getRuntime().availableProcessors();
        }
        if (threads < 1) {
            throw new CliException("--threads must be at least 1, got " + threads);
        }
        return threads;
    }

    static int maxLabel(IdxDataset set) {
        int max = 0;
        for (int i = 0; i < set.size(); i++) {
            max = Math.max(max, set.label(i));
        }
        return max;
    }

    private static void print(PrintStream out, Evaluation.Result r, int classes) {
        ModelCard card = r.card();
        List<String> names = card.labels(classes);
        String note = Preprocessing.of(card).note();
        if (note != null) {
            out.println(note);
        }
        out.printf("model     %s%n", card.file());
        out.printf("data      %s (%d images, %d×%d)%n", r.data().source(), r.data().size(), r.data().rows(),
                r.data().cols());
        out.printf("accuracy  %s  (%d / %d correct)%n", Format.percent(r.accuracy()), r.correct(),
                r.predicted().length);
        out.println(recordedLine(card, r));
        out.printf("time      %.2f s, %.0f images/s%n", r.seconds(), r.predicted().length / r.seconds());
        out.println();
        int[][] m = r.confusion(classes);
        int width = Math.max(5, names.stream().mapToInt(String::length).max().orElse(5));
        out.printf("%-" + width + "s  %6s  %7s  %8s%n", "class", "images", "correct", "accuracy");
        for (int c = 0; c < classes; c++) {
            int total = 0;
            for (int p = 0; p < classes; p++) {
                total += m[c][p];
            }
            out.printf("%-" + width + "s  %6d  %7d  %8s%n", names.get(c), total, m[c][c],
                    Format.percent(total == 0 ? Double.NaN : (double) m[c][c] / total));
        }
        out.println();
        out.println("confusion matrix (rows: true class, columns: predicted class)");
        StringBuilder head = new StringBuilder(" ".repeat(width + 5));
        for (int p = 0; p < classes; p++) {
            head.append(String.format("%6d", p));
        }
        out.println(head);
        for (int c = 0; c < classes; c++) {
            String name = names.get(c).equals(String.valueOf(c)) ? "" : names.get(c);
            StringBuilder row = new StringBuilder(String.format("%3d  %-" + width + "s", c, name));
            for (int p = 0; p < classes; p++) {
                row.append(String.format("%6d", m[c][p]));
            }
            out.println(row);
        }
    }

    /** Compares with the accuracy recorded at training time, when the model carries one for the full test set. */
    static String recordedLine(ModelCard card, Evaluation.Result r) {
        double recorded = card.recordedAccuracy();
        if (Double.isNaN(recorded)) {
            return "recorded  (the model records no test accuracy)";
        }
        if (r.predicted().length != card.recordedTotal()) {
            return "recorded  " + Format.percent(recorded) + " at training, on " + card.recordedTotal()
                    + " test images (not comparable: " + r.predicted().length + " evaluated here)";
        }
        int correct = card.recordedCorrect();
        boolean same = correct >= 0 ? correct == r.correct() : Math.abs(recorded - r.accuracy()) < 5e-5;
        return "recorded  " + Format.percent(recorded) + (correct >= 0 ? " (" + correct + ")" : "") + " at training: "
                + (same ? "match" : "MISMATCH: recomputed here " + r.correct() + " correct");
    }

    private static String toJson(Evaluation.Result r, int classes) {
        ModelCard card = r.card();
        int[][] m = r.confusion(classes);
        List<String> names = card.labels(classes);
        List<Map<String, Object>> perClass = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            int total = 0;
            for (int p = 0; p < classes; p++) {
                total += m[c][p];
            }
            perClass.add(Json.obj().put("class", c).put("label", names.get(c)).put("n", total)
                    .put("correct", m[c][c]).put("accuracy", total == 0 ? Double.NaN : (double) m[c][c] / total).map());
        }
        return Json.obj().put("model", card.file().toString()).put("data", r.data().source().toString())
                .put("n", r.predicted().length).put("correct", r.correct()).put("accuracy", r.accuracy())
                .put("recorded_accuracy", card.recordedAccuracy()).put("seconds", r.seconds())
                .put("per_class", perClass).put("confusion", m).toString();
    }
}
