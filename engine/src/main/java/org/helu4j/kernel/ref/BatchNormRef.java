package org.helu4j.kernel.ref;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.helu4j.kernel.BatchNorm;

/** The scalar reference for {@link BatchNorm}, in double. */
public final class BatchNormRef {
    private static final ValueLayout.OfFloat FL = ValueLayout.JAVA_FLOAT;

    private BatchNormRef() {
    }

    /** Same contract as {@link BatchNorm#apply}. */
    public static void apply(MemorySegment y, long yOff, MemorySegment x, long xOff, int n, int c, long inner,
            float[] mul, float[] add) {
        apply(y, yOff, x, xOff, n, c, inner, mul, add, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY);
    }

    /** Same contract as the clamping {@link BatchNorm#apply}. */
    public static void apply(MemorySegment y, long yOff, MemorySegment x, long xOff, int n, int c, long inner,
            float[] mul, float[] add, float lo, float hi) {
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                long base = ((long) b * c + ch) * inner;
                for (long s = 0; s < inner; s++) {
                    double v = (double) x.getAtIndex(FL, xOff + base + s) * mul[ch] + add[ch];
                    y.setAtIndex(FL, yOff + base + s, Math.min(Math.max((float) v, lo), hi));
                }
            }
        }
    }

    /** The defining formula, {@code (x - mean) / sqrt(var + eps) * scale + bias}: the oracle for both steps. */
    public static void normalize(MemorySegment y, MemorySegment x, int n, int c, long inner, MemorySegment scale,
            MemorySegment bias, MemorySegment mean, MemorySegment var, float epsilon) {
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                double sd = Math.sqrt((double) var.getAtIndex(FL, ch) + epsilon);
                long base = ((long) b * c + ch) * inner;
                for (long s = 0; s < inner; s++) {
                    double v = (x.getAtIndex(FL, base + s) - (double) mean.getAtIndex(FL, ch)) / sd
                            * scale.getAtIndex(FL, ch) + bias.getAtIndex(FL, ch);
                    y.setAtIndex(FL, base + s, (float) v);
                }
            }
        }
    }
}
