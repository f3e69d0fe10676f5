package org.helu4j.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Renders a {@link Comparison.Report}: one row per architecture and activation (the seeds pooled), the difference
 * to ReLU with its standard error, interleaved latencies, throughput, dead units, and the statement of whether
 * ReLU and HeLU ran the same kernels.
 */
final class ComparisonTable {
    /** Models that differ only in their seed. */
    record Group(String arch, String activation, List<Comparison.ModelResult> models) {
        double mean() {
            return models.stream().mapToDouble(Comparison.ModelResult::accuracy).average().orElse(Double.NaN);
        }

        /** Sample standard deviation over seeds; NaN for one seed. */
        double std() {
            int n = models.size();
            if (n < 2) {
                return Double.NaN;
            }
            double m = mean();
            double ss = models.stream().mapToDouble(r -> (r.accuracy() - m) * (r.accuracy() - m)).sum();
            return Math.sqrt(ss / (n - 1));
        }

        /** The latencies of all seeds together (same architecture, so the same work). */
        Histogram latency() {
            Histogram h = Interleaved.histogram();
            models.forEach(r -> h.add(r.latency()));
            return h;
        }

        double throughput() {
            return models.stream().mapToDouble(Comparison.ModelResult::throughput).average().orElse(Double.NaN);
        }

        double dead() {
            return models.stream().mapToDouble(Comparison.ModelResult::deadFraction).average().orElse(Double.NaN);
        }

        double recorded() {
            return models.stream().mapToDouble(r -> r.card().recordedAccuracy()).average().orElse(Double.NaN);
        }

        boolean isActivation(String a) {
            return activation.equals(a) || activation.startsWith(a + " ");
        }
    }

    private ComparisonTable() {
    }

    static List<Group> groups(List<Comparison.ModelResult> models) {
        Map<String, Group> groups = new LinkedHashMap<>();
        for (Comparison.ModelResult r : models) {
            String arch = r.card().arch();
            String act = r.card().activationLabel();
            groups.computeIfAbsent(arch + "\u0000" + act, k -> new Group(arch, act, new ArrayList<>())).models().add(r);
        }
        List<Group> list = new ArrayList<>(groups.values());
        list.sort(Comparator.comparing(Group::arch).thenComparingInt(ComparisonTable::activationRank)
                .thenComparing(Group::activation));
        return list;
    }

    private static int activationRank(Group g) {
        for (int i = 0; i < ShippedModels.ACTIVATIONS.size(); i++) {
            if (g.isActivation(ShippedModels.ACTIVATIONS.get(i))) {
                return i;
            }
        }
        return ShippedModels.ACTIVATIONS.size();
    }

    /** The ReLU group of the same architecture, or null. */
    static Group reluOf(Group g, List<Group> all) {
        return all.stream().filter(o -> o.arch().equals(g.arch()) && o.isActivation("relu")).findFirst().orElse(null);
    }

    static void print(PrintStream out, Comparison.Report report) {
        List<Group> groups = groups(report.models());
        String head = String.format("%-14s %-14s %5s  %-16s %-9s %-22s %8s %8s %8s %10s %6s", "arch", "activation",
                "seeds", "test accuracy", "recorded", "minus ReLU (pp)", "p50 ms", "p99 ms", "p50/ReLU", "img/s @32",
                "dead");
        out.println(head);
        out.println("-".repeat(head.length()));
        for (Group g : groups) {
            Group relu = reluOf(g, groups);
            Histogram h = g.latency();
            double p50 = Interleaved.millis(h, 50);
            String ratio = relu == null ? "-" : String.format("%.2f", p50 / Interleaved.millis(relu.latency(), 50));
            out.printf("%-14s %-14s %5d  %-16s %-9s %-22s %8s %8s %8s %10s %6s%n", g.arch(), g.activation(),
                    g.models().size(), accuracy(g), recorded(g), difference(g, relu), Format.millis(p50),
                    Format.millis(Interleaved.millis(h, 99)), ratio, String.format("%,.0f", g.throughput()),
                    Double.isNaN(g.dead()) ? "-" : String.format("%.1f%%", 100 * g.dead()));
        }
        out.println();
        out.println("test accuracy: mean ± standard deviation over seeds, recomputed here on " + report.imagesEvaluated()
                + (report.imagesEvaluated() == report.imagesAvailable() ? " test images"
                        : " of the " + report.imagesAvailable() + " test images (the first ones; use --full for all)"));
        out.println(report.imagesEvaluated() == report.imagesAvailable()
                ? "recorded: the accuracy stored in the model at training time ('=' every seed reproduced exactly, "
                        + "'!' a mismatch, listed below)"
                : "recorded: the accuracy stored in the model at training time, on the whole test set (so not "
                        + "comparable with a prefix; --full checks it)");
        out.println("minus ReLU: difference of the means ± its standard error; 'significant' needs more than 2 SE");
        out.println("p50/p99: batch 1, one thread, " + report.latencyRounds() + " runs per model; img/s @32: batch "
                + Comparison.THROUGHPUT_BATCH + ", one thread, " + report.throughputRounds()
                + " runs per model; all models interleaved in one loop (every model once per round, in a random order)");
        out.println("dead: fraction of activation units (conv channels, dense neurons) that are 0 on every evaluated "
                + "image; '-' where the model has no Relu/GELU layer");
        for (Comparison.ModelResult r : report.models()) {
            if (Boolean.FALSE.equals(r.matchesRecorded())) {
                out.printf("MISMATCH %s: recomputed %d/%d correct, recorded %s%n", r.file(), r.correct(), r.n(),
                        r.card().recordedCorrect() >= 0 ? r.card().recordedCorrect() + "/" + r.card().recordedTotal()
                                : Format.percent(r.card().recordedAccuracy()));
            }
        }
        out.println();
        sameKernels(out, groups);
    }

