package org.helu4j.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;
import org.helu4j.kernel.ref.BatchNormRef;

/**
 * Batch normalization in inference form, {@code y = (x - mean) / sqrt(var + eps) * scale + bias} per channel,
 * computed as one FMA {@code y = x * mul + add} with the per-channel {@code mul} and {@code add} folded once by
 * {@link #coefficients}. The layout is [n, c, inner] (NCHW with H·W flattened into inner; inner is 1 for [N, C]).
 */
public final class BatchNorm {
    private static final VectorSpecies<Float> F = Vectors.F;
    private static final int L = Vectors.LANES;
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat FL = ValueLayout.JAVA_FLOAT;

    private BatchNorm() {
    }

    /**
     * Folds the four parameter vectors (c floats each, from index 0) into {@code mul = scale / sqrt(var + eps)} and
     * {@code add = bias - mean * mul}, computed in double.
     */
    public static void coefficients(float[] mul, float[] add, MemorySegment scale, MemorySegment bias,
            MemorySegment mean, MemorySegment var, float epsilon, int c) {
        for (int i = 0; i < c; i++) {
            double g = scale.getAtIndex(FL, i) / Math.sqrt((double) var.getAtIndex(FL, i) + epsilon);
            mul[i] = (float) g;
            add[i] = (float) (bias.getAtIndex(FL, i) - mean.getAtIndex(FL, i) * g);
        }
    }

    /** {@code y[b, ch, s] = x[b, ch, s] * mul[ch] + add[ch]} over an [n, c, inner] block. May run in place. */
    public static void apply(MemorySegment y, long yOff, MemorySegment x, long xOff, int n, int c, long inner,
            float[] mul, float[] add) {
        apply(y, yOff, x, xOff, n, c, inner, mul, add, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY);
    }

    /**
     * {@link #apply}, then clamped to [lo, hi] as {@code min(max(v, lo), hi)} (Math.max's NaN and -0.0): a fused
     * ReLU (lo = 0) or Clip. Unbounded, no clamp is applied: the two Math.max-exact ops cost about as much as the
     * rest of the pass at L1 and L2 sizes.
     */
    public static void apply(MemorySegment y, long yOff, MemorySegment x, long xOff, int n, int c, long inner,
            float[] mul, float[] add, float lo, float hi) {
        if (Vectors.SCALAR) {
            BatchNormRef.apply(y, yOff, x, xOff, n, c, inner, mul, add, lo, hi);
            return;
        }
        if (inner == 1) {
            acrossChannels(y, yOff, x, xOff, n, c, mul, add, lo, hi);
            return;
        }
        boolean clamp = lo > Float.NEGATIVE_INFINITY || hi < Float.POSITIVE_INFINITY;  // loop-invariant: unswitched
        FloatVector low = FloatVector.broadcast(F, lo), high = FloatVector.broadcast(F, hi);
        long bound = F.loopBound(inner);
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                long base = ((long) b * c + ch) * inner;
                FloatVector g = FloatVector.broadcast(F, mul[ch]);
                FloatVector h = FloatVector.broadcast(F, add[ch]);
                long s = 0;
                for (; s < bound; s += L) {
                    FloatVector v = FloatVector.fromMemorySegment(F, x, (xOff + base + s) * Float.BYTES, NO).fma(g, h);
                    if (clamp) {
                        v = v.max(low).min(high);
                    }
                    v.intoMemorySegment(y, (yOff + base + s) * Float.BYTES, NO);
                }
                if (s < inner) {
                    VectorMask<Float> m = F.indexInRange(s, inner);
                    FloatVector v = FloatVector.fromMemorySegment(F, x, (xOff + base + s) * Float.BYTES, NO, m).fma(g, h);
                    if (clamp) {
                        v = v.max(low).min(high);
                    }
                    v.intoMemorySegment(y, (yOff + base + s) * Float.BYTES, NO, m);
                }
            }
        }
    }

    /** [N, C]: one value per channel per row, so the vector runs across channels. */
    private static void acrossChannels(MemorySegment y, long yOff, MemorySegment x, long xOff, int n, int c,
            float[] mul, float[] add, float lo, float hi) {
        boolean clamp = lo > Float.NEGATIVE_INFINITY || hi < Float.POSITIVE_INFINITY;
        FloatVector low = FloatVector.broadcast(F, lo), high = FloatVector.broadcast(F, hi);
        int bound = F.loopBound(c);
        for (int b = 0; b < n; b++) {
            long base = (long) b * c;
            int ch = 0;
            for (; ch < bound; ch += L) {
                FloatVector v = FloatVector.fromMemorySegment(F, x, (xOff + base + ch) * Float.BYTES, NO)
                        .fma(FloatVector.fromArray(F, mul, ch), FloatVector.fromArray(F, add, ch));
                if (clamp) {
                    v = v.max(low).min(high);
                }
                v.intoMemorySegment(y, (yOff + base + ch) * Float.BYTES, NO);
            }
            if (ch < c) {
                VectorMask<Float> m = F.indexInRange(ch, c);
                FloatVector v = FloatVector.fromMemorySegment(F, x, (xOff + base + ch) * Float.BYTES, NO, m)
                        .fma(FloatVector.fromArray(F, mul, ch, m), FloatVector.fromArray(F, add, ch, m));
                if (clamp) {
                    v = v.max(low).min(high);
                }
                v.intoMemorySegment(y, (yOff + base + ch) * Float.BYTES, NO, m);
            }
        }
    }
}
