package org.helu4j.kernel.ref;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Scalar reference twin of {@link org.helu4j.kernel.Softmax}, in double: for each of {@code outer * inner}
 * slices of {@code n} elements {@code inner} apart, exp(x - max) / sum, or (x - max) - log(sum). A NaN in a slice
 * makes the slice NaN; so does +Inf (Inf - Inf).
 */
public final class SoftmaxRef {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;

    private SoftmaxRef() {
    }

    public static void softmax(MemorySegment out, long o, MemorySegment x, long xo, long outer, long n, long inner,
            boolean log) {
        for (long p = 0; p < outer; p++) {
            for (long j = 0; j < inner; j++) {
                long base = p * n * inner + j;
                double max = Double.NEGATIVE_INFINITY;
                for (long k = 0; k < n; k++) {
                    max = Math.max(max, x.getAtIndex(F32, xo + base + k * inner));
                }
                double sum = 0;
                for (long k = 0; k < n; k++) {
                    sum += Math.exp(x.getAtIndex(F32, xo + base + k * inner) - max);
                }
                double logSum = Math.log(sum);
                for (long k = 0; k < n; k++) {
                    double d = x.getAtIndex(F32, xo + base + k * inner) - max;
                    out.setAtIndex(F32, o + base + k * inner, (float) (log ? d - logSum : Math.exp(d) / sum));
                }
            }
        }
    }
}
