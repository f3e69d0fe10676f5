package org.helu4j.kernel;

import static org.helu4j.kernel.Unary.bc;
import static org.helu4j.kernel.Unary.load;
import static org.helu4j.kernel.Vectors.F;
import static org.helu4j.kernel.Vectors.LANES;
import static org.helu4j.kernel.Vectors.SCALAR;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import org.helu4j.kernel.ref.ActivationRef;

/**
 * Activation functions on float32: {@code kernel(out, outOffset, x, xOffset, n, params...)}, offsets in
 * elements; {@code out} may be {@code x}. Each kernel is a small vector function (public, so that conv and GEMM
 * epilogues can apply it to accumulators still in registers) run by a full-vector loop and a masked tail; the
 * functions are kept small so that C2 inlines them even at the tail's cold call site (a vector passed to a call
 * that is not inlined is boxed). Exact GELU, too big for that, is one loop of its own.
 * Scalar twins, and the NaN and signed-zero conventions: {@link ActivationRef}.
 */
public final class Activation {
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final float SQRT_2_PI = (float) Math.sqrt(2 / Math.PI);

    private Activation() {
    }

    /**
     * ReLU and HeLU at inference: one branch-free max(x, 0). Same NaN and -0.0 results as Math.max, so the
     * vector and scalar paths agree: relu(NaN) = NaN, relu(-0.0) = +0.0.
     */
    public static FloatVector relu(FloatVector x) {
        return x.max(0f);
    }

