package org.helu4j.op;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.kernel.Activation;
import org.helu4j.kernel.Unary;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * The one-input elementwise operators: activations and math functions, on float32. Attributes are read once
 * here; {@link #run} is a single kernel call. Neg, Abs, Sign and Clip (opset 12+) also take int64, and Not takes
 * bool (int64 0/1): a scalar loop, folded during inference when the value is known.
 */
final class UnaryOp extends Op {
    enum Kind {
        RELU, LEAKY_RELU, SIGMOID, TANH, ERF, GELU, GELU_TANH, CLIP, NEG, ABS, EXP, LOG, SQRT, RECIPROCAL, FLOOR,
        CEIL, ELU, SELU, HARD_SIGMOID, SOFTPLUS, SOFTSIGN, HARD_SWISH, THRESHOLDED_RELU, CELU, SHRINK, ROUND, SIGN, NOT
    }

    private final Kind kind;
    private final float alpha;
    private final float beta;
    /** Clip bounds from attributes (opset < 11); from 11 on, these are the defaults for absent inputs. */
    private final float lo;
    private final float hi;

    UnaryOp(Node node, Kind kind) {
        super(node);
        var at = node.attributes();
        Kind k = kind;
        float a = 0;
        float b = 0;
        float min = Float.NEGATIVE_INFINITY;
        float max = Float.POSITIVE_INFINITY;
        switch (kind) {
            case LEAKY_RELU -> a = at.getFloat("alpha", 0.01f);
            case ELU, THRESHOLDED_RELU -> a = at.getFloat("alpha", 1f);
            case CELU -> {
                a = at.getFloat("alpha", 1f);
                if (a == 0) {
                    throw new IllegalArgumentException("Celu's alpha must not be 0");
                }
            }
            case SHRINK -> {
                a = at.getFloat("lambd", 0.5f);
                b = at.getFloat("bias", 0f);
            }
            case SELU -> {
                a = at.getFloat("alpha", 1.67326319217681884765625f);
                b = at.getFloat("gamma", 1.05070102214813232421875f);
            }
            case HARD_SIGMOID -> {
                a = at.getFloat("alpha", 0.2f);
                b = at.getFloat("beta", 0.5f);
            }
            case GELU -> {
                String approx = at.getString("approximate", "none");
                k = switch (approx) {
                    case "none" -> Kind.GELU;
                    case "tanh" -> Kind.GELU_TANH;
                    default -> throw new IllegalArgumentException("approximate must be 'none' or 'tanh', not '"
                            + approx + "'");
                };
            }
            case CLIP -> {
                if (node.opset() < 11) {  // Clip-6: bounds are attributes, defaulting to the float range
                    min = at.getFloat("min", -Float.MAX_VALUE);
                    max = at.getFloat("max", Float.MAX_VALUE);
                } else if (at.has("min") || at.has("max")) {
                    throw new IllegalArgumentException("from opset 11, Clip takes min and max as inputs, not attributes");
                }
            }
            default -> {
            }
        }
        this.kind = k;
        this.alpha = a;
        this.beta = b;
        this.lo = min;
        this.hi = max;
    }

    @Override
    public void infer(InferContext ctx) {
        DType t = ctx.type(0);
        Shape s = ctx.shape(0);
        if (kind == Kind.NOT && t != DType.INT64) {
            throw new IllegalArgumentException("Not takes bool input, not " + t);
        }
        if (t != DType.FLOAT32 && !(t == DType.INT64 && (kind == Kind.NEG || kind == Kind.ABS || kind == Kind.SIGN
                || kind == Kind.NOT || (kind == Kind.CLIP && node.opset() >= 12)))) {
            throw new IllegalArgumentException(node.opType() + " supports float32 only, not " + t);
        }
        if (kind == Kind.CLIP) {
            for (int i = 1; i <= 2; i++) {
                if (ctx.has(i) && (ctx.type(i) != t || ctx.shape(i).size() != 1)) {
                    throw new IllegalArgumentException("Clip's " + (i == 1 ? "min" : "max")
                            + " must be a single " + t + ", not " + ctx.type(i) + ctx.shape(i));
                }
            }
        }
        ShapeOps.declare(this, ctx, t, s);
    }

    @Override
    public void run(Tensor[] in, Tensor[] out) {
        MemorySegment x = in[0].segment();
        MemorySegment y = out[0].segment();
        long n = in[0].size();
        if (in[0].type() == DType.INT64) {
            long min = kind == Kind.CLIP && in.length > 1 && in[1] != null ? in[1].getLong(0) : Long.MIN_VALUE;
            long max = kind == Kind.CLIP && in.length > 2 && in[2] != null ? in[2].getLong(0) : Long.MAX_VALUE;
            for (long i = 0; i < n; i++) {
                long v = x.getAtIndex(ValueLayout.JAVA_LONG, i);
                y.setAtIndex(ValueLayout.JAVA_LONG, i, switch (kind) {
                    case NEG -> -v;
                    case ABS -> Math.abs(v);
                    case NOT -> v == 0 ? 1 : 0;
                    case CLIP -> Math.min(Math.max(v, min), max);
                    default -> Long.signum(v);
                });
            }
            return;
        }
        switch (kind) {
            case RELU -> Activation.relu(y, 0, x, 0, n);
            case LEAKY_RELU -> Activation.leakyRelu(y, 0, x, 0, n, alpha);
            case SIGMOID -> Activation.sigmoid(y, 0, x, 0, n);
            case TANH -> Activation.tanh(y, 0, x, 0, n);
            case ERF -> Unary.erf(y, 0, x, 0, n);
            case GELU -> Activation.gelu(y, 0, x, 0, n);
            case GELU_TANH -> Activation.geluTanh(y, 0, x, 0, n);
            case CLIP -> Activation.clip(y, 0, x, 0, n, bound(in, 1, lo), bound(in, 2, hi));
            case NEG -> Unary.neg(y, 0, x, 0, n);
            case ABS -> Unary.abs(y, 0, x, 0, n);
            case EXP -> Unary.exp(y, 0, x, 0, n);
            case LOG -> Unary.log(y, 0, x, 0, n);
            case SQRT -> Unary.sqrt(y, 0, x, 0, n);
            case RECIPROCAL -> Unary.reciprocal(y, 0, x, 0, n);
            case FLOOR -> Unary.floor(y, 0, x, 0, n);
            case CEIL -> Unary.ceil(y, 0, x, 0, n);
            case ELU -> Activation.elu(y, 0, x, 0, n, alpha);
            case SELU -> Activation.selu(y, 0, x, 0, n, alpha, beta);
            case HARD_SIGMOID -> Activation.hardSigmoid(y, 0, x, 0, n, alpha, beta);
            case SOFTPLUS -> Activation.softplus(y, 0, x, 0, n);
            case SOFTSIGN -> Activation.softsign(y, 0, x, 0, n);
            case HARD_SWISH -> Activation.hardSwish(y, 0, x, 0, n);
            case THRESHOLDED_RELU -> Activation.thresholdedRelu(y, 0, x, 0, n, alpha);
            case CELU -> Activation.celu(y, 0, x, 0, n, alpha);
            case SHRINK -> Activation.shrink(y, 0, x, 0, n, alpha, beta);
            case ROUND -> Unary.round(y, 0, x, 0, n);
            case SIGN -> Unary.sign(y, 0, x, 0, n);
        }
    }

    /** Clip's bound: input i when given (opset 11+), else the attribute or default. */
    private static float bound(Tensor[] in, int i, float dflt) {
        return i < in.length && in[i] != null ? in[i].getFloat(0) : dflt;
    }

    @Override
    public String describe() {
        return switch (kind) {
            case LEAKY_RELU, ELU, THRESHOLDED_RELU, CELU -> node.opType() + "(alpha=" + alpha + ")";
            case SHRINK -> node.opType() + "(lambd=" + alpha + ", bias=" + beta + ")";
            case SELU -> node.opType() + "(alpha=" + alpha + ", gamma=" + beta + ")";
            case HARD_SIGMOID -> node.opType() + "(alpha=" + alpha + ", beta=" + beta + ")";
            case GELU_TANH -> "Gelu(tanh)";
            default -> node.opType();
        };
    }
}
