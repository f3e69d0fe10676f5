package org.helu4j.op;

import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.kernel.LayerNorm;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * InstanceNormalization: each channel of each image, [N, C, spatial...], is normalized over its spatial values,
 * then scaled and shifted by that channel's {@code scale} and {@code B}.
 */
final class InstanceNormOp extends Op {
    private final float epsilon;

    InstanceNormOp(Node node) {
        super(node);
        epsilon = node.attributes().getFloat("epsilon", 1e-5f);
    }

    @Override
    public void infer(InferContext ctx) {
        Shape x = ctx.shape(0);
        for (int i = 0; i < 3; i++) {
            if (ctx.type(i) != DType.FLOAT32) {
                throw new IllegalArgumentException("InstanceNormalization supports float32 only, not " + ctx.type(i));
            }
        }
        if (x.rank() < 3) {
            throw new IllegalArgumentException("InstanceNormalization needs [N, C, spatial...], not " + x);
        }
        for (int i = 1; i < 3; i++) {
            if (ctx.shape(i).rank() != 1 || ctx.shape(i).dim(0) != x.dim(1)) {
                throw new IllegalArgumentException((i == 1 ? "scale " : "B ") + ctx.shape(i)
                        + " must have one value per channel of " + x);
            }
        }
        ctx.output(0, DType.FLOAT32, x);
    }

    @Override
    public void run(Tensor[] in, Tensor[] out) {
        Shape x = in[0].shape();
        int n = (int) x.size(2, x.rank());
        if (x.size() == 0) {
            return;
        }
        LayerNorm.normalizeChannels(out[0].segment(), in[0].segment(), in[1].segment(), in[2].segment(),
                (int) x.size(0, 2), x.dim(1), n, epsilon);
    }
}
