package org.helu4j.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.helu4j.Model;
import org.helu4j.Session;
import org.helu4j.Tensor;
import org.helu4j.kernel.Vectors;

/**
 * helu4j and ONNX Runtime side by side, in one process, on the same {@code .onnx} file and the same input.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar \
 *     org.helu4j.bench.OrtSideBySide [--batches 1,8,32] [--threads 1,2] [--warmup-s 2] [--measure-s 6]
 *     [--min-iters 5] [--cold-jvms 3] [--load-warmup-s 3] [--load-repeats 7] [--load-only] [--out ort.csv]
 *     MODEL.onnx...
 * </pre>
 *
 * For each model: (1) load to first result at batch 1, one thread, for both engines, cold (the first load in
 * fresh JVMs), as {@link LoadToFirst} describes; (2) the agreement of the first output on one random input at
 * batch 2 (max abs diff, and that diff relative to the largest |ORT output|); (3) for each thread count and batch,
 * both warm up (alternately for the warm-up time, then helu4j alone until its JIT has settled, as
 * {@link ModelBench#settle} decides: the alternating warm-up alone left helu4j's kernels half compiled on 2 threads,
 * whose runs then share the 2 cores with C2 and ORT), then run alternately in blocks of about 100 ms until each has
 * spent the measuring time (and at least min-iters runs); each block starts after a pause that lets the other
 * engine's threads stop spinning, and its first run is not recorded. p50 and p90 of single-run latency; (4) load to
 * first result warm (repeated loads in this JVM, after the latency runs have warmed the kernels).
 *
 * <p>ORT: CPU provider, {@code OptLevel.ALL_OPT}, {@code intraOpNumThreads} = helu4j's threads,
 * {@code interOpNumThreads} = 1, sequential execution. helu4j: {@code model.newSession(threads)} and
 * {@code runInto} with preallocated outputs.
 */
public final class OrtSideBySide {

    /** One (model, threads, batch) measurement. Times in milliseconds. */
    public record Row(String model, int batch, int threads, double heluP50, double heluP90, int heluRuns,
            double ortP50, double ortP90, int ortRuns, double heluLoadMs, double ortLoadMs, double maxAbsDiff,
            double relDiff, double heluLoadWarmMs, double ortLoadWarmMs, double ortEnvMs) {
        public double ratio() {
            return heluP50 / ortP50;
        }

        Row withLoad(double heluCold, double ortCold, double heluWarm, double ortWarm, double ortEnv) {
            return new Row(model, batch, threads, heluP50, heluP90, heluRuns, ortP50, ortP90, ortRuns, heluCold, ortCold,
                    maxAbsDiff, relDiff, heluWarm, ortWarm, ortEnv);
        }

        static final String HEADER = "model,batch,threads,helu4j_p50_ms,helu4j_p90_ms,helu4j_runs,ort_p50_ms,ort_p90_ms,"
                + "ort_runs,ratio_p50,helu4j_load_cold_ms,ort_load_cold_ms,max_abs_diff,rel_diff,helu4j_load_warm_ms,"
                + "ort_load_warm_ms,ort_env_ms";

        String csv() {
            return String.format(Locale.ROOT, "%s,%d,%d,%.4f,%.4f,%d,%.4f,%.4f,%d,%.4f,%.1f,%.1f,%.3g,%.3g,%.1f,%.1f,%.1f",
                    model, batch, threads, heluP50, heluP90, heluRuns, ortP50, ortP90, ortRuns, ratio(), heluLoadMs,
                    ortLoadMs, maxAbsDiff, relDiff, heluLoadWarmMs, ortLoadWarmMs, ortEnvMs);
        }
    }

    /** Agreement of the first output: {@code maxAbs} = max |helu4j - ORT|, {@code maxRef} = max |ORT|. */
    public record Agreement(double maxAbs, double maxRef, long elements) {
        public double relative() {
            return maxAbs / Math.max(maxRef, Float.MIN_NORMAL);
        }
    }

    private final OrtEnvironment env;
    /** The creation of {@link #env} in this JVM, in ms. */
    private final double envCreationMs;

