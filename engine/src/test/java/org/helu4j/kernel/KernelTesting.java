package org.helu4j.kernel;

import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

/** Helpers for the conv and pool kernel tests: off-heap random data, special values, a mixed abs/rel compare. */
final class KernelTesting {
    static final float[] SPECIALS = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f};
    /** What output buffers start as, so that an element the kernel forgets to write shows up. */
    static final float SENTINEL = 12345.5f;

    private KernelTesting() {
    }

    /** Runs {@code body} with kernels splitting their work over {@code threads} threads, then back to one. */
    static void onThreads(int threads, Runnable body) {
        Parallel.setParallelism(threads);
        try {
            body.run();
        } finally {
            Parallel.setParallelism(1);
        }
    }

    /** {@code n} floats uniform in [-1, 1); with {@code specials}, every 7th or so is NaN, +-Inf or +-0. */
    static MemorySegment random(Arena arena, long n, Random rnd, boolean specials) {
        MemorySegment s = arena.allocate(Math.max(n, 1) * 4, 64);
        for (long i = 0; i < n; i++) {
            float v = rnd.nextFloat() * 2 - 1;
            if (specials && rnd.nextInt(7) == 0) {
                v = SPECIALS[rnd.nextInt(SPECIALS.length)];
            }
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, v);
        }
        return s;
    }

    /**
     * The reference of a conv epilogue on n plain sums (bias included): the residual added when given, then ReLU,
     * or Clip to [-0.5, 0.5] (the bounds the tests pass), or nothing.
     */
    static MemorySegment epilogueReference(Arena arena, MemorySegment plain, MemorySegment residual, long n,
            Gemm.Act act) {
        MemorySegment expected = filled(arena, n, SENTINEL);
        for (long i = 0; i < n; i++) {
            float v = plain.getAtIndex(ValueLayout.JAVA_FLOAT, i)
                    + (residual != null ? residual.getAtIndex(ValueLayout.JAVA_FLOAT, i) : 0f);
            v = act == Gemm.Act.RELU ? Math.max(v, 0f) : act == Gemm.Act.CLIP ? Math.min(Math.max(v, -0.5f), 0.5f) : v;
            expected.setAtIndex(ValueLayout.JAVA_FLOAT, i, v);
        }
        return expected;
    }

    static MemorySegment filled(Arena arena, long n, float v) {
        MemorySegment s = arena.allocate(Math.max(n, 1) * 4, 64);
        for (long i = 0; i < n; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, v);
        }
        return s;
    }

    /** Asserts |a - e| <= tol * (1 + |e|) element-wise; NaN must meet NaN and an infinity the same infinity. */
    static void assertClose(MemorySegment expected, MemorySegment actual, long n, double tol, String what) {
        for (long i = 0; i < n; i++) {
            float e = expected.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            float a = actual.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            boolean ok;
            if (Float.isNaN(e) || Float.isInfinite(e)) {
                ok = Float.compare(e, a) == 0;
            } else {
                ok = Math.abs((double) a - e) <= tol * (1 + Math.abs(e));
            }
            if (!ok) {
                fail(what + ": element " + i + " is " + a + ", expected " + e + " (" + Vectors.describe() + ")");
            }
        }
    }
}
