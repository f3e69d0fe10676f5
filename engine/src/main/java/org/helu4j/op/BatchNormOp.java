package org.helu4j.op;

import org.helu4j.Tensor;
import org.helu4j.graph.Attributes;
import org.helu4j.graph.Node;
import org.helu4j.kernel.BatchNorm;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * ONNX BatchNormalization in inference form: {@code Y = (X - mean) / sqrt(var + epsilon) * scale + B} along
 * axis 1 of an [N, C, ...] input. Before opset 9, {@code spatial = 0} gives one set of parameters per element of a
 * sample (shape [C, D1, ...]) instead of per channel. Training (running statistics as extra outputs, or
 * {@code training_mode = 1}) is refused. Constant parameters are folded into a multiplier and an offset once. A
 * Relu or Clip that {@code FuseActivation} folded into it clamps the result in the same pass.
 */
final class BatchNormOp extends Op {
    private final float epsilon;
    private final boolean spatial;
    /** The fused activation's clamp: [0, +inf) for Relu, Clip's bounds, or none. */
    private final float low, high;
    private volatile Folded folded;

    /** Per-channel {@code mul} and {@code add}, with the parameter tensors they were folded from. */
    private record Folded(Tensor[] sources, float[] mul, float[] add) {
        boolean matches(Tensor[] in) {
            for (int i = 0; i < 4; i++) {
                if (in[i + 1] != sources[i]) {
                    return false;
                }
            }
            return true;
        }
    }

    BatchNormOp(Node node) {
        super(node);
        Attributes at = node.attributes();
        epsilon = at.getFloat("epsilon", 1e-5f);
        if (!(epsilon >= 0)) {
            throw new IllegalArgumentException("epsilon must be >= 0, not " + epsilon);
        }
        long sp = node.opset() < 9 ? at.getInt("spatial", 1) : 1;
        if (sp != 0 && sp != 1) {
            throw new IllegalArgumentException("attribute 'spatial' must be 0 or 1, not " + sp);
        }
        spatial = sp == 1;
        switch (fusedActivation(node)) {
            case NONE -> {
                low = Float.NEGATIVE_INFINITY;
                high = Float.POSITIVE_INFINITY;
            }
            case RELU -> {
                low = 0f;
                high = Float.POSITIVE_INFINITY;
            }
            case CLIP -> {
                low = fusedActivationAlpha(node);
                high = fusedActivationBeta(node);
            }
            default -> throw new IllegalArgumentException("cannot fuse activation "
                    + node.attributes().getString(FUSED_ACTIVATION, null) + " into BatchNormalization");
        }
        if (at.getInt("training_mode", 0) != 0) {
            throw new IllegalArgumentException("training_mode = 1 is not supported: helu4j runs inference only;"
                    + " export the model in eval mode");
        }
        for (int i = 1; i < node.outputs().size(); i++) {
            if (!node.outputs().get(i).isEmpty()) {
                throw new IllegalArgumentException("the training outputs (running or saved mean and variance) are"
                        + " not supported: helu4j runs inference only; export the model in eval mode");
            }
        }
        for (int i = 0; i < 5; i++) {
            if (!node.hasInput(i)) {
                throw new IllegalArgumentException("BatchNormalization needs 5 inputs (X, scale, B, mean, var);"
                        + " input " + i + " is missing");
            }
        }
    }

    @Override
    public void infer(InferContext ctx) {
        Shape x = ctx.shape(0);
        if (x.rank() < 2) {
            throw new IllegalArgumentException("X is " + x + ": BatchNormalization needs rank 2 or more [N, C, ...]");
        }
        int c = channels(x);
        String[] names = {"X", "scale", "B", "mean", "var"};
        for (int i = 0; i < 5; i++) {
            if (ctx.type(i) != DType.FLOAT32) {
                throw new IllegalArgumentException(names[i] + " must be float32, not " + ctx.type(i));
            }
            if (i > 0 && ctx.shape(i).size() != c) {
                throw new IllegalArgumentException(names[i] + " is " + ctx.shape(i) + " but X is " + x + ": expected "
                        + c + " values" + (spatial ? ", one per channel" : ", one per element of a sample"));
            }
        }
        ctx.output(0, DType.FLOAT32, x);
        // At load time when X's shape is static, else at the first run: a batch dimension left symbolic stops
        // load-time inference, and folding in every run would allocate.
        if (folded == null && !ctx.isConstant(0) && ctx.isConstant(1) && ctx.isConstant(2) && ctx.isConstant(3)
                && ctx.isConstant(4)) {
            Tensor[] sources = {ctx.value(1), ctx.value(2), ctx.value(3), ctx.value(4)};
            folded = fold(sources, c);
        }
    }

    /** Parameters per sample: C, or C·D1·… when not spatial. */
    private int channels(Shape x) {
        return spatial ? x.dim(1) : (int) x.size(1, x.rank());
    }

    private Folded fold(Tensor[] p, int c) {
        float[] mul = new float[c];
        float[] add = new float[c];
        BatchNorm.coefficients(mul, add, p[0].segment(), p[1].segment(), p[2].segment(), p[3].segment(), epsilon, c);
        return new Folded(p, mul, add);
    }

    @Override
    public void run(Tensor[] in, Tensor[] out) {
        Shape x = in[0].shape();
        int c = channels(x);
        Folded f = folded;
        if (f == null || !f.matches(in)) {
            f = fold(new Tensor[] {in[1], in[2], in[3], in[4]}, c);
        }
        int n = x.dim(0);
        long inner = spatial ? x.size(2, x.rank()) : 1;
        BatchNorm.apply(out[0].segment(), 0, in[0].segment(), 0, n, c, inner, f.mul(), f.add(), low, high);
    }
}
