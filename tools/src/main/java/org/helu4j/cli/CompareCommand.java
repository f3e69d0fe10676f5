package org.helu4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code infer compare}: the demo's table for the models the user names. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        header = "The demo's table and chart for the models you name.",
        description = {"Compare models side by side, as the demo does: test accuracy (mean ± std over seeds of the "
                + "same architecture and activation), the difference to ReLU, latency p50/p99 at batch 1 and "
                + "throughput at batch 32 measured interleaved in one loop, and dead units. Writes a PNG chart.",
            "Models are grouped by their arch/activation/helu_alpha metadata (or, failing that, their file name)."},
        footer = {"", "Examples:",
            "  infer compare models/fashion-cnn/*.onnx",
            "  infer compare a.onnx b.onnx --limit 2000 --chart ab.png"})
final class CompareCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "MODEL", description = "The .onnx models.")
    List<Path> models;

    @Mixin
    ComparisonOptions options;

    @Mixin
    Verbose verbose;

    @Override
    public Integer call() throws IOException {
        ComparisonReport.run(models, options, false, System.out);
        return 0;
    }
}