    /** Says, per architecture, whether the ReLU and HeLU models compiled to identical plans. */
    static void sameKernels(PrintStream out, List<Group> groups) {
        Map<String, List<Comparison.ModelResult>> byArch = new LinkedHashMap<>();
        for (Group g : groups) {
            if (g.isActivation("relu") || g.isActivation("helu")) {
                byArch.computeIfAbsent(g.arch(), k -> new ArrayList<>()).addAll(g.models());
            }
        }
        for (Map.Entry<String, List<Comparison.ModelResult>> e : byArch.entrySet()) {
            List<Comparison.ModelResult> ms = e.getValue();
            boolean relu = ms.stream().anyMatch(r -> r.card().activation().equals("relu"));
            boolean helu = ms.stream().anyMatch(r -> r.card().activation().equals("helu"));
            if (!relu || !helu) {
                continue;
            }
            List<String> plan = ms.get(0).plan();
            List<Comparison.ModelResult> differ = ms.stream().filter(r -> !r.plan().equals(plan)).toList();
            if (differ.isEmpty()) {
                out.printf("Same kernels: the %d ReLU and HeLU models of %s compiled to identical plans (%d ops: %s), "
                        + "so ReLU and HeLU ran the very same kernels; only the weights differ.%n", ms.size(), e.getKey(),
                        plan.size(), summary(plan));
            } else {
                out.printf("NOTE: in %s, %d of the ReLU/HeLU models compiled to a plan different from %s's: %s%n",
                        e.getKey(), differ.size(), ms.get(0).file().getFileName(), differ.get(0).file().getFileName());
            }
            groups.stream().filter(g -> g.arch().equals(e.getKey()) && g.isActivation("gelu")).findFirst()
                    .ifPresent(gelu -> out.printf("GELU, for contrast: the %s GELU models run %d ops (%s).%n",
                            e.getKey(), gelu.models().get(0).plan().size(), summary(gelu.models().get(0).plan())));
        }
    }

    private static String summary(List<String> plan) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        plan.forEach(p -> counts.merge(p, 1, Integer::sum));
        StringBuilder sb = new StringBuilder();
        counts.forEach((op, c) -> sb.append(sb.isEmpty() ? "" : ", ").append(op).append(c > 1 ? " ×" + c : ""));
        return sb.toString();
    }

    static String accuracy(Group g) {
        double s = g.std();
        return String.format("%.2f", 100 * g.mean()) + (Double.isNaN(s) ? "" : String.format(" ± %.2f", 100 * s)) + " %";
    }

    private static String recorded(Group g) {
        double r = g.recorded();
        if (Double.isNaN(r)) {
            return "-";
        }
        boolean anyMismatch = g.models().stream().anyMatch(m -> Boolean.FALSE.equals(m.matchesRecorded()));
        boolean allMatch = g.models().stream().allMatch(m -> Boolean.TRUE.equals(m.matchesRecorded()));
        return String.format("%.2f", 100 * r) + (anyMismatch ? " !" : allMatch ? " =" : "");
    }

    /** Mean difference to ReLU in percentage points, with its standard error and whether it exceeds 2 SE. */
    static String difference(Group g, Group relu) {
        if (relu == null || relu == g) {
            return "-";
        }
        double d = 100 * (g.mean() - relu.mean());
        double se = 100 * standardError(g, relu);
        if (Double.isNaN(se)) {
            return String.format("%+.2f (1 seed)", d);
        }
        return String.format("%+.2f ± %.2f %s", d, se, Math.abs(d) > 2 * se ? "signif." : "n.s.");
    }

    static double standardError(Group a, Group b) {
        double sa = a.std();
        double sb = b.std();
        return Math.sqrt(sa * sa / a.models().size() + sb * sb / b.models().size());
    }
}
