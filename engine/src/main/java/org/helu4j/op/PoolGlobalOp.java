package org.helu4j.op;

import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.kernel.Pool;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/** ONNX GlobalAveragePool and GlobalMaxPool: X [N, C, spatial...] to [N, C, 1, ...]. */
final class PoolGlobalOp extends Op {
    private final boolean max;

    PoolGlobalOp(Node node, boolean max) {
        super(node);
        this.max = max;
    }

    @Override
    public void infer(InferContext ctx) {
        ConvOp.requireFloat(ctx, 0, "X");
        Shape x = ctx.shape(0);
        if (x.rank() < 3) {
            throw new IllegalArgumentException("input X must be [N, C, spatial...], not shape " + x);
        }
        int[] dims = x.dims();
        for (int i = 2; i < dims.length; i++) {
            if (dims[i] == 0) {
                throw new IllegalArgumentException("input X " + x + " has an empty spatial axis");
            }
            dims[i] = 1;
        }
        ctx.output(0, DType.FLOAT32, Shape.of(dims));
    }

    @Override
    public void run(Tensor[] in, Tensor[] out) {
        Shape x = in[0].shape();
        long planes = x.size(0, 2);
        long spatial = x.size(2, x.rank());
        if (max) {
            Pool.globalMax(out[0].segment(), in[0].segment(), planes, spatial);
        } else {
            Pool.globalAvg(out[0].segment(), in[0].segment(), planes, spatial);
        }
    }
}
