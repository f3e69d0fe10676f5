package org.helu4j.bench;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
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

/**
 * Model load to first result at batch 1, one thread, for both engines on the same file, in the same JVM.
 *
 * <ul>
 * <li>helu4j: {@code Model.load} + {@code newSession} + the first {@code run} (outputs copied to the heap).
 * <li>ORT: session options + {@code createSession} + the first {@code run} (first output copied to the heap). The
 * ORT environment (which loads the native library) is created before, and timed apart.
 * </ul>
 * Making the random input is not timed for either engine; closing is not timed either.
 *
 * <p><b>Cold</b>: the first load in a fresh JVM, which pays class loading and the JIT's warm-up of the engine's
 * code. Each fresh JVM (a child process started with this JVM's options and class path) measures both engines on
 * one file, alternating which goes first from one child to the next. <b>Warm</b>: in this JVM, after loads of
 * both engines have run for a warm-up time, the median of repeated loads in alternating order.
 */
final class LoadToFirst {
    /** One engine's figures in ms: median, min and max over {@code n} loads. */
    record Stat(double median, double min, double max, int n) {
        static Stat of(double[] v) {
            double[] s = v.clone();
            Arrays.sort(s);
            double med = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
            return new Stat(med, s[0], s[s.length - 1], s.length);
        }

        String describe() {
            return n == 1 ? String.format(Locale.ROOT, "%8.1f", median)
                    : String.format(Locale.ROOT, "%8.1f [%.1f..%.1f]", median, min, max);
        }
    }

    private static final String CHILD_TAG = "LOAD_TO_FIRST";

    private final OrtEnvironment env;

    LoadToFirst(OrtEnvironment env) {
        this.env = env;
    }

    private static double ms(long ns) {
        return ns / 1e6;
    }

    /** helu4j: load, session, first run. */
    double helu(Path file) throws Exception {
        long t0 = System.nanoTime();
        try (Model m = Model.load(file); Session s = m.newSession()) {
            long loaded = System.nanoTime() - t0;
            Tensor[] in = new Tensor[m.inputs().size()];
            for (int i = 0; i < in.length; i++) {
                long[] d = Inputs.dims(m, i, 1);
                in[i] = Tensor.of(Inputs.random(d, 99 + i), d);
            }
            long t1 = System.nanoTime();
            s.run(in);
            return ms(loaded + System.nanoTime() - t1);
        }
    }

    /** ORT: session creation, first run. */
    double ort(Path file) throws Exception {
        long t0 = System.nanoTime();
        try (OrtSession.SessionOptions o = OrtSideBySide.ortOptions(1);
                OrtSession ort = env.createSession(file.toString(), o)) {
            long created = System.nanoTime() - t0;
            Map<String, OnnxTensor> feed = new HashMap<>();
            try {
                int i = 0;
                for (Map.Entry<String, NodeInfo> e : ort.getInputInfo().entrySet()) {
                    long[] d = ((TensorInfo) e.getValue().getInfo()).getShape().clone();
                    for (int j = 0; j < d.length; j++) {
                        d[j] = d[j] < 0 ? 1 : d[j];
                    }
                    feed.put(e.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(Inputs.random(d, 99 + i++)), d));
                }
                long t1 = System.nanoTime();
                try (OrtSession.Result r = ort.run(feed)) {
                    FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer(); // a heap copy, as helu4j's run makes
                    out.get(0);
                }
                return ms(created + System.nanoTime() - t1);
            } finally {
                feed.values().forEach(OnnxTensor::close);
            }
        }
    }

    /** One load of each engine, {@code heluFirst} deciding the order: {helu4j ms, ORT ms}. */
    double[] pair(Path file, boolean heluFirst) throws Exception {
        double h, o;
        if (heluFirst) {
            h = helu(file);
            o = ort(file);
        } else {
            o = ort(file);
            h = helu(file);
        }
        return new double[] {h, o};
    }

    /**
     * Warm: loads of both engines for at least {@code warmupS} seconds and 10 pairs, and on until helu4j's loads
     * stop getting faster (the median of its last 5 within 20% of the 5 before; at most 10 times the warm-up
     * time), since on a busy machine the JIT may still be compiling after a fixed time. Then {@code repeats} pairs.
     */
    double[][] warm(Path file, double warmupS, int repeats) throws Exception {
        long start = System.nanoTime();
        long end = start + (long) (warmupS * 1e9);
        long cap = start + (long) (10 * warmupS * 1e9);
        List<Double> seen = new ArrayList<>();
        for (int i = 0; i < 10 || System.nanoTime() < end || (!settled(seen) && System.nanoTime() < cap); i++) {
            seen.add(pair(file, i % 2 == 0)[0]);
        }
        double[] h = new double[repeats], o = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            double[] p = pair(file, i % 2 == 0);
            h[i] = p[0];
            o[i] = p[1];
        }
        return new double[][] {h, o};
    }

    /** True when the median of the last 5 times is within 20% of the median of the 5 before. */
    static boolean settled(List<Double> times) {
        int n = times.size();
        if (n < 10) {
            return false;
        }
        double[] last = new double[5], before = new double[5];
        for (int i = 0; i < 5; i++) {
            last[i] = times.get(n - 5 + i);
            before[i] = times.get(n - 10 + i);
        }
        return Stat.of(last).median() >= 0.8 * Stat.of(before).median();
    }

    /**
     * Cold: {@code jvms} fresh JVMs on {@code file}, alternating which engine goes first. Returns {helu4j ms[], ORT
     * ms[], ORT environment ms[]}.
     */
    static double[][] coldInFreshJvms(Path file, int jvms) throws IOException, InterruptedException {
        double[][] r = new double[3][jvms];
        for (int i = 0; i < jvms; i++) {
            double[] c = child(file, i % 2 == 0);
            r[0][i] = c[0];
            r[1][i] = c[1];
            r[2][i] = c[2];
        }
        return r;
    }

    private static double[] child(Path file, boolean heluFirst) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-XX:StartFlightRecording") && !a.startsWith("-agentlib:jdwp")) {
                cmd.add(a);
            }
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), LoadToFirst.class.getName(),
                heluFirst ? "helu4j-first" : "ort-first", file.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String found = null;
        StringBuilder all = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                all.append(line).append('\n');
                if (line.startsWith(CHILD_TAG + " ")) {
                    found = line;
                }
            }
        }
        if (p.waitFor() != 0 || found == null) {
            throw new IOException("the cold-load child JVM failed (exit " + p.exitValue() + "):\n" + all);
        }
        String[] f = found.split(" ");
        return new double[] {Double.parseDouble(f[1]), Double.parseDouble(f[2]), Double.parseDouble(f[3])};
    }

    /** Child entry: {@code helu4j-first|ort-first MODEL}; prints {@code LOAD_TO_FIRST helu ort env} in ms. */
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[1]);
        long t0 = System.nanoTime();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        double envMs = ms(System.nanoTime() - t0);
        double[] p = new LoadToFirst(env).pair(file, args[0].equals("helu4j-first"));
        System.out.printf(Locale.ROOT, "%s %.3f %.3f %.3f%n", CHILD_TAG, p[0], p[1], envMs);
    }
}