    public static void relu(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        if (SCALAR) {
            ActivationRef.relu(out, o, x, xo, n);
            return;
        }
        // The loop body written out, its tail through the scalar twin: a vector that crosses a call the JIT does not
        // inline is boxed, and whether these small helpers are inlined varied between JVMs (2.4 kB per run in
        // ElementwiseAllocationTest in two runs of three).
        long i = 0;
        FloatVector zero = FloatVector.zero(F);
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            FloatVector.fromMemorySegment(F, x, (xo + i) * 4, NATIVE).max(zero).intoMemorySegment(out, (o + i) * 4, NATIVE);
        }
        if (i < n) {
            ActivationRef.relu(out, o + i, x, xo + i, n - i);
        }
    }

    public static FloatVector leakyRelu(FloatVector x, float alpha) {
        return x.blend(x.mul(alpha), x.compare(VectorOperators.LT, 0f));
    }

    public static void leakyRelu(MemorySegment out, long o, MemorySegment x, long xo, long n, float alpha) {
        if (SCALAR) {
            ActivationRef.leakyRelu(out, o, x, xo, n, alpha);
            return;
        }
        long i = 0;  // written out, as relu's
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            FloatVector v = FloatVector.fromMemorySegment(F, x, (xo + i) * 4, NATIVE);
            v.blend(v.mul(alpha), v.compare(VectorOperators.LT, 0f)).intoMemorySegment(out, (o + i) * 4, NATIVE);
        }
        if (i < n) {
            ActivationRef.leakyRelu(out, o + i, x, xo + i, n - i, alpha);
        }
    }

    public static FloatVector clip(FloatVector x, float lo, float hi) {
        return x.max(lo).min(hi);
    }

    public static void clip(MemorySegment out, long o, MemorySegment x, long xo, long n, float lo, float hi) {
        if (SCALAR) {
            ActivationRef.clip(out, o, x, xo, n, lo, hi);
            return;
        }
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            clip(load(x, xo + i), lo, hi).intoMemorySegment(out, (o + i) * 4, NATIVE);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            clip(load(x, xo + i, m), lo, hi).intoMemorySegment(out, (o + i) * 4, NATIVE, m);
        }
    }

    public static FloatVector hardSigmoid(FloatVector x, float alpha, float beta) {
        return x.fma(FloatVector.broadcast(F, alpha), FloatVector.broadcast(F, beta)).max(0f).min(1f);
    }

    public static void hardSigmoid(MemorySegment out, long o, MemorySegment x, long xo, long n, float alpha,
            float beta) {
        if (SCALAR) {
            ActivationRef.hardSigmoid(out, o, x, xo, n, alpha, beta);
            return;
        }
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            hardSigmoid(load(x, xo + i), alpha, beta).intoMemorySegment(out, (o + i) * 4, NATIVE);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            hardSigmoid(load(x, xo + i, m), alpha, beta).intoMemorySegment(out, (o + i) * 4, NATIVE, m);
        }
    }

    /**
     * 1 / (1 + e^-x), saturating cleanly to 0 and 1 at the infinities. e^-|x| comes from {@link Unary}'s
     * tier-independent polynomial, so a cold and a warm JVM give the same bits; for x < 0,
     * sigmoid(x) = e^x / (1 + e^x). The loop body is written out (no vector helper: a helper this size is not
     * reliably inlined, and a vector crossing a call is boxed); the last partial vector uses the scalar twin.
     */
    public static void sigmoid(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        if (SCALAR) {
            ActivationRef.sigmoid(out, o, x, xo, n);
            return;
        }
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            FloatVector v = FloatVector.fromMemorySegment(F, x, (xo + i) * 4, NATIVE);
            FloatVector minusAbs = v.abs().neg();
            FloatVector e = minusAbs.max(Unary.EXP_MIN);
            FloatVector big = e.mul(Unary.LOG2E).add(Unary.ROUNDER);
            FloatVector nf = big.sub(Unary.ROUNDER);
            FloatVector r = e.sub(nf.mul(Unary.LN2_HI)).sub(nf.mul(Unary.LN2_LO));
            FloatVector p = r.mul(Unary.E5).add(Unary.E4).mul(r).add(Unary.E3).mul(r).add(Unary.E2).mul(r)
                    .add(Unary.E1).mul(r).add(0.5f).mul(r).mul(r).add(r).add(1f);
            FloatVector twoN = big.reinterpretAsInts().sub(Unary.ROUNDER_BITS - 127).lanewise(VectorOperators.LSHL, 23)
                    .reinterpretAsFloats();
            FloatVector em = p.mul(twoN).blend(0f, minusAbs.compare(VectorOperators.LT, Unary.EXP_MIN));
            FloatVector onePlus = em.add(1f);
            FloatVector s = em.div(onePlus).blend(FloatVector.broadcast(F, 1f).div(onePlus), v.compare(VectorOperators.GE, 0f));
            s.blend(v, v.test(VectorOperators.IS_NAN)).intoMemorySegment(out, (o + i) * 4, NATIVE);
        }
        if (i < n) {
            ActivationRef.sigmoid(out, o + i, x, xo + i, n - i);
        }
    }

    public static void tanh(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        if (SCALAR) {
            ActivationRef.tanh(out, o, x, xo, n);
            return;
        }
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            load(x, xo + i).lanewise(VectorOperators.TANH).intoMemorySegment(out, (o + i) * 4, NATIVE);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            load(x, xo + i, m).lanewise(VectorOperators.TANH).intoMemorySegment(out, (o + i) * 4, NATIVE, m);
        }
    }

    /** Elu, and Selu with gamma: gamma * x above 0, gamma * alpha * (e^x - 1) below; -0.0 and NaN pass. */
    public static FloatVector elu(FloatVector x, float alpha, float gamma) {
        FloatVector neg = x.lanewise(VectorOperators.EXPM1).mul(alpha * gamma);
        FloatVector pos = gamma == 1f ? x : x.mul(gamma);
        return pos.blend(neg, x.compare(VectorOperators.LT, 0f));
    }

    public static void elu(MemorySegment out, long o, MemorySegment x, long xo, long n, float alpha) {
        if (SCALAR) {
            ActivationRef.elu(out, o, x, xo, n, alpha);
            return;
        }
        eluLoop(out, o, x, xo, n, alpha, 1f);
    }

    public static void selu(MemorySegment out, long o, MemorySegment x, long xo, long n, float alpha, float gamma) {
        if (SCALAR) {
            ActivationRef.selu(out, o, x, xo, n, alpha, gamma);
            return;
        }
        eluLoop(out, o, x, xo, n, alpha, gamma);
    }

    private static void eluLoop(MemorySegment out, long o, MemorySegment x, long xo, long n, float alpha,
            float gamma) {
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            elu(load(x, xo + i), alpha, gamma).intoMemorySegment(out, (o + i) * 4, NATIVE);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            elu(load(x, xo + i, m), alpha, gamma).intoMemorySegment(out, (o + i) * 4, NATIVE, m);
        }
    }

    /** max(x, 0) + log1p(e^-|x|): ln(1 + e^x) without overflow. */
    public static FloatVector softplus(FloatVector x) {
        return x.max(0f).add(x.abs().neg().lanewise(VectorOperators.EXP).lanewise(VectorOperators.LOG1P));
    }

    public static void softplus(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        if (SCALAR) {
            ActivationRef.softplus(out, o, x, xo, n);
            return;
        }
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            softplus(load(x, xo + i)).intoMemorySegment(out, (o + i) * 4, NATIVE);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            softplus(load(x, xo + i, m)).intoMemorySegment(out, (o + i) * 4, NATIVE, m);
        }
    }

    public static FloatVector softsign(FloatVector x) {
        return x.div(x.abs().add(1f));
    }

    public static void softsign(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        if (SCALAR) {
            ActivationRef.softsign(out, o, x, xo, n);
            return;
        }
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            softsign(load(x, xo + i)).intoMemorySegment(out, (o + i) * 4, NATIVE);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            softsign(load(x, xo + i, m)).intoMemorySegment(out, (o + i) * 4, NATIVE, m);
        }
    }

    /**
     * Exact GELU, x Φ(x), with Φ the normal distribution. Φ(x) = T or 1 - T for x below or above 0, where
     * T = Φ(-|x|) = e^(-x²/2) R(|x|), R(a) = erfcx(a / sqrt 2) / 2 ≈ t P(t), t = 1 / (1 + 0.35 a), P of degree 8
     * (fitted for relative error, 3.2e-8 in double, over a in [0, 14] by tools/kernels/fit_gelu.py, which also
     * checks the whole of it in float32). One formula for every x, and T never cancels: through erf,
     * 1 + erf(x / sqrt 2) lost T's digits for x below -2, and both of erf's halves were computed and blended (52
     * vector ops against 38 now). e^(-x²/2) is {@link Unary}'s tier-independent polynomial; x = -inf gives
     * -inf · 0 = NaN, as the formula does. Written out in one loop (a vector crossing a call that is not inlined
     * is boxed). A row that is not whole vectors ends with one more pass over its last L elements, loaded before
     * the loop since out may be x: the scalar twin's double erf, ~40 ns an element, made the 4 left over of a
     * 196-float channel cost more than its 12 vectors. Shorter than a vector: the twin.
     */
    public static void gelu(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        if (SCALAR || n < LANES) {
            ActivationRef.gelu(out, o, x, xo, n);
            return;
        }
        long bound = F.loopBound(n);
        long end = bound == n ? n : bound + LANES;
        FloatVector last = load(x, xo + n - LANES);
        for (long i = 0; i < end; i += LANES) {
            boolean whole = i < bound;
            FloatVector v = whole ? load(x, xo + i) : last;
            FloatVector a = v.abs();
            FloatVector t = FloatVector.broadcast(F, 1f).div(a.fma(GELU_P, 1f));
            FloatVector r = bc(GELU_R8).fma(t, bc(GELU_R7)).fma(t, bc(GELU_R6)).fma(t, bc(GELU_R5))
                    .fma(t, bc(GELU_R4)).fma(t, bc(GELU_R3)).fma(t, bc(GELU_R2)).fma(t, bc(GELU_R1))
                    .fma(t, bc(GELU_R0)).mul(t);
            // e^q, q = -x²/2: q = n ln2 + f, e^f by Unary's polynomial, 2^n from its exponent bits
            FloatVector q = a.mul(-0.5f).mul(a).max(Unary.EXP_MIN);
            FloatVector big = q.fma(Unary.LOG2E, Unary.ROUNDER);
            FloatVector nf = big.sub(Unary.ROUNDER);
            FloatVector f = nf.fma(bc(-Unary.LN2_HI), q).sub(nf.mul(Unary.LN2_LO));
            FloatVector ef = f.fma(Unary.E5, Unary.E4).fma(f, bc(Unary.E3)).fma(f, bc(Unary.E2)).fma(f, bc(Unary.E1))
                    .fma(f, bc(0.5f)).fma(f.mul(f), f).add(1f);
            FloatVector twoN = big.reinterpretAsInts().sub(Unary.ROUNDER_BITS - 127).lanewise(VectorOperators.LSHL, 23)
                    .reinterpretAsFloats();
            FloatVector tail = ef.mul(twoN).mul(r);
            FloatVector phi = FloatVector.broadcast(F, 1f).sub(tail).blend(tail, v.compare(VectorOperators.LT, 0f));
            v.mul(phi).intoMemorySegment(out, (o + (whole ? i : n - LANES)) * 4, NATIVE);
        }
    }

    private static final float GELU_P = 0.35f;
    private static final float GELU_R0 = 0.13962140679359436f, GELU_R1 = 0.13986189663410187f,
            GELU_R2 = 0.11983270198106766f, GELU_R3 = 0.10550866276025772f, GELU_R4 = -0.023111417889595032f,
            GELU_R5 = 0.15917649865150452f, GELU_R6 = -0.25571632385253906f, GELU_R7 = 0.143972709774971f,
            GELU_R8 = -0.029146138578653336f;

    public static FloatVector geluTanh(FloatVector x) {
        FloatVector inner = x.mul(x).mul(0.044715f).mul(x).add(x).mul(SQRT_2_PI);
        return x.mul(0.5f).mul(inner.lanewise(VectorOperators.TANH).add(1f));
    }

    public static void geluTanh(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        if (SCALAR) {
            ActivationRef.geluTanh(out, o, x, xo, n);
            return;
        }
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            geluTanh(load(x, xo + i)).intoMemorySegment(out, (o + i) * 4, NATIVE);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            geluTanh(load(x, xo + i, m)).intoMemorySegment(out, (o + i) * 4, NATIVE, m);
        }
    }

    public static FloatVector hardSwish(FloatVector x) {
        return x.mul(x.mul(1f / 6).add(0.5f).max(0f).min(1f));
    }

    public static void hardSwish(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        if (SCALAR) {
            ActivationRef.hardSwish(out, o, x, xo, n);
            return;
        }
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            hardSwish(load(x, xo + i)).intoMemorySegment(out, (o + i) * 4, NATIVE);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            hardSwish(load(x, xo + i, m)).intoMemorySegment(out, (o + i) * 4, NATIVE, m);
        }
    }

    public static FloatVector thresholdedRelu(FloatVector x, float alpha) {
        return FloatVector.zero(F).blend(x, x.compare(VectorOperators.GT, alpha));
    }

    public static void thresholdedRelu(MemorySegment out, long o, MemorySegment x, long xo, long n, float alpha) {
        if (SCALAR) {
            ActivationRef.thresholdedRelu(out, o, x, xo, n, alpha);
            return;
        }
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            thresholdedRelu(load(x, xo + i), alpha).intoMemorySegment(out, (o + i) * 4, NATIVE);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            thresholdedRelu(load(x, xo + i, m), alpha).intoMemorySegment(out, (o + i) * 4, NATIVE, m);
        }
    }

    public static FloatVector celu(FloatVector x, float alpha) {
        FloatVector neg = x.mul(1f / alpha).lanewise(VectorOperators.EXPM1).mul(alpha).min(0f);
        return x.max(0f).add(neg);
    }

    public static void celu(MemorySegment out, long o, MemorySegment x, long xo, long n, float alpha) {
        if (SCALAR) {
            ActivationRef.celu(out, o, x, xo, n, alpha);
            return;
        }
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            celu(load(x, xo + i), alpha).intoMemorySegment(out, (o + i) * 4, NATIVE);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            celu(load(x, xo + i, m), alpha).intoMemorySegment(out, (o + i) * 4, NATIVE, m);
        }
    }

    public static FloatVector shrink(FloatVector x, float lambd, float bias) {
        FloatVector r = FloatVector.zero(F).blend(x.sub(bias), x.compare(VectorOperators.GT, lambd));
        return r.blend(x.add(bias), x.compare(VectorOperators.LT, -lambd));
    }

    public static void shrink(MemorySegment out, long o, MemorySegment x, long xo, long n, float lambd, float bias) {
        if (SCALAR) {
            ActivationRef.shrink(out, o, x, xo, n, lambd, bias);
            return;
        }
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            shrink(load(x, xo + i), lambd, bias).intoMemorySegment(out, (o + i) * 4, NATIVE);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            shrink(load(x, xo + i, m), lambd, bias).intoMemorySegment(out, (o + i) * 4, NATIVE, m);
        }
    }
}
