package org.helu4j.kernel.ref;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.helu4j.kernel.Trig;

/**
 * Scalar reference twin of {@link Trig}: java.lang.Math in double, rounded once; the inverse hyperbolic
 * functions by their defining logarithms, in double. The oracle, and the path when {@code -Dhelu4j.vectorBits=0}.
 */
public final class TrigRef {
    private TrigRef() {
    }

    public static void apply(int fn, MemorySegment out, long o, MemorySegment x, long xo, long n) {
        for (long i = 0; i < n; i++) {
            double v = x.getAtIndex(ValueLayout.JAVA_FLOAT, xo + i);
            out.setAtIndex(ValueLayout.JAVA_FLOAT, o + i, (float) apply(fn, v));
        }
    }

    public static double apply(int fn, double v) {
        return switch (fn) {
            case Trig.SIN -> Math.sin(v);
            case Trig.COS -> Math.cos(v);
            case Trig.TAN -> Math.tan(v);
            case Trig.ASIN -> Math.asin(v);
            case Trig.ACOS -> Math.acos(v);
            case Trig.ATAN -> Math.atan(v);
            case Trig.SINH -> Math.sinh(v);
            case Trig.COSH -> Math.cosh(v);
            case Trig.ASINH -> Math.copySign(Math.log(Math.abs(v) + Math.sqrt(v * v + 1)), v);
            case Trig.ACOSH -> Math.log(v + Math.sqrt(v * v - 1));
            case Trig.ATANH -> 0.5 * Math.log((1 + v) / (1 - v));
            default -> throw new IllegalArgumentException("unknown function " + fn);
        };
    }
}
