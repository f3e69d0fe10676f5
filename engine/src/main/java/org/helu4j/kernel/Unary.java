package org.helu4j.kernel;

import static org.helu4j.kernel.Vectors.F;
import static org.helu4j.kernel.Vectors.LANES;
import static org.helu4j.kernel.Vectors.SCALAR;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import org.helu4j.kernel.ref.UnaryRef;

/**
 * Elementwise math on float32: {@code kernel(out, outOffset, x, xOffset, n)}, offsets in elements. Each kernel is
 * one vector function applied by a full-vector loop, then a masked vector tail where the function is small; the
 * big ones (erf, floor, ceil, round) finish with their scalar twin instead, because C2 inlines only tiny methods at
 * a call site run once per call, and a vector passed to a method that is not inlined is boxed on the heap.
 * {@code out} may be {@code x} (in place). Scalar twins: {@link UnaryRef}.
 */
public final class Unary {
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    // e^x for the kernels whose results must not depend on the JIT tier (the Vector API's EXP is an intrinsic
    // when compiled and a Java fallback otherwise, and the two round differently): x = n ln2 + r with
    // |r| <= ln2/2, e^r by a degree-6 polynomial (Cephes' expf coefficients), 2^n built from its exponent bits.
    // Only add, mul, fma, min/max and integer ops, which every tier computes exactly alike. Inputs below EXP_MIN
    // are clamped (e^-87.3 is the smallest normal float); above 88 they must not occur (callers pass x <= 0).
    static final float LOG2E = 1.44269504088896341f;
    static final float LN2_HI = 0.693359375f;
    static final float LN2_LO = -2.12194440e-4f;
    static final float ROUNDER = 12582912f;        // 1.5 * 2^23: adding it rounds to an integer in the low bits
    static final int ROUNDER_BITS = 0x4B400000;
    static final float EXP_MIN = -87.3f;
    static final float E1 = 1.6666665459E-1f, E2 = 4.1665795894E-2f, E3 = 8.3334519073E-3f, E4 = 1.3981999507E-3f,
            E5 = 1.9875691500E-4f;

    private Unary() {
    }

