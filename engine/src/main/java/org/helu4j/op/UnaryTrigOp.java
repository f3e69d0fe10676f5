package org.helu4j.op;

import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.kernel.Trig;
import org.helu4j.tensor.DType;

/** Sin, Cos, Tan, their inverses, and the hyperbolic functions and their inverses, on float32. */
final class UnaryTrigOp extends Op {
    private final int fn;

    UnaryTrigOp(Node node, int fn) {
        super(node);
        this.fn = fn;
    }

    @Override
    public void infer(InferContext ctx) {
        if (ctx.type(0) != DType.FLOAT32) {
            throw new IllegalArgumentException(node.opType() + " supports float32 only, not " + ctx.type(0));
        }
        ctx.output(0, DType.FLOAT32, ctx.shape(0));
    }

    @Override
    public void run(Tensor[] in, Tensor[] out) {
        Trig.apply(fn, out[0].segment(), 0, in[0].segment(), 0, in[0].size());
    }
}
