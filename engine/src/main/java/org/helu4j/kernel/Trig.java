package org.helu4j.kernel;

import static org.helu4j.kernel.Unary.load;
import static org.helu4j.kernel.Unary.withSignOf;
import static org.helu4j.kernel.Vectors.F;
import static org.helu4j.kernel.Vectors.LANES;
import static org.helu4j.kernel.Vectors.SCALAR;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.helu4j.kernel.ref.TrigRef;

/**
 * Trigonometric and hyperbolic functions on float32: {@code apply(fn, out, o, x, xo, n)}. The function is an int
 * code chosen outside the loops, one loop per function, so each lanewise operation is a constant the JIT can
 * intrinsify. The inverse hyperbolics are written with log1p so that they stay accurate near their zeros.
 * Scalar twin: {@link TrigRef}.
 */
public final class Trig {
    public static final int SIN = 0, COS = 1, TAN = 2, ASIN = 3, ACOS = 4, ATAN = 5, SINH = 6, COSH = 7, ASINH = 8,
            ACOSH = 9, ATANH = 10;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final float LN2 = (float) Math.log(2);
    /** Beyond this, asinh(x) and acosh(x) are log(2x) to float precision, and x^2 might overflow. */
    private static final float BIG = 4096f;

    private Trig() {
    }

    public static void apply(int fn, MemorySegment out, long o, MemorySegment x, long xo, long n) {
        if (SCALAR) {
            TrigRef.apply(fn, out, o, x, xo, n);
            return;
        }
        long i = 0;
        long bound = F.loopBound(n);
        switch (fn) {
            case SIN -> { for (; i < bound; i += LANES) store(load(x, xo + i).lanewise(VectorOperators.SIN), out, o + i); }
            case COS -> { for (; i < bound; i += LANES) store(load(x, xo + i).lanewise(VectorOperators.COS), out, o + i); }
            case TAN -> { for (; i < bound; i += LANES) store(load(x, xo + i).lanewise(VectorOperators.TAN), out, o + i); }
            case ASIN -> { for (; i < bound; i += LANES) store(load(x, xo + i).lanewise(VectorOperators.ASIN), out, o + i); }
            case ACOS -> { for (; i < bound; i += LANES) store(load(x, xo + i).lanewise(VectorOperators.ACOS), out, o + i); }
            case ATAN -> { for (; i < bound; i += LANES) store(load(x, xo + i).lanewise(VectorOperators.ATAN), out, o + i); }
            case SINH -> { for (; i < bound; i += LANES) store(load(x, xo + i).lanewise(VectorOperators.SINH), out, o + i); }
            case COSH -> { for (; i < bound; i += LANES) store(load(x, xo + i).lanewise(VectorOperators.COSH), out, o + i); }
            case ASINH -> { for (; i < bound; i += LANES) store(asinh(load(x, xo + i)), out, o + i); }
            case ACOSH -> { for (; i < bound; i += LANES) store(acosh(load(x, xo + i)), out, o + i); }
            case ATANH -> { for (; i < bound; i += LANES) store(atanh(load(x, xo + i)), out, o + i); }
            default -> throw new IllegalArgumentException("unknown function " + fn);
        }
        if (i < n) {  // scalar tail: see Unary on why big vector functions are not called at cold sites
            TrigRef.apply(fn, out, o + i, x, xo + i, n - i);
        }
    }

    /** sign(x) log1p(a + a^2 / (1 + sqrt(1 + a^2))), a = |x|; log(a) + ln 2 for big a. */
    static FloatVector asinh(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector a2 = a.mul(a);
        FloatVector small = a.add(a2.div(a2.add(1f).sqrt().add(1f))).lanewise(VectorOperators.LOG1P);
        FloatVector big = a.lanewise(VectorOperators.LOG).add(LN2);
        return withSignOf(small.blend(big, a.compare(VectorOperators.GT, BIG)), x);
    }

    /** log1p(t + sqrt(t (t + 2))), t = x - 1 (exact near 1); log(x) + ln 2 for big x; NaN below 1. */
    static FloatVector acosh(FloatVector x) {
        FloatVector t = x.sub(1f);
        FloatVector small = t.add(t.mul(t.add(2f)).sqrt()).lanewise(VectorOperators.LOG1P);
        FloatVector big = x.lanewise(VectorOperators.LOG).add(LN2);
        return small.blend(big, x.compare(VectorOperators.GT, BIG));
    }

    /** sign(x) log1p(2a / (1 - a)) / 2, a = |x|: odd by construction, and 1 - a is exact near 1. */
    static FloatVector atanh(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector r = a.add(a).div(FloatVector.broadcast(F, 1f).sub(a)).lanewise(VectorOperators.LOG1P).mul(0.5f);
        return withSignOf(r, x);
    }

    private static void store(FloatVector v, MemorySegment out, long elem) {
        v.intoMemorySegment(out, elem * 4, NATIVE);
    }
}
