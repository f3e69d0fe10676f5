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

    /** The reductions of ONNX's Reduce* family; the first three also have vector kernels. */
    public enum Kind { SUM, MEAN, MAX, MIN, PROD, L1, L2, SUM_SQUARE, LOG_SUM, LOG_SUM_EXP }

    /**
     * Any reduction over any set of axes: {@code dims} is the input shape and {@code reduced[k]} says whether
     * axis {@code k} is reduced. The output is the input shape with the reduced axes removed (or kept as 1: the
     * same layout). Log-sum-exp subtracts the maximum first, so that it does not overflow.
     */
    public static void general(MemorySegment out, MemorySegment in, int[] dims, boolean[] reduced, Kind kind) {
        int rank = dims.length;
        long[] outStride = new long[rank];
        long outSize = 1;
        long count = 1;
        for (int k = rank - 1; k >= 0; k--) {
            if (reduced[k]) {
                count *= dims[k];
            } else {
                outStride[k] = outSize;
                outSize *= dims[k];
            }
        }
        double[] acc = new double[(int) outSize];
        double[] max = null;
        if (kind == Kind.LOG_SUM_EXP) {
            max = new double[(int) outSize];
            java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
            visit(in, dims, outStride, max, Kind.MAX, null);
            for (int i = 0; i < max.length; i++) {
                max[i] = Double.isInfinite(max[i]) ? 0 : max[i]; // the shift only guards against overflow
            }
        }
        java.util.Arrays.fill(acc, switch (kind) {
            case MAX -> Double.NEGATIVE_INFINITY;
            case MIN -> Double.POSITIVE_INFINITY;
            case PROD -> 1;
            default -> 0;
        });
        visit(in, dims, outStride, acc, kind, max);
        for (int i = 0; i < outSize; i++) {
            double a = acc[i];
            double v = switch (kind) {
                case MEAN -> a / count;
                case L2 -> Math.sqrt(a);
                case LOG_SUM -> Math.log(a);
                case LOG_SUM_EXP -> max[i] + Math.log(a);
                default -> a;
            };
            set(out, i, (float) v);
        }
    }

    /** Folds every input element into its output's accumulator. */
    private static void visit(MemorySegment in, int[] dims, long[] outStride, double[] acc, Kind kind, double[] max) {
        int rank = dims.length;
        long n = 1;
        for (int d : dims) {
            n *= d;
        }
        int[] idx = new int[rank];
        int o = 0;
        for (long e = 0; e < n; e++) {
            double v = get(in, e);
            double a = acc[o];
            acc[o] = switch (kind) {
                case MAX -> Double.isNaN(v) || Double.isNaN(a) ? Double.NaN : Math.max(a, v);
                case MIN -> Double.isNaN(v) || Double.isNaN(a) ? Double.NaN : Math.min(a, v);
                case PROD -> a * v;
                case L1 -> a + Math.abs(v);
                case L2, SUM_SQUARE -> a + v * v;
                case LOG_SUM_EXP -> a + Math.exp(v - max[o]);
                default -> a + v;
            };
            for (int k = rank - 1; k >= 0; k--) {
                o += (int) outStride[k];
                if (++idx[k] < dims[k]) {
                    break;
                }
                o -= (int) (outStride[k] * dims[k]);
                idx[k] = 0;
            }
        }
    }

    private static float get(MemorySegment s, long i) {
        return s.getAtIndex(ValueLayout.JAVA_FLOAT, i);
    }

    private static void set(MemorySegment s, long i, float v) {
        s.setAtIndex(ValueLayout.JAVA_FLOAT, i, v);
    }
}
