package org.helu4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code infer demo}: the headline, ReLU vs HeLU vs GELU on every shipped architecture. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        header = "ReLU vs HeLU vs GELU on the shipped models: accuracy, latency, dead units.",
        description = {"The headline in well under a minute: every shipped ReLU, HeLU and GELU model, on the bundled "
                + "Fashion-MNIST test set. One table: accuracy (mean ± std over seeds), HeLU - ReLU, latency p50/p99 "
                + "at batch 1 and throughput at batch 32 (all models interleaved in one loop), dead units; and a PNG "
                + "chart of accuracy against latency.",
            "Accuracy is always recomputed (the accuracy recorded at training is shown beside it, and a mismatch is "
                + "flagged). If evaluating every model on all 10,000 images would not fit the time budget, a prefix "
                + "of the test set is used and the output says so; --full evaluates everything."},
        footer = {"", "Examples:",
            "  infer demo",
            "  infer demo --full --chart demo.png",
            "  infer demo --seeds 2 --budget 20"})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--models", paramLabel = "DIR",
            description = "Folder of shipped models, models/<arch>/<arch>-<act>[-a<alpha>]-s<seed>.onnx (default: models).")
    Path modelsDir;

    @Option(names = "--seeds", paramLabel = "K", description = "Use at most the K lowest seeds of each group.")
    Integer seeds;

    @Mixin
    ComparisonOptions options;

    @Mixin
    Verbose verbose;

    @Override
    public Integer call() throws IOException {
        Path dir = modelsDir != null ? modelsDir : Home.models();
        List<ShippedModels.Entry> shipped = ShippedModels.list(dir);
        if (shipped.isEmpty()) {
            throw new CliException("no shipped models in " + dir + " (expected <arch>/<arch>-<act>[-a<alpha>]-s<seed>.onnx);"
                    + " compare your own with 'infer compare MODEL...'");
        }
        if (seeds != null) {
            if (seeds < 1) {
                throw new CliException("--seeds must be at least 1, got " + seeds);
            }
            shipped = lowestSeeds(shipped, seeds);
        }
        List<ShippedModels.Entry> all = shipped;
        System.out.printf("helu4j demo: %d models (%s) on the Fashion-MNIST test set%n", all.size(),
                String.join(", ", all.stream().map(ShippedModels.Entry::arch).distinct().toList()));
        System.out.println("HeLU's forward pass is ReLU's (max(x, 0)); it differs only in training (its gradient "
                + "passes for x > -alpha), so a HeLU model exports as Relu nodes.");
        ComparisonReport.run(all.stream().map(ShippedModels.Entry::file).toList(), options, true, System.out);
        return 0;
    }

    /** The models whose seed is among the {@code k} lowest of their group. */
    static List<ShippedModels.Entry> lowestSeeds(List<ShippedModels.Entry> models, int k) {
        return models.stream().filter(e -> models.stream()
                .filter(o -> o.group().equals(e.group()) && o.seed() < e.seed()).count() < k).toList();
    }
}
