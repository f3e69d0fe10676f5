package org.helu4j.reliability;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.helu4j.Model;
import org.helu4j.Session;
import org.helu4j.Tensor;
import org.helu4j.graph.ValueInfo;
import org.helu4j.tensor.DType;

/**
 * Many threads, each with its own session of one shared model, run random inputs; every output must be
 * bit-identical to a single-threaded run of the same input. Also: closing the model while threads run.
 */
final class ConcurrencyCheck {
    private ConcurrencyCheck() {
    }

    /** The figures of one run: compared outputs, mismatches, and the first error (or null). */
    record Result(int threads, int runsPerThread, long compared, long mismatches, Throwable firstError) {
        @Override
        public String toString() {
            return threads + " threads x " + runsPerThread + " runs: " + compared + " outputs compared, " + mismatches
                    + " mismatch(es)" + (firstError == null ? "" : ", first error " + firstError);
        }
    }

    /**
     * A random input for run {@code run} of thread {@code thread}: the same pair always gives the same tensors.
     * Symbolic dimensions take random sizes 1 to 4 (so sessions keep switching shapes); values are uniform in
     * [-1, 2), int64 inputs get small non-negative values.
     */
    static Tensor[] randomInputs(Model model, long seed, int thread, int run) {
        Random r = new Random(seed * 1_000_003L + thread * 100_003L + run);
        List<ValueInfo> declared = model.inputs();
        Tensor[] in = new Tensor[declared.size()];
        int symbolic = 1 + r.nextInt(4);
        for (int i = 0; i < in.length; i++) {
            long[] dims = declared.get(i).dims();
            int n = 1;
            for (int d = 0; d < dims.length; d++) {
                dims[d] = dims[d] < 0 ? symbolic : dims[d];
                n = Math.multiplyExact(n, (int) dims[d]);
            }
            if (declared.get(i).type() == DType.INT64) {
                long[] v = new long[n];
                for (int k = 0; k < n; k++) {
                    v[k] = r.nextInt(4);
                }
                in[i] = Tensor.ofLongs(v, dims);
            } else {
                float[] v = new float[n];
                for (int k = 0; k < n; k++) {
                    v[k] = r.nextFloat() * 3 - 1;
                }
                in[i] = Tensor.of(v, dims);
            }
        }
        return in;
    }

    /** Outputs as raw bits, so that comparisons are exact (NaN payloads and -0 included). */
    static long[][] bits(List<Tensor> outputs) {
        long[][] b = new long[outputs.size()][];
        for (int i = 0; i < b.length; i++) {
            Tensor t = outputs.get(i);
            if (t.type() == DType.FLOAT32) {
                float[] f = t.toFloatArray();
                b[i] = new long[f.length];
                for (int k = 0; k < f.length; k++) {
                    b[i][k] = Float.floatToRawIntBits(f[k]);
                }
            } else {
                b[i] = t.toLongArray();
            }
        }
        return b;
    }

    /**
     * Computes the reference outputs single-threaded, then runs {@code threads} threads of {@code runs} runs each,
     * every thread with its own session (odd threads with two intra-op threads, sharing the process's pool).
     */
    static final int WARMUP_RUNS = 3000;

