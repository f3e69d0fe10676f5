package org.helu4j.kernel.ref;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Scalar reference twin of {@link org.helu4j.kernel.Reduce}: simple loops, double accumulation. The input is
 * viewed as {@code [outer, red, inner]} and the middle axis is reduced into {@code out[outer, inner]}. An empty
 * reduction gives 0 for sum, NaN for mean and -Infinity for max.
 */
public final class ReduceRef {
    private ReduceRef() {
    }

    public static void sum(MemorySegment out, MemorySegment in, int outer, int red, int inner) {
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                double s = 0;
                for (int r = 0; r < red; r++) {
                    s += get(in, ((long) o * red + r) * inner + i);
                }
                set(out, (long) o * inner + i, (float) s);
            }
        }
    }

    public static void mean(MemorySegment out, MemorySegment in, int outer, int red, int inner) {
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                double s = 0;
                for (int r = 0; r < red; r++) {
                    s += get(in, ((long) o * red + r) * inner + i);
                }
                set(out, (long) o * inner + i, (float) (s / red));
            }
        }
    }

    /** Max, with NaN propagating as in {@link Math#max(float, float)}. */
    public static void max(MemorySegment out, MemorySegment in, int outer, int red, int inner) {
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                float m = Float.NEGATIVE_INFINITY;
                for (int r = 0; r < red; r++) {
                    m = Math.max(m, get(in, ((long) o * red + r) * inner + i));
                }
                set(out, (long) o * inner + i, m);
            }
        }
    }

    /**
     * Any set of axes: {@code dims} is the input shape and {@code reduced[k]} says whether axis {@code k} is
     * reduced. The output is the input shape with the reduced axes removed (or kept as 1: the same layout).
     * {@code kind} is 0 for sum, 1 for mean, 2 for max.
     */
    public static void general(MemorySegment out, MemorySegment in, int[] dims, boolean[] reduced, int kind) {
        int rank = dims.length;
        long[] outStride = new long[rank];
        long acc = 1;
        long count = 1;
        for (int k = rank - 1; k >= 0; k--) {
            if (reduced[k]) {
                count *= dims[k];
            } else {
                outStride[k] = acc;
                acc *= dims[k];
            }
        }
        long outSize = acc;
        double[] a = new double[(int) outSize];
        java.util.Arrays.fill(a, kind == 2 ? Double.NEGATIVE_INFINITY : 0);
        long n = 1;
        for (int d : dims) {
            n *= d;
        }
        int[] idx = new int[rank];
        long o = 0;
        for (long e = 0; e < n; e++) {
            float v = get(in, e);
            if (kind == 2) {
                a[(int) o] = Float.isNaN(v) || Double.isNaN(a[(int) o]) ? Double.NaN : Math.max(a[(int) o], v);
            } else {
                a[(int) o] += v;
            }
            for (int k = rank - 1; k >= 0; k--) {
                o += outStride[k];
                if (++idx[k] < dims[k]) {
                    break;
                }
                o -= outStride[k] * dims[k];
                idx[k] = 0;
            }
        }
        for (int i = 0; i < outSize; i++) {
            set(out, i, (float) (kind == 1 ? a[i] / count : a[i]));
        }
    }

    private static float get(MemorySegment s, long i) {
        return s.getAtIndex(ValueLayout.JAVA_FLOAT, i);
    }

    private static void set(MemorySegment s, long i, float v) {
        s.setAtIndex(ValueLayout.JAVA_FLOAT, i, v);
    }
}
