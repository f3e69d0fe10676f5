package org.helu4j.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * Writes BENCHMARKS.md and its chart from the files {@code bench/run.sh} leaves in a results folder:
 * {@code conditions.properties}, {@code peak.csv} (PeakFlops), {@code jmh-*.csv} (JMH {@code -rf csv}, with
 * {@code -prof gc}) and {@code ort.csv} (OrtSideBySide). Sections whose file is missing say so.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar org.helu4j.bench.BenchReport RESULTS_DIR OUT.md CHART.png
 * </pre>
 *
 * The chart path is written into the markdown relative to OUT.md's folder.
 */
public final class BenchReport {
    private BenchReport() {
    }

    /** One JMH primary result with its gc.alloc.rate.norm. */
    record Jmh(String bench, Map<String, String> params, double score, double error, String unit, double bytesPerOp,
            int samples) {
        String p(String k) {
            return params.getOrDefault(k, "");
        }

        String err() {
            return Double.isNaN(error) ? "n/a" : fmt(error);
        }
    }

    static String fmt(double v) {
        double a = Math.abs(v);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }

    static List<Jmh> readJmh(Path dir) throws IOException {
        Map<String, Jmh> primary = new LinkedHashMap<>();
        Map<String, Double> alloc = new TreeMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "jmh-*.csv")) {
            List<Path> files = new ArrayList<>();
            ds.forEach(files::add);
            files.sort(null);
            for (Path f : files) {
                List<String> lines = Files.readAllLines(f);
                if (lines.isEmpty()) {
                    continue;
                }
                List<String> head = Conditions.splitCsv(lines.get(0));
                for (String line : lines.subList(1, lines.size())) {
                    if (line.isBlank()) {
                        continue;
                    }
                    List<String> c = Conditions.splitCsv(line);
                    String name = c.get(0).replace("org.helu4j.bench.", "");
                    Map<String, String> params = new TreeMap<>();
                    for (int i = 7; i < head.size() && i < c.size(); i++) {
                        if (!c.get(i).isEmpty()) {
                            params.put(head.get(i).replace("Param: ", ""), c.get(i));
                        }
                    }
                    int colon = name.indexOf(':');
                    String bench = colon < 0 ? name : name.substring(0, colon);
                    String key = bench + params;
                    double score = Double.parseDouble(c.get(4));
                    if (colon < 0) {
                        double err = c.get(5).equals("NaN") ? Double.NaN : Double.parseDouble(c.get(5));
                        primary.put(key, new Jmh(bench, params, score, err, c.get(6), Double.NaN,
                                Integer.parseInt(c.get(3))));
                    } else if (name.endsWith("gc.alloc.rate.norm")) {
                        alloc.put(key, score);
                    }
                }
            }
        }
        List<Jmh> out = new ArrayList<>();
        for (Map.Entry<String, Jmh> e : primary.entrySet()) {
            Jmh j = e.getValue();
            out.add(new Jmh(j.bench(), j.params(), j.score(), j.error(), j.unit(), alloc.getOrDefault(e.getKey(), Double.NaN),
                    j.samples()));
        }
        return out;
    }

    /** Seconds per op from a JMH average-time score. */
    static double seconds(Jmh j) {
        return switch (j.unit()) {
            case "s/op" -> j.score();
            case "ms/op" -> j.score() / 1e3;
            case "us/op" -> j.score() / 1e6;
            case "ns/op" -> j.score() / 1e9;
            default -> throw new IllegalArgumentException("unit " + j.unit());
        };
    }

    /** Bytes where only exactly 0 reads as 0. */
    static String exactBytes(double b) {
        return b == 0 ? "0" : String.format(Locale.ROOT, b < 10 ? "%.1f" : "%,.0f", b);
    }

    static String bytes(double b) {
        return Double.isNaN(b) ? "n/a" : b < 1 ? "0" : String.format(Locale.ROOT, "%,.0f", b);
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: BenchReport RESULTS_DIR OUT.md CHART.png");
            System.exit(2);
        }
        System.setProperty("java.awt.headless", "true");
        Path dir = Path.of(args[0]);
        Path md = Path.of(args[1]);
        Path chart = Path.of(args[2]);
        Map<String, String> run = Conditions.readProperties(dir.resolve("conditions.properties"));
        StringBuilder s = new StringBuilder();
        s.append("# helu4j benchmarks\n\n");
        s.append("Generated by `").append(run.getOrDefault("command", "bench/run.sh")).append("` (")
                .append(run.getOrDefault("mode", "?")).append(" mode). Every figure below comes from that one run; ")
                .append("regenerate the tables and the chart with the same command. Method: ")
                .append("`../shared/design/BENCHMARKING.md` (ratios side by side in one run, JMH with 2 forks, ")
                .append("5 warm-up and 5 measured iterations, conditions written down).\n\n");
        boolean contended = run.values().stream().anyMatch(v -> v.startsWith("YES"));
        if (!"full".equals(run.get("mode")) || contended) {
            s.append("> **Not a measurement.** ").append("full".equals(run.get("mode")) ? "" : "A quick smoke run "
                    + "(1 fork, 1 short iteration, mostly before the JIT has compiled the kernels): it proves the "
                    + "pipeline works. ").append(contended ? "Other heavy processes (training) ran during it. " : "")
                    .append("Do not quote these figures.\n\n");
        }
        s.append("## Conditions\n\n| | |\n|---|---|\n");
        for (Map.Entry<String, String> e : Conditions.collect().entrySet()) {
            s.append("| ").append(e.getKey()).append(" | ").append(e.getValue()).append(" |\n");
        }
        for (Map.Entry<String, String> e : run.entrySet()) {
            if (!e.getKey().equals("command") && !e.getKey().equals("mode")) {
                s.append("| ").append(e.getKey()).append(" | ").append(e.getValue()).append(" |\n");
            }
        }
        s.append('\n');

        double peak = peakSection(s, dir);
        List<Jmh> jmh = readJmh(dir);
        Map<String, double[]> settled = readSettled(dir);
        targetSection(s, dir, jmh, settled, peak);
        ortSection(s, dir, md, chart);
        gemmSection(s, jmh, peak);
        convSection(s, jmh, peak);
        activationSection(s, jmh);
        modelSection(s, jmh, settled);
        Files.createDirectories(md.toAbsolutePath().getParent());
        Files.writeString(md, s);
        System.out.println("wrote " + md + (Files.exists(chart) ? " and " + chart : ""));
    }

    static double peakSection(StringBuilder s, Path dir) throws IOException {
        s.append("## Peak FP32 FMA throughput (the hardware limit)\n\n");
        Path f = dir.resolve("peak.csv");
        if (!Files.exists(f)) {
            s.append("Not run.\n\n");
            return Double.NaN;
        }
        List<String> c = Conditions.splitCsv(Files.readAllLines(f).get(1));
        double best = Double.parseDouble(c.get(1));
        s.append(String.format(Locale.ROOT, "`PeakFlops`, one core, %s, 12 independent FMA chains: **%.1f GFLOP/s** "
                + "(best of %s rounds; median %.1f). GEMM and conv below report their fraction of this best round.%n%n",
                c.get(0), best, c.get(3), Double.parseDouble(c.get(2))));
        return best;
    }

    static void ortSection(StringBuilder s, Path dir, Path md, Path chart) throws IOException {
        s.append("## End to end: helu4j vs ONNX Runtime 1.22.0, side by side\n\n");
        Path f = dir.resolve("ort.csv");
        if (!Files.exists(f)) {
            s.append("Not run.\n\n");
            return;
        }
        List<String[]> rows = OrtSideBySide.readCsv(f);
        s.append("`OrtSideBySide`: the same `.onnx` file and input in one process (a fresh one per model), interleaved in blocks of ~100 ms; ")
                .append("ORT with the CPU provider, `ALL_OPT`, intra-op threads = helu4j's threads, inter-op 1. ")
                .append("p50 of single-run latency; ratio = helu4j p50 / ORT p50 (below 1: helu4j is faster). ")
                .append("Throughput = batch / p50.\n\n");
        s.append("| model | batch | threads | helu4j p50 ms | ORT p50 ms | **ratio** | helu4j /s | ORT /s | runs (h/o) |\n");
        s.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        Map<String, String[]> load = new LinkedHashMap<>();
        for (String[] r : rows) {
            double h = Double.parseDouble(r[3]), o = Double.parseDouble(r[6]);
            int b = Integer.parseInt(r[1]);
            s.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | **%.2f** | %s | %s | %s/%s |%n", r[0], b, r[2],
                    fmt(h), fmt(o), h / o, fmt(b / h * 1e3), fmt(b / o * 1e3), r[5], r[8]));
            load.putIfAbsent(r[0], r);
        }
        s.append("\nModel load to first result (batch 1, one thread; `LoadToFirst`): helu4j `Model.load` + `newSession` + ")
                .append("first `run`, ORT session creation + first `run`, on the same file in the same JVM. `cold`: the ")
                .append("first load in a fresh JVM (median over fresh JVMs, alternating which engine goes first; the ORT ")
                .append("environment, which loads its native library, is created before and shown apart); `warm`: the ")
                .append("median of repeated loads after a few seconds of loads. Agreement: the first output on one ")
                .append("random batch-2 input.\n\n");
        s.append("| model | helu4j cold ms | ORT cold ms | helu4j warm ms | ORT warm ms | ORT environment ms | max abs diff | "
                + "relative to max abs ORT output |\n");
        s.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String[] r : load.values()) {
            s.append("| ").append(r[0]).append(" | ").append(r[10]).append(" | ").append(r[11]).append(" | ")
                    .append(r.length > 15 ? r[14] : "n/a").append(" | ").append(r.length > 15 ? r[15] : "n/a").append(" | ")
                    .append(r.length > 16 ? r[16] : "n/a").append(" | ").append(r[12]).append(" | ").append(r[13])
                    .append(" |\n");
        }
        s.append('\n');
        activationVariants(s, rows);
        writeChart(rows, chart);
        Path rel = md.toAbsolutePath().getParent().relativize(chart.toAbsolutePath());
        s.append("![helu4j / ORT p50 latency ratio](").append(rel.toString().replace('\\', '/')).append(")\n\n");
    }

    /** The targets of the performance issue, each with the measured value and met / missed. */
    static void targetSection(StringBuilder s, Path dir, List<Jmh> jmh, Map<String, double[]> settled, double peak)
            throws IOException {
        s.append("## Targets\n\n| target | measured | |\n|---|---|---|\n");
        for (Jmh j : jmh) {
            if (j.bench().equals("GemmBench.gemm") && j.p("shape").equals("square:512x512x512") && !Double.isNaN(peak)) {
                double f = 2.0 * 512 * 512 * 512 / seconds(j) / 1e9 / peak;
                s.append(String.format(Locale.ROOT, "| SGEMM 512³, one thread (%s B) ≥ 70%% of peak (goal 80%%) | %.0f%% | %s |%n",
                        j.p("layout"), 100 * f, f >= 0.8 ? "met, goal too" : f >= 0.7 ? "met" : "**missed**"));
            }
        }
        Path f = dir.resolve("ort.csv");
        if (Files.exists(f)) {
            List<String[]> rows = OrtSideBySide.readCsv(f);
            List<String> missed = new ArrayList<>();
            int n = 0, met = 0, goal = 0;
            Map<String, String[]> load = new LinkedHashMap<>();
            for (String[] r : rows) {
                load.putIfAbsent(r[0], r);
                if (r[1].equals("1") || r[1].equals("8")) {
                    n++;
                    double ratio = Double.parseDouble(r[3]) / Double.parseDouble(r[6]);
                    if (ratio <= 1) {
                        met++;
                    } else {
                        missed.add(String.format(Locale.ROOT, "%s b%s t%s %.2f", r[0], r[1], r[2], ratio));
                    }
                    if (ratio <= 0.8) {
                        goal++;
                    }
                }
            }
            s.append(String.format(Locale.ROOT, "| p50 ≤ ORT's at batch 1 and 8, 1 and 2 threads (goal 0.8×) | %d of %d "
                    + "configurations (%d at ≤ 0.8×)%s | %s |%n", met, n, goal,
                    missed.isEmpty() ? "" : "; over: " + String.join(", ", missed), n > 0 && met == n ? "met" : "**missed**"));
            int faster = 0, fasterAgain = 0;
            for (String[] r : load.values()) {
                if (Double.parseDouble(r[10]) < Double.parseDouble(r[11])) {
                    faster++;
                }
                if (r.length > 15 && Double.parseDouble(r[14]) < Double.parseDouble(r[15])) {
                    fasterAgain++;
                }
            }
            s.append(String.format(Locale.ROOT, "| load → first result faster than ORT's | cold: %d of %d models; "
                    + "warm: %d of %d | %s |%n", faster, load.size(), fasterAgain, load.size(),
                    faster == load.size() && fasterAgain == load.size() ? "met"
                            : fasterAgain == load.size() ? "**missed** (met warm)" : "**missed**"));
        }
        Map<String, Double> copy = new TreeMap<>(), relu = new TreeMap<>();
        for (Jmh j : jmh) {
            if (j.bench().equals("ActivationBench.copy")) {
                copy.put(j.p("n"), j.score());
            } else if (j.bench().equals("ActivationBench.relu")) {
                relu.put(j.p("n"), j.score());
            }
        }
        List<String> bw = new ArrayList<>();
        for (String k : relu.keySet()) {
            if (copy.containsKey(k)) {
                bw.add(String.format(Locale.ROOT, "%s floats: %.2f", k, copy.get(k) / relu.get(k)));
            }
        }
        if (!bw.isEmpty()) {
            s.append("| standalone ReLU/HeLU streams at copy bandwidth (ReLU GB/s ÷ copy GB/s) | ")
                    .append(String.join("; ", bw)).append(" | see the activation table |\n");
        }
        List<Double> costs = new ArrayList<>();
        Map<String, Double> plain = new TreeMap<>();
        for (Jmh j : jmh) {
            if (j.bench().equals("ConvBench.conv") && j.p("relu").equals("false")) {
                plain.put(j.p("shape"), j.score());
            }
        }
        for (Jmh j : jmh) {
            if (j.bench().equals("ConvBench.conv") && j.p("relu").equals("true") && plain.containsKey(j.p("shape"))) {
                costs.add(100 * (j.score() - plain.get(j.p("shape"))) / plain.get(j.p("shape")));
            }
        }
        if (!costs.isEmpty()) {
            costs.sort(null);
            s.append(String.format(Locale.ROOT, "| fused ReLU within noise of the conv without it | median %+.1f%% over %d "
                    + "layers (range %+.1f%% to %+.1f%%) | compare with the ± errors in the conv table |%n",
                    costs.get(costs.size() / 2), costs.size(), costs.get(0), costs.get(costs.size() - 1)));
        }
        if (!settled.isEmpty()) {
            List<String> alloc = new ArrayList<>();
            double longest = 0;
            for (Map.Entry<String, double[]> e : settled.entrySet()) {
                longest = Math.max(longest, e.getValue()[1]);
                if (e.getValue()[2] > 0) {
                    alloc.add(e.getKey() + ": " + exactBytes(e.getValue()[2]) + " B");
                }
            }
            s.append("| steady-state run allocates 0 B (every thread, after `ModelBench` settles the JIT) | ")
                    .append(settled.size() - alloc.size()).append(" of ").append(settled.size())
                    .append(" configurations at 0").append(alloc.isEmpty() ? "" : "; " + String.join(", ", alloc))
                    .append(String.format(Locale.ROOT, " (settling took up to %.0f s); JMH's `-prof gc` B/op, with its "
                            + "own threads' allocation, is in the model table", longest))
                    .append(" | ").append(alloc.isEmpty() ? "met" : "**missed**").append(" |\n");
        }
        s.append('\n');
    }

    /**
     * {@code settle.csv} rows (model, batch, threads, runs, seconds, bytes per run; one per JMH fork) by
     * "model bB tT": the most runs, the longest time and the most bytes over the forks.
     */
    static Map<String, double[]> readSettled(Path dir) throws IOException {
        Map<String, double[]> out = new TreeMap<>();
        Path f = dir.resolve("settle.csv");
        if (!Files.exists(f)) {
            return out;
        }
        for (String line : Files.readAllLines(f)) {
            String[] r = line.split(",");
            if (r.length != 6) {
                continue;
            }
            String key = settledKey(r[0], r[1], r[2]);
            double[] v = out.computeIfAbsent(key, k -> new double[3]);
            for (int i = 0; i < 3; i++) {
                v[i] = Math.max(v[i], Double.parseDouble(r[3 + i]));
            }
        }
        return out;
    }

    static String settledKey(String model, String batch, String threads) {
        return Path.of(model).getFileName().toString().replaceFirst("\\.onnx$", "") + " b" + batch + " t" + threads;
    }

    static void activationVariants(StringBuilder s, List<String[]> rows) {
        java.util.regex.Pattern re = java.util.regex.Pattern.compile("^(.*)-(relu|helu|gelu)([-.].*)?$");
        Map<String, Map<String, String>> cells = new LinkedHashMap<>();
        for (String[] r : rows) {
            java.util.regex.Matcher m = re.matcher(r[0]);
            if (m.matches()) {
                String key = m.group(1) + " | " + r[1] + " | " + r[2];
                cells.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(m.group(2), r[3]);
            }
        }
        if (cells.isEmpty()) {
            return;
        }
        s.append("ReLU vs HeLU vs GELU builds of the same architecture (helu4j p50 ms, from the table above):\n\n");
        s.append("| architecture | batch | threads | ReLU | HeLU | GELU |\n|---|---:|---:|---:|---:|---:|\n");
        for (Map.Entry<String, Map<String, String>> e : cells.entrySet()) {
            Map<String, String> v = e.getValue();
            s.append("| ").append(e.getKey()).append(" | ").append(v.getOrDefault("relu", "n/a")).append(" | ")
                    .append(v.getOrDefault("helu", "n/a")).append(" | ").append(v.getOrDefault("gelu", "n/a")).append(" |\n");
        }
        s.append('\n');
    }

    static void writeChart(List<String[]> rows, Path chart) throws IOException {
        Set<String> models = new LinkedHashSet<>();
        Set<String> configs = new LinkedHashSet<>();
        Map<String, Double> ratio = new LinkedHashMap<>();
        for (String[] r : rows) {
            models.add(r[0]);
            String cfg = "batch " + r[1] + ", " + r[2] + (r[2].equals("1") ? " thread" : " threads");
            configs.add(cfg);
            ratio.put(r[0] + "|" + cfg, Double.parseDouble(r[3]) / Double.parseDouble(r[6]));
        }
        CategoryChart c = new CategoryChartBuilder().width(1200).height(600)
                .title("helu4j p50 latency / ONNX Runtime p50 latency (below 1.0: helu4j faster)")
                .xAxisTitle("model").yAxisTitle("ratio").build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        c.getStyler().setXAxisLabelRotation(20);
        c.getStyler().setYAxisDecimalPattern("0.00");
        List<String> xs = new ArrayList<>(models);
        for (String cfg : configs) {
            List<Double> ys = new ArrayList<>();
            for (String m : xs) {
                ys.add(ratio.getOrDefault(m + "|" + cfg, 0.0));
            }
            c.addSeries(cfg, xs, ys);
        }
        List<Double> ones = new ArrayList<>();
        xs.forEach(x -> ones.add(1.0));
        c.addSeries("parity (1.0)", xs, ones).setChartCategorySeriesRenderStyle(
                org.knowm.xchart.CategorySeries.CategorySeriesRenderStyle.Line);
        Files.createDirectories(chart.toAbsolutePath().getParent());
        BitmapEncoder.saveBitmap(c, chart.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    static String pct(double gflops, double peak) {
        return Double.isNaN(peak) ? "n/a" : String.format(Locale.ROOT, "%.0f%%", 100 * gflops / peak);
    }

    static void gemmSection(StringBuilder s, List<Jmh> jmh, double peak) {
        s.append("## GEMM (JMH `GemmBench`, one thread)\n\n");
        List<Jmh> g = jmh.stream().filter(j -> j.bench().equals("GemmBench.gemm")).toList();
        if (g.isEmpty()) {
            s.append("Not run.\n\n");
            return;
        }
        s.append("C[M×N] = A[M×K]·B[K×N]; `plain`: B row-major (how im2col columns reach it), `packed`: B packed at ")
                .append("load (weights). GFLOP/s = 2·M·N·K / time.\n\n");
        s.append("| shape | M×N×K | B | µs/op ± err | GFLOP/s | of peak | B/op |\n|---|---|---|---:|---:|---:|---:|\n");
        for (Jmh j : g) {
            Shapes.GemmShape sh = Shapes.GemmShape.parse(j.p("shape"));
            double gf = sh.flops() / seconds(j) / 1e9;
            s.append(String.format(Locale.ROOT, "| %s | %dx%dx%d | %s | %s ± %s | %s | %s | %s |%n", sh.tag(), sh.m(), sh.n(),
                    sh.k(), j.p("layout"), fmt(j.score()), j.err(), fmt(gf), pct(gf, peak), bytes(j.bytesPerOp())));
        }
        s.append('\n');
    }

    static void convSection(StringBuilder s, List<Jmh> jmh, double peak) {
        s.append("## Conv layers (JMH `ConvBench`, one thread, batch 1)\n\n");
        List<Jmh> g = jmh.stream().filter(j -> j.bench().equals("ConvBench.conv")).toList();
        if (g.isEmpty()) {
            s.append("Not run.\n\n");
            return;
        }
        s.append("Every conv layer of the shipped fashion-cnn and fashion-wrn, and layers of ResNet-18, MobileNetV2 and ")
                .append("WRN-16-4, through the path the engine takes for each (3×3 stride-1 layers with 32 to 512 input ")
                .append("channels on big enough maps: Winograd F(2×2, 3×3), whose GFLOP/s and fraction of peak count the ")
                .append("direct convolution's multiply-adds, an effective rate that can pass 100%; 7×7 and 8×8 maps with ")
                .append("many channels and a long enough k: `ChannelLanesConv`, output channels along the lanes). ")
                .append("`fused ReLU` is the ")
                .append("cost of `relu=true` (activation in the epilogue) over `relu=false`.\n\n");
        s.append("| layer | shape | µs/op ± err | GFLOP/s | of peak | fused ReLU µs/op | fused ReLU cost | B/op |\n")
                .append("|---|---|---:|---:|---:|---:|---:|---:|\n");
        Map<String, Jmh> plain = new LinkedHashMap<>();
        Map<String, Jmh> relu = new LinkedHashMap<>();
        for (Jmh j : g) {
            (j.p("relu").equals("true") ? relu : plain).put(j.p("shape"), j);
        }
        Set<String> shapes = new LinkedHashSet<>(plain.keySet());
        shapes.addAll(relu.keySet());
        for (String shape : shapes) {
            Shapes.ConvShape sh = Shapes.ConvShape.parse(shape);
            Jmh p = plain.get(shape), r = relu.get(shape);
            Jmh base = p != null ? p : r;
            double gf = sh.flops() / seconds(base) / 1e9;
            String cost = p != null && r != null
                    ? String.format(Locale.ROOT, "%+.1f%%", 100 * (r.score() - p.score()) / p.score()) : "n/a";
            s.append(String.format(Locale.ROOT, "| %s | %s | %s ± %s%s | %s | %s | %s | %s | %s |%n", sh.tag(), sh,
                    fmt(base.score()), base.err(), p == null ? " (relu)" : "", fmt(gf), pct(gf, peak),
                    r == null ? "n/a" : fmt(r.score()) + " ± " + r.err(), cost, bytes(base.bytesPerOp())));
        }
        s.append('\n');
    }

    static void activationSection(StringBuilder s, List<Jmh> jmh) {
        s.append("## Activations, standalone (JMH `ActivationBench`, one thread)\n\n");
        List<Jmh> g = jmh.stream().filter(j -> j.bench().startsWith("ActivationBench.")).toList();
        if (g.isEmpty()) {
            s.append("Not run.\n\n");
            return;
        }
        s.append("out = f(x), 8 bytes moved per element (one float read, one written). ReLU is also HeLU's forward ")
                .append("pass (one kernel, `max(x, 0)`). `copy` is `MemorySegment.copy`, the bandwidth reference.\n\n");
        Map<String, Map<String, Jmh>> byN = new TreeMap<>((a, b) -> Long.compare(Long.parseLong(a), Long.parseLong(b)));
        for (Jmh j : g) {
            byN.computeIfAbsent(j.p("n"), k -> new LinkedHashMap<>()).put(j.bench().substring("ActivationBench.".length()), j);
        }
        String[] fns = {"copy", "relu", "gelu", "geluTanh"};
        s.append("| floats | copy GB/s | ReLU/HeLU GB/s | GELU (erf) GB/s | GELU (tanh) GB/s | ReLU / copy | B/op (ReLU) |\n")
                .append("|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Map.Entry<String, Map<String, Jmh>> e : byN.entrySet()) {
            long n = Long.parseLong(e.getKey());
            s.append("| ").append(String.format(Locale.ROOT, "%,d", n));
            double[] gbs = new double[fns.length];
            for (int i = 0; i < fns.length; i++) {
                Jmh j = e.getValue().get(fns[i]);
                gbs[i] = j == null ? Double.NaN : 8.0 * n / seconds(j) / 1e9;
                s.append(" | ").append(j == null ? "n/a" : fmt(gbs[i]));
            }
            Jmh r = e.getValue().get("relu");
            s.append(" | ").append(Double.isNaN(gbs[0] + gbs[1]) ? "n/a" : String.format(Locale.ROOT, "%.2f", gbs[1] / gbs[0]))
                    .append(" | ").append(r == null ? "n/a" : bytes(r.bytesPerOp())).append(" |\n");
        }
        s.append('\n');
    }

    static void modelSection(StringBuilder s, List<Jmh> jmh, Map<String, double[]> settled) {
        s.append("## End to end in JMH (`ModelBench`, `Session.runInto`)\n\n");
        List<Jmh> g = jmh.stream().filter(j -> j.bench().equals("ModelBench.run")).toList();
        if (g.isEmpty()) {
            s.append("Not run.\n\n");
            return;
        }
        s.append("Average time per batch. Before JMH's warm-up, each fork's setup runs the model in 0.5 s rounds until a "
                + "round allocates nothing on the calling thread (C2 has then compiled the kernel paths it takes; C1 code "
                + "runs the Vector API's allocating fallback) or its time limit passes (`-Dhelu4j.bench.settleSeconds`, 30 in "
                + "full mode). `settled B/run`: that last round's heap "
                + "allocation per run, counted on every thread (workers included), the larger of the two forks. "
                + "`JMH B/op`: `-prof gc`, which also counts JMH's own threads (about 7 KB per iteration here, so "
                + "hundreds of B/op for a model that runs a few times per 300 ms iteration).\n\n");
        s.append("| model | batch | threads | ms/op ± err | images/s | runs to settle | settled B/run | JMH B/op |\n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Jmh j : g) {
            String model = Path.of(j.p("model")).getFileName().toString().replaceFirst("\\.onnx$", "");
            int b = Integer.parseInt(j.p("batch"));
            double[] st = settled.get(settledKey(j.p("model"), j.p("batch"), j.p("threads")));
            s.append(String.format(Locale.ROOT, "| %s | %d | %s | %s ± %s | %s | %s | %s | %s |%n", model, b,
                    j.p("threads"), fmt(j.score()), j.err(), fmt(b / seconds(j)),
                    st == null ? "n/a" : String.format(Locale.ROOT, "%,.0f", st[0]), st == null ? "n/a" : exactBytes(st[2]),
                    bytes(j.bytesPerOp())));
        }
        s.append('\n');
    }
}