    public static void neg(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        if (SCALAR) {
            UnaryRef.neg(out, o, x, xo, n);
            return;
        }
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            load(x, xo + i).neg().intoMemorySegment(out, (o + i) * 4, NATIVE);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            load(x, xo + i, m).neg().intoMemorySegment(out, (o + i) * 4, NATIVE, m);
        }
    }

    public static void abs(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        if (SCALAR) {
            UnaryRef.abs(out, o, x, xo, n);
            return;
        }
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            load(x, xo + i).abs().intoMemorySegment(out, (o + i) * 4, NATIVE);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            load(x, xo + i, m).abs().intoMemorySegment(out, (o + i) * 4, NATIVE, m);
        }
    }

    public static void exp(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        if (SCALAR) {
            UnaryRef.exp(out, o, x, xo, n);
            return;
        }
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            load(x, xo + i).lanewise(VectorOperators.EXP).intoMemorySegment(out, (o + i) * 4, NATIVE);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            load(x, xo + i, m).lanewise(VectorOperators.EXP).intoMemorySegment(out, (o + i) * 4, NATIVE, m);
        }
    }

    public static void log(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        if (SCALAR) {
            UnaryRef.log(out, o, x, xo, n);
            return;
        }
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            load(x, xo + i).lanewise(VectorOperators.LOG).intoMemorySegment(out, (o + i) * 4, NATIVE);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            load(x, xo + i, m).lanewise(VectorOperators.LOG).intoMemorySegment(out, (o + i) * 4, NATIVE, m);
        }
    }

    public static void sqrt(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        if (SCALAR) {
            UnaryRef.sqrt(out, o, x, xo, n);
            return;
        }
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            load(x, xo + i).sqrt().intoMemorySegment(out, (o + i) * 4, NATIVE);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            load(x, xo + i, m).sqrt().intoMemorySegment(out, (o + i) * 4, NATIVE, m);
        }
    }

    public static void reciprocal(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        if (SCALAR) {
            UnaryRef.reciprocal(out, o, x, xo, n);
            return;
        }
        FloatVector one = FloatVector.broadcast(F, 1f);
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            one.div(load(x, xo + i)).intoMemorySegment(out, (o + i) * 4, NATIVE);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            one.div(load(x, xo + i, m)).intoMemorySegment(out, (o + i) * 4, NATIVE, m);
        }
    }

    public static void floor(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        if (SCALAR) {
            UnaryRef.floor(out, o, x, xo, n);
            return;
        }
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            round(load(x, xo + i), false).intoMemorySegment(out, (o + i) * 4, NATIVE);
        }
        if (i < n) {  // scalar tail: a big vector function at a cold call site would not inline, and would box
            UnaryRef.floor(out, o + i, x, xo + i, n - i);
        }
    }

    public static void ceil(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        if (SCALAR) {
            UnaryRef.ceil(out, o, x, xo, n);
            return;
        }
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            round(load(x, xo + i), true).intoMemorySegment(out, (o + i) * 4, NATIVE);
        }
        if (i < n) {  // scalar tail: a big vector function at a cold call site would not inline, and would box
            UnaryRef.ceil(out, o + i, x, xo + i, n - i);
        }
    }

    public static void round(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        if (SCALAR) {
            UnaryRef.round(out, o, x, xo, n);
            return;
        }
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            rint(load(x, xo + i)).intoMemorySegment(out, (o + i) * 4, NATIVE);
        }
        if (i < n) {  // scalar tail: a big vector function at a cold call site would not inline, and would box
            UnaryRef.round(out, o + i, x, xo + i, n - i);
        }
    }

    public static void sign(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        if (SCALAR) {
            UnaryRef.sign(out, o, x, xo, n);
            return;
        }
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            sign(load(x, xo + i)).intoMemorySegment(out, (o + i) * 4, NATIVE);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            sign(load(x, xo + i, m)).intoMemorySegment(out, (o + i) * 4, NATIVE, m);
        }
    }

    /**
     * Round half to even: below 2^23, adding and subtracting 2^23 leaves the integer the FPU's round-to-nearest-even
     * picks; from 2^23 up (and NaN, Inf) floats are integral already. The sign is restored, so rint(-0.4) = -0.0.
     */
    static FloatVector rint(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector r = withSignOf(ax.add(8388608f).sub(8388608f), x);
        return x.blend(r, ax.compare(VectorOperators.LT, 8388608f));
    }

    /** -1 below 0, +1 above, x itself for ±0 and NaN (Math.signum). */
    static FloatVector sign(FloatVector x) {
        FloatVector r = x.blend(1f, x.compare(VectorOperators.GT, 0f));
        return r.blend(-1f, x.compare(VectorOperators.LT, 0f));
    }

    public static void erf(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        if (SCALAR) {
            UnaryRef.erf(out, o, x, xo, n);
            return;
        }
        erfLoop(out, o, x, xo, n);
    }

    /**
     * erf of every element. One loop holds the whole computation inline: erf is too big a helper to be sure C2
     * inlines it, and a vector crossing a call that is not inlined is boxed. The tail is the scalar twin's.
     *
     * <p>erf is float32-accurate and branch-free: |v| <= 0.9 uses v P(v^2); beyond, 1 - exp(-v^2) Q(|v|), with |v|
     * clamped at 4 where erf rounds to 1. Both halves are computed and blended. NaN propagates; erf(-0) = -0.
     */
    private static void erfLoop(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            FloatVector v = load(x, xo + i);
            FloatVector ax = v.abs().min(4f);
            FloatVector t = ax.mul(ax);
            FloatVector p = FloatVector.broadcast(F, A5);
            p = p.fma(t, bc(A4)).fma(t, bc(A3)).fma(t, bc(A2)).fma(t, bc(A1)).fma(t, bc(A0));
            FloatVector small = ax.mul(p);
            FloatVector q = FloatVector.broadcast(F, B10);
            q = q.fma(ax, bc(B9)).fma(ax, bc(B8)).fma(ax, bc(B7)).fma(ax, bc(B6)).fma(ax, bc(B5)).fma(ax, bc(B4))
                    .fma(ax, bc(B3)).fma(ax, bc(B2)).fma(ax, bc(B1)).fma(ax, bc(B0));
            // e^-t with the polynomial below (not VectorOperators.EXP, whose result depends on the JIT tier).
            FloatVector e = t.neg().max(EXP_MIN);
            FloatVector big = e.fma(FloatVector.broadcast(F, LOG2E), FloatVector.broadcast(F, ROUNDER));
            FloatVector nf = big.sub(ROUNDER);
            FloatVector rr = nf.fma(FloatVector.broadcast(F, -LN2_HI), e).sub(nf.mul(LN2_LO));
            FloatVector ep = rr.mul(E5).add(E4).mul(rr).add(E3).mul(rr).add(E2).mul(rr).add(E1).mul(rr).add(0.5f)
                    .mul(rr).fma(rr, rr).add(1f);
            FloatVector twoN = big.reinterpretAsInts().sub(ROUNDER_BITS - 127).lanewise(VectorOperators.LSHL, 23)
                    .reinterpretAsFloats();
            FloatVector large = FloatVector.broadcast(F, 1f).sub(ep.mul(twoN).mul(q));
            FloatVector r = large.blend(small, ax.compare(VectorOperators.LE, 0.9f));
            r = r.reinterpretAsInts().or(v.reinterpretAsInts().and(0x80000000)).reinterpretAsFloats();  // sign of v
            r.intoMemorySegment(out, (o + i) * 4, NATIVE);
        }
        if (i < n) {
            UnaryRef.erf(out, o + i, x, xo + i, n - i);
        }
    }

    /**
     * Floor or ceil without a rounding instruction: below 2^23 truncate through int and step by one where the
     * truncation went the wrong way; from 2^23 up (and NaN, Inf) every float is already integral. The result takes
     * x's sign bit, so that floor(-0.0) = -0.0 and ceil(-0.5) = -0.0, as Math.floor and Math.ceil give.
     */
    static FloatVector round(FloatVector x, boolean up) {
        FloatVector t = (FloatVector) x.convert(VectorOperators.F2I, 0).convert(VectorOperators.I2F, 0);
        t = up ? t.add(1f, t.compare(VectorOperators.LT, x)) : t.sub(1f, t.compare(VectorOperators.GT, x));
        t = withSignOf(t, x);
        return x.blend(t, x.abs().compare(VectorOperators.LT, 8388608f));
    }

    // erf coefficients, least-squares fitted in double on Chebyshev nodes for this kernel (tools: numpy), checked
    // in float32 arithmetic on a dense grid: max abs error 1.1e-7 over all floats.
    private static final float A0 = 1.1283791065216064f, A1 = -0.3761240541934967f, A2 = 0.11281321197748184f,
            A3 = -0.026755765080451965f, A4 = 0.0049834223464131355f, A5 = -0.000596245052292943f;
    private static final float B0 = 0.9982491731643677f, B1 = -1.1150295734405518f, B2 = 0.9536741971969604f,
            B3 = -0.6549397706985474f, B4 = 0.36087068915367126f, B5 = -0.15605270862579346f,
            B6 = 0.051229044795036316f, B7 = -0.012210836634039879f, B8 = 0.0019787107594311237f,
            B9 = -0.0001939150970429182f, B10 = 8.637975042802282e-06f;

    /** |r| with the sign bit of x; r must be non-negative (or NaN). */
    static FloatVector withSignOf(FloatVector r, FloatVector x) {
        IntVector sign = x.reinterpretAsInts().and(0x80000000);
        return r.reinterpretAsInts().or(sign).reinterpretAsFloats();
    }

    static FloatVector bc(float c) {
        return FloatVector.broadcast(F, c);
    }

    static FloatVector load(MemorySegment s, long elem) {
        return FloatVector.fromMemorySegment(F, s, elem * 4, NATIVE);
    }

    static FloatVector load(MemorySegment s, long elem, VectorMask<Float> m) {
        return FloatVector.fromMemorySegment(F, s, elem * 4, NATIVE, m);
    }
}