    static Result run(Model model, int threads, int runs, long seed) throws InterruptedException {
        long[][][][] expected = new long[threads][runs][][];
        try (Session single = model.newSession(1)) {
            // Warm the JIT first: the Vector API's interpreted fallback for exp/erf rounds differently from the
            // compiled intrinsic, so a cold reference would differ from warm runs in the last bits.
            for (int w = 0; w < WARMUP_RUNS; w++) {
                single.run(randomInputs(model, seed ^ 0x5eed, w % threads, w));
            }
            for (int t = 0; t < threads; t++) {
                for (int i = 0; i < runs; i++) {
                    expected[t][i] = bits(single.run(randomInputs(model, seed, t, i)));
                }
            }
        }
        AtomicLong compared = new AtomicLong();
        AtomicLong mismatches = new AtomicLong();
        AtomicReference<Throwable> error = new AtomicReference<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread w = new Thread(() -> {
                try (Session s = model.newSession(1 + thread % 2)) {
                    start.await();
                    for (int i = 0; i < runs; i++) {
                        long[][] got = bits(s.run(randomInputs(model, seed, thread, i)));
                        compared.incrementAndGet();
                        if (!java.util.Arrays.deepEquals(got, expected[thread][i])) {
                            mismatches.incrementAndGet();
                        }
                    }
                } catch (Throwable e) {
                    error.compareAndSet(null, e);
                }
            }, "concurrency-" + t);
            workers.add(w);
            w.start();
        }
        start.countDown();
        for (Thread w : workers) {
            w.join();
        }
        return new Result(threads, runs, compared.get(), mismatches.get(), error.get());
    }

    /**
     * {@code threads} threads each load the model from {@code file} {@code loads} times at once, run one input and
     * close it; returns how many results differed from a single-threaded run of the same input (or throws).
     */
    static long concurrentLoads(java.nio.file.Path file, int threads, int loads) throws Exception {
        Tensor[] input;
        long[][] expected;
        try (Model m = Model.load(file); Session s = m.newSession()) {
            input = randomInputs(m, 5, 0, 0);
            expected = bits(s.run(input));
        }
        AtomicLong wrong = new AtomicLong();
        AtomicReference<Throwable> error = new AtomicReference<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread w = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < loads; i++) {
                        try (Model m = Model.load(file); Session s = m.newSession()) {
                            if (!java.util.Arrays.deepEquals(bits(s.run(input)), expected)) {
                                wrong.incrementAndGet();
                            }
                        }
                    }
                } catch (Throwable e) {
                    error.compareAndSet(null, e);
                }
            }, "load-" + t);
            workers.add(w);
            w.start();
        }
        start.countDown();
        for (Thread w : workers) {
            w.join();
        }
        if (error.get() != null) {
            throw new AssertionError("a concurrent load failed", error.get());
        }
        return wrong.get();
    }

    /** What the threads saw when the model was closed under them. */
    record CloseResult(int threads, long correct, long refused, long wrong, int endedRefused, Throwable firstError) {
        @Override
        public String toString() {
            return threads + " threads: " + correct + " correct run(s), " + refused + " refused with IllegalStateException, "
                    + wrong + " wrong, " + endedRefused + " thread(s) ended refused"
                    + (firstError == null ? "" : ", unexpected " + firstError);
        }
    }

    /**
     * Threads run a fixed input in a loop; once each has run {@code warmRuns} times, the model is closed. Every run
     * must return the reference output or throw IllegalStateException, and once refused, a thread stays refused.
     */
    static CloseResult closeWhileRunning(Model model, int threads, int warmRuns, long seed) throws InterruptedException {
        Tensor[] input = randomInputs(model, seed, 0, 0);
        long[][] expected;
        try (Session s = model.newSession()) {
            expected = bits(s.run(input));
        }
        AtomicLong correct = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        AtomicLong wrong = new AtomicLong();
        AtomicInteger endedRefused = new AtomicInteger();
        AtomicReference<Throwable> error = new AtomicReference<>();
        CountDownLatch warm = new CountDownLatch(threads);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread w = new Thread(() -> {
                boolean counted = false;
                try (Session s = model.newSession(1 + thread % 2)) {
                    for (int i = 0; ; i++) {
                        if (i == warmRuns) {
                            warm.countDown();
                            counted = true;
                        }
                        List<Tensor> out;
                        try {
                            out = s.run(input);
                        } catch (IllegalStateException e) {
                            refused.incrementAndGet();
                            // Refused once, refused for good.
                            try {
                                s.run(input);
                                wrong.incrementAndGet();
                            } catch (IllegalStateException again) {
                                endedRefused.incrementAndGet();
                            }
                            break;
                        }
                        if (java.util.Arrays.deepEquals(bits(out), expected)) {
                            correct.incrementAndGet();
                        } else {
                            wrong.incrementAndGet();
                        }
                    }
                } catch (Throwable e) {
                    error.compareAndSet(null, e);
                } finally {
                    if (!counted) {
                        warm.countDown(); // never leave the closer waiting on a thread that died early
                    }
                }
            }, "close-" + t);
            workers.add(w);
            w.start();
        }
        warm.await();
        model.close();
        for (Thread w : workers) {
            w.join();
        }
        return new CloseResult(threads, correct.get(), refused.get(), wrong.get(), endedRefused.get(), error.get());
    }
}
