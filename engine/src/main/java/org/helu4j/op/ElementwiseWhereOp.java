package org.helu4j.op;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.kernel.Broadcast;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * Where(condition, X, Y): X where the condition (a bool, stored as int64) is non-zero, else Y, all three
 * broadcast together. A scalar loop over the output with one odometer: masks, not hot paths.
 */
final class ElementwiseWhereOp extends Op {
    ElementwiseWhereOp(Node node) {
        super(node);
        if (node.inputs().size() != 3 || !node.hasInput(0) || !node.hasInput(1) || !node.hasInput(2)) {
            throw new IllegalArgumentException("needs exactly 3 inputs, got " + node.inputs().size());
        }
    }

    @Override
    public void infer(InferContext ctx) {
        if (ctx.type(0) != DType.INT64) {
            throw new IllegalArgumentException("the condition must be bool, not " + ctx.type(0));
        }
        DType t = ctx.type(1);
        if (ctx.type(2) != t) {
            throw new IllegalArgumentException("X and Y types differ: " + t + " and " + ctx.type(2));
        }
        Shape out = Broadcast.shape(ctx.shape(0), Broadcast.shape(ctx.shape(1), ctx.shape(2)));
        ShapeOps.declare(this, ctx, t, out);
    }

    @Override
    public void run(Tensor[] in, Tensor[] out) {
        Shape so = out[0].shape();
        int r = so.rank();
        long[] sc = Broadcast.alignedStrides(in[0].shape(), so);
        long[] sx = Broadcast.alignedStrides(in[1].shape(), so);
        long[] sy = Broadcast.alignedStrides(in[2].shape(), so);
        MemorySegment c = in[0].segment();
        MemorySegment x = in[1].segment();
        MemorySegment y = in[2].segment();
        MemorySegment o = out[0].segment();
        boolean floats = out[0].type() == DType.FLOAT32;
        long[] idx = new long[r];
        long oc = 0;
        long ox = 0;
        long oy = 0;
        for (long i = 0, n = so.size(); i < n; i++) {
            boolean take = c.getAtIndex(ValueLayout.JAVA_LONG, oc) != 0;
            if (floats) {
                o.setAtIndex(ValueLayout.JAVA_FLOAT, i, (take ? x : y).getAtIndex(ValueLayout.JAVA_FLOAT, take ? ox : oy));
            } else {
                o.setAtIndex(ValueLayout.JAVA_LONG, i, (take ? x : y).getAtIndex(ValueLayout.JAVA_LONG, take ? ox : oy));
            }
            for (int d = r - 1; d >= 0; d--) {  // odometer: next output index, and each operand's offset
                if (++idx[d] < so.dim(d)) {
                    oc += sc[d];
                    ox += sx[d];
                    oy += sy[d];
                    break;
                }
                idx[d] = 0;
                oc -= sc[d] * (so.dim(d) - 1);
                ox -= sx[d] * (so.dim(d) - 1);
                oy -= sy[d] * (so.dim(d) - 1);
            }
        }
    }
}
