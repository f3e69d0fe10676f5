package org.helu4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.helu4j.kernel.Vectors;

/** Runs a comparison and prints it: the conditions, the table, the chart's path and, on request, JSON. */
final class ComparisonReport {
    private ComparisonReport() {
    }

    static Comparison.Report run(List<Path> files, ComparisonOptions options, boolean skipBroken, PrintStream out)
            throws IOException {
        Comparison.Options o = options.toOptions(skipBroken);
        Comparison.Report report = Comparison.run(files, o, System.err);
        out.println();
        out.println(conditions());
        out.println();
        ComparisonTable.print(out, report);
        Path chart = AccuracyChart.write(report, options.chartFile());
        out.println();
        out.printf("chart: %s%n", chart.toAbsolutePath().normalize());
        out.printf("measured in %.1f s%n", report.seconds());
        if (options.json) {
            out.println(toJson(report));
        }
        return report;
    }

    /** Date, CPU, cores, JDK and vector width: the conditions every number depends on. */
    static String conditions() {
        return "conditions: " + Instant.now().truncatedTo(ChronoUnit.SECONDS) + ", " + cpu() + ", "
                + Runtime.getRuntime().availableProcessors() + " cores, JDK " + Runtime.version() + ", vectors "
                + Vectors.describe();
    }

    private static String cpu() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through
        }
        return System.getProperty("os.arch");
    }

    static String toJson(Comparison.Report report) {
        List<Object> models = new ArrayList<>();
        for (Comparison.ModelResult r : report.models()) {
            models.add(Json.obj().put("file", r.file().toString()).put("arch", r.card().arch())
                    .put("activation", r.card().activation()).put("alpha", r.card().alpha()).put("seed", r.card().seed())
                    .put("n", r.n()).put("correct", r.correct()).put("accuracy", r.accuracy())
                    .put("recorded_accuracy", r.card().recordedAccuracy()).put("matches_recorded", r.matchesRecorded())
                    .put("p50_ms", Interleaved.millis(r.latency(), 50)).put("p99_ms", Interleaved.millis(r.latency(), 99))
                    .put("throughput_per_s", r.throughput()).put("dead_fraction", r.deadFraction()).map());
        }
        List<ComparisonTable.Group> groups = ComparisonTable.groups(report.models());
        List<Object> rows = new ArrayList<>();
        for (ComparisonTable.Group g : groups) {
            ComparisonTable.Group relu = ComparisonTable.reluOf(g, groups);
            boolean vsRelu = relu != null && relu != g;
            rows.add(Json.obj().put("arch", g.arch()).put("activation", g.activation()).put("seeds", g.models().size())
                    .put("accuracy_mean", g.mean()).put("accuracy_std", g.std())
                    .put("minus_relu", vsRelu ? g.mean() - relu.mean() : Double.NaN)
                    .put("minus_relu_se", vsRelu ? ComparisonTable.standardError(g, relu) : Double.NaN)
                    .put("p50_ms", Interleaved.millis(g.latency(), 50)).put("p99_ms", Interleaved.millis(g.latency(), 99))
                    .put("throughput_per_s", g.throughput()).put("dead_fraction", g.dead()).map());
        }
        return Json.obj().put("n", report.imagesEvaluated()).put("available", report.imagesAvailable())
                .put("seconds", report.seconds()).put("groups", rows).put("models", models).toString();
    }
}
