package org.helu4j.kernel.ref;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Scalar reference twins of {@link org.helu4j.kernel.Activation}: plain loops, computed in double and rounded
 * once. The test oracle, and the kernels' path when {@code -Dhelu4j.vectorBits=0}.
 *
 * <p>NaN and signed zero follow {@link Math#max}: relu(NaN) = NaN (as ONNX Runtime gives) and relu(-0.0) = +0.0,
 * which is what {@code FloatVector.max} computes too. Functions written as x-or-f(x) by sign (LeakyRelu, Elu,
 * Selu) pass -0.0 and NaN through unchanged.
 */
public final class ActivationRef {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;

    private ActivationRef() {
    }

    /** max(x, 0), exactly as Math.max: NaN stays NaN, -0.0 becomes +0.0. */
    public static void relu(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        for (long i = 0; i < n; i++) {
            out.setAtIndex(F32, o + i, Math.max(x.getAtIndex(F32, xo + i), 0f));
        }
    }

    public static void leakyRelu(MemorySegment out, long o, MemorySegment x, long xo, long n, float alpha) {
        for (long i = 0; i < n; i++) {
            float v = x.getAtIndex(F32, xo + i);
            out.setAtIndex(F32, o + i, v < 0 ? alpha * v : v);
        }
    }

    /** min(max(x, lo), hi): NaN stays NaN; lo > hi gives hi everywhere, as ONNX says. */
    public static void clip(MemorySegment out, long o, MemorySegment x, long xo, long n, float lo, float hi) {
        for (long i = 0; i < n; i++) {
            out.setAtIndex(F32, o + i, Math.min(Math.max(x.getAtIndex(F32, xo + i), lo), hi));
        }
    }

    public static void hardSigmoid(MemorySegment out, long o, MemorySegment x, long xo, long n, float alpha,
            float beta) {
        for (long i = 0; i < n; i++) {
            double v = (double) alpha * x.getAtIndex(F32, xo + i) + beta;
            out.setAtIndex(F32, o + i, (float) Math.min(Math.max(v, 0), 1));
        }
    }

    public static void sigmoid(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        for (long i = 0; i < n; i++) {
            out.setAtIndex(F32, o + i, (float) (1 / (1 + Math.exp(-(double) x.getAtIndex(F32, xo + i)))));
        }
    }

    public static void tanh(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        for (long i = 0; i < n; i++) {
            out.setAtIndex(F32, o + i, (float) Math.tanh(x.getAtIndex(F32, xo + i)));
        }
    }

    /** x for x >= 0, alpha * (e^x - 1) below. */
    public static void elu(MemorySegment out, long o, MemorySegment x, long xo, long n, float alpha) {
        for (long i = 0; i < n; i++) {
            float v = x.getAtIndex(F32, xo + i);
            out.setAtIndex(F32, o + i, v < 0 ? (float) (alpha * Math.expm1(v)) : v);
        }
    }

    /** gamma * x for x > 0, gamma * alpha * (e^x - 1) otherwise. */
    public static void selu(MemorySegment out, long o, MemorySegment x, long xo, long n, float alpha, float gamma) {
        for (long i = 0; i < n; i++) {
            double v = x.getAtIndex(F32, xo + i);
            out.setAtIndex(F32, o + i, (float) (v > 0 ? (double) gamma * v : (double) gamma * alpha * Math.expm1(v)));
        }
    }

    /** ln(1 + e^x), computed as max(x, 0) + log1p(e^-|x|) so that it neither overflows nor underflows. */
    public static void softplus(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        for (long i = 0; i < n; i++) {
            double v = x.getAtIndex(F32, xo + i);
            out.setAtIndex(F32, o + i, (float) (Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)))));
        }
    }

    public static void softsign(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        for (long i = 0; i < n; i++) {
            double v = x.getAtIndex(F32, xo + i);
            out.setAtIndex(F32, o + i, (float) (v / (1 + Math.abs(v))));
        }
    }

    /** Exact GELU, x/2 (1 + erf(x / sqrt 2)); gelu(-Inf) is NaN, as the formula gives in PyTorch and ORT. */
    public static void gelu(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        for (long i = 0; i < n; i++) {
            double v = x.getAtIndex(F32, xo + i);
            out.setAtIndex(F32, o + i, (float) (0.5 * v * (1 + UnaryRef.erf(v / Math.sqrt(2)))));
        }
    }

    /** The tanh approximation, x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
    public static void geluTanh(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        double k = Math.sqrt(2 / Math.PI);
        for (long i = 0; i < n; i++) {
            double v = x.getAtIndex(F32, xo + i);
            out.setAtIndex(F32, o + i, (float) (0.5 * v * (1 + Math.tanh(k * (v + 0.044715 * v * v * v)))));
        }
    }

    /** x * hardSigmoid(x) with alpha 1/6, beta 1/2 (ONNX HardSwish). */
    public static void hardSwish(MemorySegment out, long o, MemorySegment x, long xo, long n) {
        for (long i = 0; i < n; i++) {
            double v = x.getAtIndex(F32, xo + i);
            out.setAtIndex(F32, o + i, (float) (v * Math.min(Math.max(v / 6 + 0.5, 0), 1)));
        }
    }

    /** x above alpha, 0 otherwise (NaN gives 0: the comparison is false). */
    public static void thresholdedRelu(MemorySegment out, long o, MemorySegment x, long xo, long n, float alpha) {
        for (long i = 0; i < n; i++) {
            float v = x.getAtIndex(F32, xo + i);
            out.setAtIndex(F32, o + i, v > alpha ? v : 0f);
        }
    }

    /** max(0, x) + min(0, alpha (e^(x/alpha) - 1)). */
    public static void celu(MemorySegment out, long o, MemorySegment x, long xo, long n, float alpha) {
        for (long i = 0; i < n; i++) {
            double v = x.getAtIndex(F32, xo + i);
            out.setAtIndex(F32, o + i, (float) (Math.max(0, v) + Math.min(0, alpha * Math.expm1(v / alpha))));
        }
    }

    /** x + bias below -lambd, x - bias above lambd, 0 between (NaN gives 0). */
    public static void shrink(MemorySegment out, long o, MemorySegment x, long xo, long n, float lambd, float bias) {
        for (long i = 0; i < n; i++) {
            float v = x.getAtIndex(F32, xo + i);
            out.setAtIndex(F32, o + i, v < -lambd ? v + bias : v > lambd ? v - bias : 0f);
        }
    }
}
