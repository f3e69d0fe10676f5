package org.helu4j.kernel.ref;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Scalar reference twins of {@link org.helu4j.kernel.Unary}: plain loops, computed in double and rounded once.
 * The test oracle, and the kernels' path when {@code -Dhelu4j.vectorBits=0}.
 */
public final class UnaryRef {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;

    private UnaryRef() {
    }

    public static void neg(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        for (long i = 0; i < n; i++) {
            out.setAtIndex(F32, o + i, -x.getAtIndex(F32, xo + i));
        }
    }

    public static void abs(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        for (long i = 0; i < n; i++) {
            out.setAtIndex(F32, o + i, Math.abs(x.getAtIndex(F32, xo + i)));
        }
    }

    public static void exp(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        for (long i = 0; i < n; i++) {
            out.setAtIndex(F32, o + i, (float) Math.exp(x.getAtIndex(F32, xo + i)));
        }
    }

    public static void log(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        for (long i = 0; i < n; i++) {
            out.setAtIndex(F32, o + i, (float) Math.log(x.getAtIndex(F32, xo + i)));
        }
    }

    public static void sqrt(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        for (long i = 0; i < n; i++) {
            out.setAtIndex(F32, o + i, (float) Math.sqrt(x.getAtIndex(F32, xo + i)));
        }
    }

    public static void reciprocal(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        for (long i = 0; i < n; i++) {
            out.setAtIndex(F32, o + i, 1f / x.getAtIndex(F32, xo + i));
        }
    }

    /** Math.floor: keeps the sign of zero, NaN and infinities. */
    public static void floor(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        for (long i = 0; i < n; i++) {
            out.setAtIndex(F32, o + i, (float) Math.floor(x.getAtIndex(F32, xo + i)));
        }
    }

    /** Math.ceil: ceil(-0.5) is -0.0. */
    public static void ceil(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        for (long i = 0; i < n; i++) {
            out.setAtIndex(F32, o + i, (float) Math.ceil(x.getAtIndex(F32, xo + i)));
        }
    }

    /** Math.rint: halves round to even, as ONNX Round (NumPy) does; rint(-0.4) = -0.0. */
    public static void round(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        for (long i = 0; i < n; i++) {
            out.setAtIndex(F32, o + i, (float) Math.rint(x.getAtIndex(F32, xo + i)));
        }
    }

    /** Math.signum: -1, +1, or x itself for ±0 and NaN. */
    public static void sign(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        for (long i = 0; i < n; i++) {
            out.setAtIndex(F32, o + i, Math.signum(x.getAtIndex(F32, xo + i)));
        }
    }

    public static void erf(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        for (long i = 0; i < n; i++) {
            out.setAtIndex(F32, o + i, (float) erf(x.getAtIndex(F32, xo + i)));
        }
    }

    /**
     * erf in double, to about 1e-16: erf(x) = 2/sqrt(pi) exp(-x^2) sum_n (2x^2)^n x / (1*3*...*(2n+1)). Every term
     * is positive, so nothing cancels; beyond |x| = 6, erf is 1 to double precision. erf(-0) = -0.
     */
    public static double erf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        double ax = Math.abs(x);
        if (ax >= 6) {
            return Math.copySign(1.0, x);
        }
        double x2 = ax * ax;
        double term = ax;
        double sum = ax;
        for (int k = 1; k < 500 && term > sum * 1e-17; k++) {
            term *= 2 * x2 / (2 * k + 1);
            sum += term;
        }
        double r = 2 / Math.sqrt(Math.PI) * Math.exp(-x2) * sum;
        return Math.copySign(Math.min(r, 1.0), x);
    }
}
