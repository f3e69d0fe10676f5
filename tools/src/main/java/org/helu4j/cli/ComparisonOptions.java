package org.helu4j.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options {@code demo} and {@code compare} share. */
final class ComparisonOptions {
    @Option(names = "--data", paramLabel = "DIR", description = "IDX test set folder (default: models/data).")
    Path data;

    @Option(names = "--threads", paramLabel = "T", description = "Threads for evaluation (default: the number of "
            + "cores). Latency and throughput are always measured on one thread.")
    Integer threads;

    @Option(names = "--limit", paramLabel = "N", description = "Use only the first N test images.")
    Integer limit;

    @Option(names = "--full", description = "Evaluate every test image, however long it takes (by default the "
            + "evaluation is cut to a prefix of the test set when it would not fit the time budget, and says so).")
    boolean full;

    @Option(names = "--budget", paramLabel = "SECONDS", defaultValue = "40",
            description = "Rough time budget for the whole measurement (default: ${DEFAULT-VALUE}).")
    double budget;

    @Option(names = "--chart", paramLabel = "FILE.png", description = "Where to write the accuracy-vs-latency chart "
            + "(default: target/infer-demo.png under the helu4j folder).")
    Path chart;

    @Option(names = "--json", description = "Also print one JSON object with every model's numbers, as the last line.")
    boolean json;

    Comparison.Options toOptions(boolean skipBroken) {
        if (!(budget > 0)) {
            throw new CliException("--budget must be positive, got " + budget);
        }
        // Most of the time for accuracy (many images cost the most, and few images make a noisy comparison), a
        // quarter for latency (enough runs that the ReLU/HeLU ratio settles), a little for throughput.
        return new Comparison.Options(data, limit, EvalCommand.threadCount(threads), budget * 0.25, budget * 0.08,
                budget * 0.6, full, skipBroken);
    }

    Path chartFile() {
        return chart != null ? chart : Home.root().resolve("target").resolve("infer-demo.png");
    }
}
