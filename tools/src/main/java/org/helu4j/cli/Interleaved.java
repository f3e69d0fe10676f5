package org.helu4j.cli;

import java.util.List;
import org.HdrHistogram.Histogram;
import org.helu4j.Session;
import org.helu4j.Tensor;

/**
 * Times several models side by side in one loop: each round runs every model once, in an order that rotates from
 * round to round, so that drift in the machine's speed (other jobs, turbo, GC) falls on all models alike and the
 * ratios between them stay fair (see {@code shared/design/BENCHMARKING.md}).
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
     * Runs {@code warmup} untimed rounds, then timed rounds until {@code minRounds} are done and
     * {@code budgetNanos} has passed, or {@code maxRounds} are done. Progress is reported in milliseconds.
     *
     * @return per model, the latency of each timed run (ns) and, in {@code totalNanos}, the summed run time
     */
    static Histogram[] measure(List<Session> sessions, List<Tensor> inputs, int warmup, int minRounds, int maxRounds,
            long budgetNanos, long[] totalNanos, Progress progress) {
        int n = sessions.size();
        Histogram[] h = new Histogram[n];
        for (int i = 0; i < n; i++) {
            h[i] = histogram();
        }
        for (int r = 0; r < warmup; r++) {
            for (int i = 0; i < n; i++) {
                sessions.get(i).run(inputs.get(i));
            }
        }
        long start = System.nanoTime();
        for (int r = 0; r < maxRounds && (r < minRounds || System.nanoTime() - start < budgetNanos); r++) {
            for (int j = 0; j < n; j++) {
                int i = (j + r) % n;
                long t0 = System.nanoTime();
                sessions.get(i).run(inputs.get(i));
                long dt = System.nanoTime() - t0;
                h[i].recordValue(Math.min(dt, MAX_NANOS));
                totalNanos[i] += dt;
            }
            if (progress != null) {
                progress.set((System.nanoTime() - start) / 1_000_000);
            }
        }
        return h;
    }

    static double millis(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1e6;
    }
}
