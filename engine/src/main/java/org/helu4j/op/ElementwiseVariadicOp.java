package org.helu4j.op;

import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.kernel.Binary;
import org.helu4j.kernel.Broadcast;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * Sum, Mean, Max and Min over one or more inputs, broadcast together. The output accumulates pairwise, in input
 * order: out = in0 op in1, then out = out op in_k; Mean divides the sum by the count. Max and Min follow
 * Math.max/min (NaN propagates) and also take int64.
 */
final class ElementwiseVariadicOp extends Op {
    private final int op;
    private final boolean mean;
    /** The last plan for each input from the second on; immutable plans, reused while the shapes repeat. */
    private final Broadcast[] plans;

    ElementwiseVariadicOp(Node node, int op, boolean mean) {
        super(node);
        this.op = op;
        this.mean = mean;
        this.plans = new Broadcast[Math.max(node.inputs().size(), 1)];
        if (node.inputs().isEmpty()) {
            throw new IllegalArgumentException("needs at least one input");
        }
        for (int i = 0; i < node.inputs().size(); i++) {
            if (!node.hasInput(i)) {
                throw new IllegalArgumentException("input " + i + " is empty");
            }
        }
    }

    @Override
    public void infer(InferContext ctx) {
        DType t = ctx.type(0);
        Shape s = ctx.shape(0);
        for (int i = 1; i < ctx.inputCount(); i++) {
            if (ctx.type(i) != t) {
                throw new IllegalArgumentException("input types differ: " + t + " and " + ctx.type(i));
            }
            s = Broadcast.shape(s, ctx.shape(i));
        }
        if (t != DType.FLOAT32 && op != Binary.MAX && op != Binary.MIN) {
            throw new IllegalArgumentException(node.opType() + " supports float32 only, not " + t);
        }
        ShapeOps.declare(this, ctx, t, s);
    }

    @Override
    public void run(Tensor[] in, Tensor[] out) {
        Tensor y = out[0];
        if (y.size() == 0) {
            return;
        }
        if (in.length == 1) {
            in[0].copyTo(y);
            return;
        }
        boolean f = y.type() == DType.FLOAT32;
        Tensor acc = in[0];
        for (int k = 1; k < in.length; k++) {
            Broadcast plan = plans[k];
            if (plan == null || !plan.matches(y.shape(), acc.shape(), in[k].shape())) {
                plan = Broadcast.plan(y.shape(), acc.shape(), in[k].shape());
                plans[k] = plan;  // racy but safe: plans are immutable (final fields) and checked before use
            }
            if (f) {
                Binary.apply(op, y.segment(), acc.segment(), in[k].segment(), plan);
            } else {
                Binary.applyLong(op, y.segment(), acc.segment(), in[k].segment(), plan);
            }
            acc = y;  // in place from here on: same shape, same index read and written
        }
        if (mean) {
            Binary.vs(Binary.DIV, y.segment(), 0, y.segment(), 0, in.length, y.size());
        }
    }
}
