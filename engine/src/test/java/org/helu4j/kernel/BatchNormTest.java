package org.helu4j.kernel;

import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.helu4j.kernel.ref.BatchNormRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link BatchNorm} (folded coefficients, one FMA) against the defining formula in {@link BatchNormRef}. */
class BatchNormTest {
    private static final ValueLayout.OfFloat FL = ValueLayout.JAVA_FLOAT;
    private static final int T = Vectors.LANES;

    private final Arena arena = Arena.ofConfined();
    private final Random rnd = new Random(7);

    @AfterEach
    void close() {
        arena.close();
    }

    private MemorySegment random(long n, float lo, float hi) {
        MemorySegment s = arena.allocate(Math.max(n, 1) * 4, 64);
        for (long i = 0; i < n; i++) {
            s.setAtIndex(FL, i, lo + rnd.nextFloat() * (hi - lo));
        }
        return s;
    }

    private void check(int n, int c, long inner, boolean special, boolean inPlace) {
        long size = n * c * inner;
        MemorySegment x = random(size, -3, 3);
        if (special && size > 0) {
            float[] sv = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f};
            for (int i = 0; i < sv.length; i++) {
                x.setAtIndex(FL, (i * 7919L) % size, sv[i]);
            }
        }
        MemorySegment scale = random(c, -2, 2);
        MemorySegment bias = random(c, -1, 1);
        MemorySegment mean = random(c, -1, 1);
        MemorySegment var = random(c, 0, 2);
        float eps = 1e-5f;
        MemorySegment want = arena.allocate(Math.max(size, 1) * 4, 64);
        BatchNormRef.normalize(want, x, n, c, inner, scale, bias, mean, var, eps);
        float[] mul = new float[c];
        float[] add = new float[c];
        BatchNorm.coefficients(mul, add, scale, bias, mean, var, eps, c);
        MemorySegment got = inPlace ? x : arena.allocate(Math.max(size, 1) * 4 + 64, 64);
        BatchNorm.apply(got, 0, x, 0, n, c, inner, mul, add);
        for (long i = 0; i < size; i++) {
            float w = want.getAtIndex(FL, i);
            float g = got.getAtIndex(FL, i);
            boolean ok = Float.isNaN(w) ? Float.isNaN(g) : Float.isInfinite(w) ? g == w
                    : Math.abs(g - w) <= 1e-5 + 1e-5 * Math.abs(w);
            if (!ok) {
                fail("n=" + n + " c=" + c + " inner=" + inner + " at " + i + ": expected " + w + " but got " + g);
            }
        }
    }

    @Test
    void sizesAroundVectorLength() {
        int[] inners = {1, 2, T - 1, T, T + 1, 3 * T + 1, 49};
        int[] channels = {1, 3, T - 1, T, T + 1, 3 * T + 1};
        for (int n : new int[] {1, 2}) {
            for (int c : channels) {
                for (int inner : inners) {
                    check(n, c, inner, false, false);
                    check(n, c, inner, true, false);
                    check(n, c, inner, true, true);
                }
            }
        }
    }

    /** A fused Relu or Clip: the clamping apply against the scalar twin's, bit for bit, NaN and -0.0 included. */
    @Test
    void clampedApplyMatchesTheTwin() {
        float[][] bounds = {{0f, Float.POSITIVE_INFINITY}, {0f, 6f}, {-0.5f, 0.25f}};
        for (float[] lh : bounds) {
            for (long inner : new long[] {1, T - 1, 3 * T + 1, 49}) {
                int n = 2, c = T + 1;
                long size = n * c * inner;
                MemorySegment x = random(size, -8, 8);
                float[] sv = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f};
                for (int i = 0; i < sv.length; i++) {
                    x.setAtIndex(FL, (i * 7919L) % size, sv[i]);
                }
                float[] mul = new float[c];
                float[] add = new float[c];
                for (int i = 0; i < c; i++) {
                    mul[i] = i % 3 == 0 ? 1f : 0.5f + i;  // 1 and 0: -0.0 stays -0.0 on the way to the clamp
                    add[i] = i % 3 == 0 ? 0f : -1f + 0.25f * i;
                }
                MemorySegment want = arena.allocate(size * 4, 64);
                MemorySegment got = arena.allocate(size * 4, 64);
                BatchNormRef.apply(want, 0, x, 0, n, c, inner, mul, add, lh[0], lh[1]);
                BatchNorm.apply(got, 0, x, 0, n, c, inner, mul, add, lh[0], lh[1]);
                for (long i = 0; i < size; i++) {
                    float w = want.getAtIndex(FL, i), g = got.getAtIndex(FL, i);
                    if (Float.floatToIntBits(w) != Float.floatToIntBits(g) && Math.abs(g - w) > 1e-6 * Math.abs(w)) {
                        fail("clamp " + lh[0] + ".." + lh[1] + " inner=" + inner + " at " + i + ": expected " + w
                                + " but got " + g);
                    }
                    if (!Float.isNaN(w) && (g < lh[0] || g > lh[1])) {
                        fail("not clamped at " + i + ": " + g);
                    }
                }
            }
        }
    }

    @Test
    void emptyBatch() {
        check(0, 3, 5, false, false);
    }
}
