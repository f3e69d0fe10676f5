package org.helu4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.helu4j.kernel.Vectors;

/**
 * The hardware limit: FP32 FMA throughput of one core through the Vector API, with the species the kernels use
 * ({@link Vectors#F}). Twelve independent accumulator chains (FMA latency 4 cycles × 2 FMA ports needs 8 in flight;
 * 12 leaves room), no loads in the loop. Each {@code acc = acc * a + b} is 2 · LANES flops; with {@code a} just
 * under 1 the values converge and stay finite.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar org.helu4j.bench.PeakFlops [--seconds S] [--out peak.csv]
 * </pre>
 *
 * Runs repeated timed rounds after a warm-up and reports the best and the median round (GFLOP/s). The best is
 * the peak that GEMM and conv are compared with: noise from other processes only ever lowers a round.
 */
public final class PeakFlops {
    private static final VectorSpecies<Float> F = Vectors.F;

    private PeakFlops() {
    }

    /** {@code iters} steps of 12 FMAs each; returns a value derived from every accumulator. */
    static float fmaLoop(long iters) {
        FloatVector a = FloatVector.broadcast(F, 0.999999f);
        FloatVector b = FloatVector.broadcast(F, 1e-3f);
        FloatVector c0 = FloatVector.broadcast(F, 0.1f), c1 = FloatVector.broadcast(F, 0.2f);
        FloatVector c2 = FloatVector.broadcast(F, 0.3f), c3 = FloatVector.broadcast(F, 0.4f);
        FloatVector c4 = FloatVector.broadcast(F, 0.5f), c5 = FloatVector.broadcast(F, 0.6f);
        FloatVector c6 = FloatVector.broadcast(F, 0.7f), c7 = FloatVector.broadcast(F, 0.8f);
        FloatVector c8 = FloatVector.broadcast(F, 0.9f), c9 = FloatVector.broadcast(F, 1.0f);
        FloatVector c10 = FloatVector.broadcast(F, 1.1f), c11 = FloatVector.broadcast(F, 1.2f);
        for (long i = 0; i < iters; i++) {
            c0 = c0.fma(a, b);
            c1 = c1.fma(a, b);
            c2 = c2.fma(a, b);
            c3 = c3.fma(a, b);
            c4 = c4.fma(a, b);
            c5 = c5.fma(a, b);
            c6 = c6.fma(a, b);
            c7 = c7.fma(a, b);
            c8 = c8.fma(a, b);
            c9 = c9.fma(a, b);
            c10 = c10.fma(a, b);
            c11 = c11.fma(a, b);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }

    /** Flops of one {@link #fmaLoop} step. */
    static double flopsPerIter() {
        return 12.0 * 2 * F.length();
    }

    /** The result of a measurement: GFLOP/s of the best and the median round. */
    public record Result(double bestGflops, double medianGflops, int rounds, String species) {
    }

    /** Measures for about {@code seconds} after a warm-up of a third of that. */
    public static Result measure(double seconds) {
        if (Vectors.SCALAR) {
            throw new IllegalStateException("helu4j.vectorBits=0 selects scalar kernels; the peak probe needs vectors");
        }
        float sink = 0;
        long iters = 1 << 20;
        long warmEnd = System.nanoTime() + (long) (seconds / 3 * 1e9);
        while (System.nanoTime() < warmEnd) {
            sink += fmaLoop(iters);
        }
        // Rounds of about 20 ms each.
        long t0 = System.nanoTime();
        sink += fmaLoop(iters);
        double perIter = (System.nanoTime() - t0) / (double) iters;
        iters = Math.max(1 << 16, (long) (20e6 / Math.max(perIter, 0.01)));
        int rounds = Math.max(5, (int) (seconds * 1e9 / (iters * perIter)));
        double[] g = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            long s = System.nanoTime();
            sink += fmaLoop(iters);
            long ns = System.nanoTime() - s;
            g[r] = iters * flopsPerIter() / ns;
        }
        if (sink == 42.4242f) {
            System.out.print("");
        }
        double[] sorted = g.clone();
        Arrays.sort(sorted);
        return new Result(sorted[rounds - 1], sorted[rounds / 2], rounds, Vectors.describe());
    }

    public static void main(String[] args) throws IOException {
        double seconds = 3;
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("usage: PeakFlops [--seconds S] [--out FILE.csv]");
            }
        }
        Result r = measure(seconds);
        System.out.printf(Locale.ROOT, "peak FP32 FMA, one core, %s: best %.1f GFLOP/s, median %.1f GFLOP/s (%d rounds)%n",
                r.species(), r.bestGflops(), r.medianGflops(), r.rounds());
        if (out != null) {
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.writeString(out, String.format(Locale.ROOT,
                    "species,best_gflops,median_gflops,rounds%n\"%s\",%.3f,%.3f,%d%n",
                    r.species(), r.bestGflops(), r.medianGflops(), r.rounds()));
        }
    }
}
