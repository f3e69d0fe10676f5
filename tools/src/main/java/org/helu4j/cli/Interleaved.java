package org.helu4j.cli;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.HdrHistogram.Histogram;
import org.helu4j.Session;
import org.helu4j.Tensor;

/**
 * Times several models side by side in one loop: each round runs every model once, in a random order, so that
 * drift in the machine's speed (other jobs, turbo, GC) and the state of the caches a previous model leaves fall on
 * all models alike, and the ratios between them stay fair (see {@code shared/design/BENCHMARKING.md}).
 */
final class Interleaved {
    /** Latencies are recorded in nanoseconds, up to one minute, with 3 significant digits. */
    static final long MAX_NANOS = 60_000_000_000L;

    private Interleaved() {
    }

    static Histogram histogram() {
        return new Histogram(MAX_NANOS, 3);
    }

    /**
     * Runs untimed rounds ({@code warmup} at least, and for a third of the budget), then timed rounds until
     * {@code minRounds} are done and {@code budgetNanos} has passed in all, or {@code maxRounds} are done.
     * Progress is reported in milliseconds.
     *
     * @return per model, the latency of each timed run (ns) and, in {@code totalNanos}, the summed run time
     */
    static Histogram[] measure(List<Session> sessions, List<Tensor> inputs, int warmup, int minRounds, int maxRounds,
            long budgetNanos, long[] totalNanos, Progress progress) {
        long begin = System.nanoTime();
        int n = sessions.size();
        Histogram[] h = new Histogram[n];
        for (int i = 0; i < n; i++) {
            h[i] = histogram();
        }
        // Warm up for a third of the budget too: the JIT needs seconds on a busy machine, and a run timed before
        // it is done measures the compiler, not the model.
        for (int r = 0; r < warmup || System.nanoTime() - begin < budgetNanos / 3; r++) {
            for (int i = 0; i < n; i++) {
                sessions.get(i).run(inputs.get(i));
            }
            if (progress != null) {
                progress.set((System.nanoTime() - begin) / 1_000_000);
            }
        }
        // A fresh random order each round: with a fixed rotation every model would always follow the same
        // neighbour, and a neighbour with large weights (that evicts the caches) would bias it every time.
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Random random = new Random(42);
        for (int r = 0; r < maxRounds && (r < minRounds || System.nanoTime() - begin < budgetNanos); r++) {
            Collections.shuffle(order, random);
            for (int i : order) {
                long t0 = System.nanoTime();
                sessions.get(i).run(inputs.get(i));
                long dt = System.nanoTime() - t0;
                h[i].recordValue(Math.min(dt, MAX_NANOS));
                totalNanos[i] += dt;
            }
            if (progress != null) {
                progress.set((System.nanoTime() - begin) / 1_000_000);
            }
        }
        return h;
    }

    static double millis(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1e6;
    }
}
