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
 *     [--min-iters 5] [--out ort.csv] MODEL.onnx...
 * </pre>
 *
 * For each model: (1) load to first result at batch 1 for both engines (helu4j: {@code Model.load} +
 * {@code newSession} + first {@code run}; ORT: {@code createSession} + input tensor + first {@code run}; the ORT
 * environment, which loads the native library, is created once before anything is timed): first helu4j then ORT
 * (the first load of the file in this process, which for the first model also pays the JVM's warm-up), then twice
 * more in alternating order, keeping the faster repeat; (2) the agreement of
 * the first output on one random input at batch 2 (max abs diff, and that diff relative to the largest |ORT
 * output|); (3) for each thread count and batch, both warm up, then run alternately in blocks of about 100 ms
 * until each has spent the measuring time (and at least min-iters runs); the first run of each block is not
 * recorded (the other engine's threads may still be spinning down). p50 and p90 of single-run latency.
 *
 * <p>ORT: CPU provider, {@code OptLevel.ALL_OPT}, {@code intraOpNumThreads} = helu4j's threads,
 * {@code interOpNumThreads} = 1, sequential execution. helu4j: {@code model.newSession(threads)} and
 * {@code runInto} with preallocated outputs.
 */
public final class OrtSideBySide {

    /** One (model, threads, batch) measurement. Times in milliseconds. */
    public record Row(String model, int batch, int threads, double heluP50, double heluP90, int heluRuns,
            double ortP50, double ortP90, int ortRuns, double heluLoadMs, double ortLoadMs, double maxAbsDiff,
            double relDiff, double heluLoadAgainMs, double ortLoadAgainMs) {
        public double ratio() {
            return heluP50 / ortP50;
        }

        static final String HEADER = "model,batch,threads,helu4j_p50_ms,helu4j_p90_ms,helu4j_runs,ort_p50_ms,ort_p90_ms,"
                + "ort_runs,ratio_p50,helu4j_load_first_ms,ort_load_first_ms,max_abs_diff,rel_diff,helu4j_load_again_ms,"
                + "ort_load_again_ms";

        String csv() {
            return String.format(Locale.ROOT, "%s,%d,%d,%.4f,%.4f,%d,%.4f,%.4f,%d,%.4f,%.1f,%.1f,%.3g,%.3g,%.1f,%.1f", model,
                    batch, threads, heluP50, heluP90, heluRuns, ortP50, ortP90, ortRuns, ratio(), heluLoadMs, ortLoadMs,
                    maxAbsDiff, relDiff, heluLoadAgainMs, ortLoadAgainMs);
        }
    }

    /** Agreement of the first output: {@code maxAbs} = max |helu4j - ORT|, {@code maxRef} = max |ORT|. */
    public record Agreement(double maxAbs, double maxRef, long elements) {
        public double relative() {
            return maxAbs / Math.max(maxRef, Float.MIN_NORMAL);
        }
    }

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();

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
    record Settings(int[] batches, int[] threads, double warmupS, double measureS, int minIters) {
    }

    private static double ms(long ns) {
        return ns / 1e6;
    }

    /** Load to first result at batch 1 for both engines, in the order given: {helu4j ms, ORT ms}. */
    private double[] loadToFirst(Path file, boolean heluFirst) throws Exception {
        double[] t = new double[2];
        for (int step = 0; step < 2; step++) {
            if ((step == 0) == heluFirst) {
                long t0 = System.nanoTime();
                try (Model m = Model.load(file); Session s = m.newSession()) {
                    Tensor[] in = new Tensor[m.inputs().size()];
                    for (int i = 0; i < in.length; i++) {
                        long[] d = Inputs.dims(m, i, 1);
                        in[i] = Tensor.of(Inputs.random(d, 99 + i), d);
                    }
                    s.run(in);
                    t[0] = ms(System.nanoTime() - t0);
                }
            } else {
                long t0 = System.nanoTime();
                try (OrtSession.SessionOptions o = ortOptions(1); OrtSession ort = env.createSession(file.toString(), o)) {
                    Map<String, OnnxTensor> feed = new HashMap<>();
                    try {
                        for (Map.Entry<String, ai.onnxruntime.NodeInfo> e : ort.getInputInfo().entrySet()) {
                            long[] d = ((ai.onnxruntime.TensorInfo) e.getValue().getInfo()).getShape().clone();
                            for (int i = 0; i < d.length; i++) {
                                d[i] = d[i] < 0 ? 1 : d[i];
                            }
                            float[] v = Inputs.random(d, 99);
                            feed.put(e.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(v), d));
                        }
                        try (OrtSession.Result r = ort.run(feed)) {
                            r.get(0);
                        }
                    } finally {
                        feed.values().forEach(OnnxTensor::close);
                    }
                    t[1] = ms(System.nanoTime() - t0);
                }
            }
        }
        return t;
    }

    private List<Row> measureModel(Path file, Settings st) throws Exception {
        String name = file.getFileName().toString().replaceFirst("\\.onnx$", "");
        double[] first = loadToFirst(file, true);
        double[] again1 = loadToFirst(file, false);
        double[] again2 = loadToFirst(file, true);
        double[] load = {first[0], first[1], Math.min(again1[0], again2[0]), Math.min(again1[1], again2[1])};
        List<Row> rows = new ArrayList<>();
        try (Model m = Model.load(file)) {
            Agreement ag;
            try (Session s = m.newSession(); OrtSession.SessionOptions o = ortOptions(1);
                    OrtSession ort = env.createSession(file.toString(), o)) {
                ag = agreement(env, m, s, ort, 2);
            }
            System.out.printf(Locale.ROOT, "%s: load->first result helu4j %.1f ms, ORT %.1f ms (repeated: %.1f, %.1f); "
                    + "max |diff| %.3g (%.3g of max |ORT| %.3g)%n", name, load[0], load[1], load[2], load[3], ag.maxAbs(),
                    ag.relative(), ag.maxRef());
            for (int t : st.threads()) {
                try (Session s = m.newSession(t); OrtSession.SessionOptions o = ortOptions(t);
                        OrtSession ort = env.createSession(file.toString(), o)) {
                    for (int b : st.batches()) {
                        Row r = interleave(name, m, s, ort, b, t, st, load, ag);
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

    private Row interleave(String name, Model m, Session s, OrtSession ort, int batch, int threads, Settings st,
            double[] load, Agreement ag) throws Exception {
        try (Arena arena = Arena.ofConfined(); Feed feed = new Feed(env, m, ort, batch, 4321)) {
            List<Tensor> first = s.run(feed.helu);
            Tensor[] outs = new Tensor[first.size()];
            for (int i = 0; i < outs.length; i++) {
                outs[i] = Tensor.allocate(arena, first.get(i).type(), first.get(i).shape());
            }
            // Warm-up, alternating, and a per-run estimate for the block size.
            long warmEnd = System.nanoTime() + (long) (st.warmupS() * 1e9);
            long heluNs = 0, ortNs = 0;
            int heluN = 0, ortN = 0;
            do {
                long t0 = System.nanoTime();
                s.runInto(feed.helu, outs);
                long t1 = System.nanoTime();
                try (OrtSession.Result r = ort.run(feed.ort)) {
                    r.get(0);
                }
                long t2 = System.nanoTime();
                heluNs += t1 - t0;
                ortNs += t2 - t1;
                heluN++;
                ortN++;
            } while (System.nanoTime() < warmEnd || heluN < 2);
            int heluBlock = (int) Math.max(1, 100e6 / (heluNs / (double) heluN));
            int ortBlock = (int) Math.max(1, 100e6 / (ortNs / (double) ortN));
            long budget = (long) (st.measureS() * 1e9);
            long[] hs = new long[1024], os = new long[1024];
            int hc = 0, oc = 0;
            long hSpent = 0, oSpent = 0;
            while (hSpent < budget || oSpent < budget || hc < st.minIters() || oc < st.minIters()) {
                s.runInto(feed.helu, outs);                     // unrecorded: the ORT pool may still spin
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
                try (OrtSession.Result r = ort.run(feed.ort)) {  // unrecorded: the helu4j pool may still spin
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
                    ms(pct(os, oc, 90)), oc, load[0], load[1], ag.maxAbs(), ag.relative(), load[2], load[3]);
        }
    }

    static long pct(long[] v, int n, double p) {
        long[] s = Arrays.copyOf(v, n);
        Arrays.sort(s);
        int i = (int) Math.ceil(p / 100 * n) - 1;
        return s[Math.max(0, Math.min(n - 1, i))];
    }

    static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    public static void main(String[] args) throws Exception {
        int[] batches = {1, 8, 32};
        int[] threads = {1, 2};
        double warmup = 2, measure = 6;
        int minIters = 5;
        Path out = null;
        List<Path> models = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--batches" -> batches = ints(args[++i]);
                case "--threads" -> threads = ints(args[++i]);
                case "--warmup-s" -> warmup = Double.parseDouble(args[++i]);
                case "--measure-s" -> measure = Double.parseDouble(args[++i]);
                case "--min-iters" -> minIters = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                default -> {
                    if (args[i].startsWith("--")) {
                        throw new IllegalArgumentException("unknown option " + args[i]);
                    }
                    models.add(Path.of(args[i]));
                }
            }
        }
        if (models.isEmpty()) {
            System.err.println("usage: OrtSideBySide [--batches 1,8,32] [--threads 1,2] [--warmup-s S] [--measure-s S] "
                    + "[--min-iters N] [--out FILE.csv] MODEL.onnx...");
            System.exit(2);
        }
        System.out.println("helu4j vs ONNX Runtime " + OrtEnvironment.getEnvironment().getVersion()
                + " (CPU, ALL_OPT, inter-op 1); helu4j vectors " + Vectors.describe());
        Settings st = new Settings(batches, threads, warmup, measure, minIters);
        OrtSideBySide harness = new OrtSideBySide();
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