    OrtSideBySide() {
        long t0 = System.nanoTime();
        env = OrtEnvironment.getEnvironment();
        envCreationMs = ms(System.nanoTime() - t0);
    }

    static OrtSession.SessionOptions ortOptions(int threads) throws OrtException {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        o.setIntraOpNumThreads(threads);
        o.setInterOpNumThreads(1);
        o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        return o;
    }

    /** Both engines on one input at {@code batch}. */
    public static Agreement agreement(Path model, int batch) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (Model m = Model.load(model); Session s = m.newSession();
                OrtSession.SessionOptions opts = ortOptions(1);
                OrtSession ort = env.createSession(model.toString(), opts)) {
            return agreement(env, m, s, ort, batch);
        }
    }

    static Agreement agreement(OrtEnvironment env, Model m, Session s, OrtSession ort, int batch) throws OrtException {
        Feed feed = new Feed(env, m, ort, batch, 1234);
        float[] mine = s.run(feed.helu).get(0).toFloatArray();
        float[] theirs;
        try (OrtSession.Result r = ort.run(feed.ort)) {
            FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
            theirs = new float[fb.remaining()];
            fb.get(theirs);
        } finally {
            feed.close();
        }
        if (mine.length != theirs.length) {
            throw new IllegalStateException("output sizes differ: helu4j " + mine.length + ", ORT " + theirs.length);
        }
        double maxAbs = 0, maxRef = 0;
        for (int i = 0; i < mine.length; i++) {
            double d = Math.abs((double) mine[i] - theirs[i]);
            if (Double.isNaN(d)) {
                d = Double.POSITIVE_INFINITY;
            }
            maxAbs = Math.max(maxAbs, d);
            maxRef = Math.max(maxRef, Math.abs(theirs[i]));
        }
        return new Agreement(maxAbs, maxRef, mine.length);
    }

    /** The same random input for both engines: a heap array for helu4j, a direct buffer ORT reads in place. */
    static final class Feed implements AutoCloseable {
        final Tensor[] helu;
        final Map<String, OnnxTensor> ort = new HashMap<>();

        Feed(OrtEnvironment env, Model m, OrtSession session, int batch, long seed) throws OrtException {
            helu = new Tensor[m.inputs().size()];
            List<String> names = new ArrayList<>(session.getInputNames());
            for (int i = 0; i < helu.length; i++) {
                long[] dims = Inputs.dims(m, i, batch);
                float[] v = Inputs.random(dims, seed + i);
                helu[i] = Tensor.of(v, dims);
                FloatBuffer fb = ByteBuffer.allocateDirect(v.length * Float.BYTES).order(ByteOrder.nativeOrder())
                        .asFloatBuffer();
                fb.put(v).flip();
                String name = m.inputs().get(i).name();
                if (!names.contains(name)) {
                    throw new IllegalStateException("ORT does not see input '" + name + "': " + names);
                }
                ort.put(name, OnnxTensor.createTensor(env, fb, dims));
            }
        }

        @Override
        public void close() {
            ort.values().forEach(OnnxTensor::close);
        }
    }

    /** Settings of one run. */
    record Settings(int[] batches, int[] threads, double warmupS, double measureS, int minIters, int coldJvms,
            double loadWarmupS, int loadRepeats, boolean loadOnly) {
    }

    private static double ms(long ns) {
        return ns / 1e6;
    }

    private List<Row> measureModel(Path file, Settings st) throws Exception {
        String name = file.getFileName().toString().replaceFirst("\\.onnx$", "");
        LoadToFirst probe = new LoadToFirst(env);
        LoadToFirst.Stat[] cold = cold(file, st, probe);
        System.out.printf(Locale.ROOT, "%s: load -> first result (batch 1, 1 thread), ms, median [min..max]%n"
                + "  cold, %-28s helu4j %s   ORT %s   ratio %.2f   (ORT environment, not counted: %.1f)%n", name,
                st.coldJvms() > 0 ? "first load in fresh JVMs (n=" + cold[0].n() + "):" : "first load in this JVM:",
                cold[0].describe(), cold[1].describe(), cold[0].median() / cold[1].median(), cold[2].median());
        List<Row> rows = new ArrayList<>();
        if (!st.loadOnly()) {
            rows.addAll(latency(file, name, st));
        }
        // Warm loads come after the latency runs, which have kept the kernels busy for many seconds: on a loaded
        // machine a few seconds of loads alone may not see the JIT finish. --load-only relies on the warm-up.
        double[][] warm = probe.warm(file, st.loadWarmupS(), st.loadRepeats());
        LoadToFirst.Stat hw = LoadToFirst.Stat.of(warm[0]), ow = LoadToFirst.Stat.of(warm[1]);
        System.out.printf(Locale.ROOT, "  warm, %-28s helu4j %s   ORT %s   ratio %.2f%n",
                "repeated (n=" + hw.n() + "):", hw.describe(), ow.describe(), hw.median() / ow.median());
        if (rows.isEmpty()) {
            rows.add(new Row(name, 1, 1, Double.NaN, Double.NaN, 0, Double.NaN, Double.NaN, 0, 0, 0, Double.NaN,
                    Double.NaN, 0, 0, 0));
        }
        rows.replaceAll(r -> r.withLoad(cold[0].median(), cold[1].median(), hw.median(), ow.median(),
                cold[2].median()));
        return rows;
    }

    /** Agreement, then latency per thread count and batch; the rows' load figures are filled in later. */
    private List<Row> latency(Path file, String name, Settings st) throws Exception {
        List<Row> rows = new ArrayList<>();
        try (Model m = Model.load(file)) {
            Agreement ag;
            try (Session s = m.newSession(); OrtSession.SessionOptions o = ortOptions(1);
                    OrtSession ort = env.createSession(file.toString(), o)) {
                ag = agreement(env, m, s, ort, 2);
            }
            System.out.printf(Locale.ROOT, "  max |diff| %.3g (%.3g of max |ORT| %.3g)%n", ag.maxAbs(), ag.relative(),
                    ag.maxRef());
            for (int t : st.threads()) {
                try (Session s = m.newSession(t); OrtSession.SessionOptions o = ortOptions(t);
                        OrtSession ort = env.createSession(file.toString(), o)) {
                    for (int b : st.batches()) {
                        Row r = interleave(name, m, s, ort, b, t, st, ag);
                        rows.add(r);
                        System.out.printf(Locale.ROOT, "  batch %2d threads %d: helu4j p50 %9.3f ms (%d runs)  "
                                + "ORT p50 %9.3f ms (%d runs)  ratio %.2f%n", b, t, r.heluP50(), r.heluRuns(),
                                r.ortP50(), r.ortRuns(), r.ratio());
                    }
                }
            }
        }
        return rows;
    }

    /**
     * Cold load to first result, {helu4j, ORT, ORT environment}: in fresh JVMs, or without them the first load of
     * the file in this JVM.
     */
    private LoadToFirst.Stat[] cold(Path file, Settings st, LoadToFirst probe) throws Exception {
        if (st.coldJvms() > 0) {
            double[][] c = LoadToFirst.coldInFreshJvms(file, st.coldJvms());
            return new LoadToFirst.Stat[] {LoadToFirst.Stat.of(c[0]), LoadToFirst.Stat.of(c[1]),
                LoadToFirst.Stat.of(c[2])};
        }
        double[] first = probe.pair(file, true);
        return new LoadToFirst.Stat[] {LoadToFirst.Stat.of(new double[] {first[0]}),
            LoadToFirst.Stat.of(new double[] {first[1]}), LoadToFirst.Stat.of(new double[] {envCreationMs})};
    }

    /** One run of each engine after the other, for at least {@code nanos} and 2 pairs: {helu4j, ORT} mean ns a run. */
    private static double[] alternate(Session s, Feed feed, Tensor[] outs, OrtSession ort, long nanos)
            throws Exception {
        long end = System.nanoTime() + nanos, heluNs = 0, ortNs = 0;
        int n = 0;
        do {
            long t0 = System.nanoTime();
            s.runInto(feed.helu, outs);
            long t1 = System.nanoTime();
            try (OrtSession.Result r = ort.run(feed.ort)) {
                r.get(0);
            }
            heluNs += t1 - t0;
            ortNs += System.nanoTime() - t1;
            n++;
        } while (System.nanoTime() < end || n < 2);
        return new double[] {heluNs / (double) n, ortNs / (double) n};
    }

    private Row interleave(String name, Model m, Session s, OrtSession ort, int batch, int threads, Settings st,
            Agreement ag) throws Exception {
        try (Arena arena = Arena.ofConfined(); Feed feed = new Feed(env, m, ort, batch, 4321)) {
            List<Tensor> first = s.run(feed.helu);
            Tensor[] outs = new Tensor[first.size()];
            for (int i = 0; i < outs.length; i++) {
                outs[i] = Tensor.allocate(arena, first.get(i).type(), first.get(i).shape());
            }
            alternate(s, feed, outs, ort, (long) (st.warmupS() * 1e9));  // warm-up
            ModelBench.Settled settled = ModelBench.settle(s, feed.helu, outs, ModelBench.SETTLE_NANOS);
            System.out.printf(Locale.ROOT, "  batch %2d threads %d: helu4j settled after %,d more runs (%s B/run)%n",
                    batch, threads, settled.runs(), BenchReport.exactBytes(settled.bytesPerRun()));
            // Block sizes from runs after settling: the warm-up's average includes the first, interpreted runs, and
            // a helu4j block of 1 against ORT blocks of 30 made a 3 s measurement take minutes (the pauses between
            // blocks dominated).
            double[] perRun = alternate(s, feed, outs, ort, 50_000_000L);
            int heluBlock = (int) Math.max(1, 100e6 / perRun[0]);
            int ortBlock = (int) Math.max(1, 100e6 / perRun[1]);
            long budget = (long) (st.measureS() * 1e9);
            long[] hs = new long[1024], os = new long[1024];
            int hc = 0, oc = 0;
            long hSpent = 0, oSpent = 0;
            while (hSpent < budget || oSpent < budget || hc < st.minIters() || oc < st.minIters()) {
                idle();                                         // the ORT pool's spinning threads park
                s.runInto(feed.helu, outs);                     // unrecorded: the helu4j pool wakes
                for (int i = 0; i < heluBlock; i++) {
                    long t0 = System.nanoTime();
                    s.runInto(feed.helu, outs);
                    long d = System.nanoTime() - t0;
                    if (hc == hs.length) {
                        hs = Arrays.copyOf(hs, hc * 2);
                    }
                    hs[hc++] = d;
                    hSpent += d;
                }
                idle();                                         // the helu4j pool's spinning threads park
                try (OrtSession.Result r = ort.run(feed.ort)) {  // unrecorded: the ORT pool wakes
                    r.get(0);
                }
                for (int i = 0; i < ortBlock; i++) {
                    long t0 = System.nanoTime();
                    try (OrtSession.Result r = ort.run(feed.ort)) {
                        r.get(0);
                    }
                    long d = System.nanoTime() - t0;
                    if (oc == os.length) {
                        os = Arrays.copyOf(os, oc * 2);
                    }
                    os[oc++] = d;
                    oSpent += d;
                }
            }
            return new Row(name, batch, threads, ms(pct(hs, hc, 50)), ms(pct(hs, hc, 90)), hc, ms(pct(os, oc, 50)),
                    ms(pct(os, oc, 90)), oc, 0, 0, ag.maxAbs(), ag.relative(), 0, 0, 0);
        }
    }

    /**
     * A pause between one engine's block and the other's, so that neither is timed while the other's intra-op
     * threads still spin on the second core: with one unrecorded run as the only gap, helu4j's 2-thread batch-8
     * runs (two threads busy the whole run) measured 0.398 ms here against 0.28 in `infer bench` (fashion-cnn).
     */
    private static void idle() throws InterruptedException {
        Thread.sleep(IDLE_MS);
    }

    private static final long IDLE_MS = 20;

    static long pct(long[] v, int n, double p) {
        long[] s = Arrays.copyOf(v, n);
        Arrays.sort(s);
        int i = (int) Math.ceil(p / 100 * n) - 1;
        return s[Math.max(0, Math.min(n - 1, i))];
    }

    static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    static final String USAGE = """
            usage: OrtSideBySide [options] MODEL.onnx...
              --batches 1,8,32     batch sizes of the latency comparison
              --threads 1,2        thread counts of the latency comparison
              --warmup-s S         latency warm-up per configuration (default 2)
              --measure-s S        latency measuring time per engine and configuration (default 6)
              --min-iters N        at least N recorded runs per engine (default 5)
              --cold-jvms N        cold load -> first result: N fresh JVMs per model (default 3); 0 takes the first
                                   load of each file in this JVM instead (cold only for the first model)
              --load-warmup-s S    warm load -> first result: loads of both engines for at least S seconds first,
                                   longer while helu4j's still get faster (at most 10 S; default 5)
              --load-repeats N     warm load -> first result: median of N loads of each engine (default 7)
              --load-only          only load -> first result, no agreement or latency
              --out FILE.csv       write the rows as CSV
            """;

    public static void main(String[] args) throws Exception {
        int[] batches = {1, 8, 32};
        int[] threads = {1, 2};
        double warmup = 2, measure = 6, loadWarmup = 5;
        int minIters = 5, coldJvms = 3, loadRepeats = 7;
        boolean loadOnly = false;
        Path out = null;
        List<Path> models = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--batches" -> batches = ints(args[++i]);
                case "--threads" -> threads = ints(args[++i]);
                case "--warmup-s" -> warmup = Double.parseDouble(args[++i]);
                case "--measure-s" -> measure = Double.parseDouble(args[++i]);
                case "--min-iters" -> minIters = Integer.parseInt(args[++i]);
                case "--cold-jvms" -> coldJvms = Integer.parseInt(args[++i]);
                case "--load-warmup-s" -> loadWarmup = Double.parseDouble(args[++i]);
                case "--load-repeats" -> loadRepeats = Integer.parseInt(args[++i]);
                case "--load-only" -> loadOnly = true;
                case "--out" -> out = Path.of(args[++i]);
                case "--help", "-h" -> {
                    System.out.print(USAGE);
                    return;
                }
                default -> {
                    if (args[i].startsWith("--")) {
                        System.err.print("unknown option " + args[i] + "\n" + USAGE);
                        System.exit(2);
                    }
                    models.add(Path.of(args[i]));
                }
            }
        }
        if (models.isEmpty() || loadRepeats < 1 || coldJvms < 0) {
            System.err.print(USAGE);
            System.exit(2);
        }
        // The harness (and the ORT environment) first; nothing of helu4j's runs before the first cold load.
        OrtSideBySide harness = new OrtSideBySide();
        System.out.println("helu4j vs ONNX Runtime " + harness.env.getVersion() + " (CPU, ALL_OPT, inter-op 1)");
        Settings st = new Settings(batches, threads, warmup, measure, minIters, coldJvms, loadWarmup, loadRepeats,
                loadOnly);
        StringBuilder csv = new StringBuilder(Row.HEADER).append('\n');
        for (Path model : models) {
            for (Row r : harness.measureModel(model, st)) {
                csv.append(r.csv()).append('\n');
            }
            if (out != null) {   // after every model, so that a long run that is stopped keeps what it measured
                Files.createDirectories(out.toAbsolutePath().getParent());
                Files.writeString(out, csv);
            }
        }
        System.out.println("helu4j vectors " + Vectors.describe());
    }

    /** For tests: read rows back. */
    static List<String[]> readCsv(Path file) throws IOException {
        List<String[]> rows = new ArrayList<>();
        List<String> lines = Files.readAllLines(file);
        for (int i = 1; i < lines.size(); i++) {
            if (!lines.get(i).isBlank()) {
                rows.add(lines.get(i).split(","));
            }
        }
        return rows;
    }
}
