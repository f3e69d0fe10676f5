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
        long done = switch (fn) {  // one small method per function (see Binary on why)
            case SIN -> sin(out, o, x, xo, n);
            case COS -> cos(out, o, x, xo, n);
            case TAN -> tan(out, o, x, xo, n);
            case ASIN -> asin(out, o, x, xo, n);
            case ACOS -> acos(out, o, x, xo, n);
            case ATAN -> atan(out, o, x, xo, n);
            case SINH -> sinh(out, o, x, xo, n);
            case COSH -> cosh(out, o, x, xo, n);
            case ASINH -> asinh(out, o, x, xo, n);
            case ACOSH -> acosh(out, o, x, xo, n);
            case ATANH -> atanh(out, o, x, xo, n);
            default -> throw new IllegalArgumentException("unknown function " + fn);
        };
        if (done < n) {  // scalar tail: see Unary on why big vector functions are not called at cold sites
            TrigRef.apply(fn, out, o + done, x, xo + done, n - done);
        }
    }

    private static long sin(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            store(load(x, xo + i).lanewise(VectorOperators.SIN), out, o + i);
        }
        return i;
    }

    private static long cos(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            store(load(x, xo + i).lanewise(VectorOperators.COS), out, o + i);
        }
        return i;
    }

    private static long tan(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            store(load(x, xo + i).lanewise(VectorOperators.TAN), out, o + i);
        }
        return i;
    }

    private static long asin(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            store(load(x, xo + i).lanewise(VectorOperators.ASIN), out, o + i);
        }
        return i;
    }

    private static long acos(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            store(load(x, xo + i).lanewise(VectorOperators.ACOS), out, o + i);
        }
        return i;
    }

    private static long atan(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            store(load(x, xo + i).lanewise(VectorOperators.ATAN), out, o + i);
        }
        return i;
    }

    private static long sinh(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            store(load(x, xo + i).lanewise(VectorOperators.SINH), out, o + i);
        }
        return i;
    }

    private static long cosh(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            store(load(x, xo + i).lanewise(VectorOperators.COSH), out, o + i);
        }
        return i;
    }

    /** sign(x) log1p(a + a^2 / (1 + sqrt(1 + a^2))), a = |x|; log(a) + ln 2 for big a. */
    private static long asinh(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            FloatVector v = load(x, xo + i);
            FloatVector a = v.abs();
            FloatVector a2 = a.mul(a);
            FloatVector small = a.add(a2.div(a2.add(1f).sqrt().add(1f))).lanewise(VectorOperators.LOG1P);
            FloatVector big = a.lanewise(VectorOperators.LOG).add(LN2);
            store(withSignOf(small.blend(big, a.compare(VectorOperators.GT, BIG)), v), out, o + i);
        }
        return i;
    }

    /** log1p(t + sqrt(t (t + 2))), t = x - 1 (exact near 1); log(x) + ln 2 for big x; NaN below 1. */
    private static long acosh(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            FloatVector v = load(x, xo + i);
            FloatVector t = v.sub(1f);
            FloatVector small = t.add(t.mul(t.add(2f)).sqrt()).lanewise(VectorOperators.LOG1P);
            FloatVector big = v.lanewise(VectorOperators.LOG).add(LN2);
            store(small.blend(big, v.compare(VectorOperators.GT, BIG)), out, o + i);
        }
        return i;
    }

    /** sign(x) log1p(2a / (1 - a)) / 2, a = |x|: odd by construction, and 1 - a is exact near 1. */
    private static long atanh(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            FloatVector v = load(x, xo + i);
            FloatVector a = v.abs();
            FloatVector r = a.add(a).div(one.sub(a)).lanewise(VectorOperators.LOG1P).mul(0.5f);
            store(withSignOf(r, v), out, o + i);
        }
        return i;
    }

    private static void store(FloatVector v, MemorySegment out, long elem) {
        v.intoMemorySegment(out, elem * 4, NATIVE);
    }
}
