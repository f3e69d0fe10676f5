package org.helu4j.op;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * GatherElements: {@code out[i..j..k] = data[i..indices[i..j..k]..k]}, where the index replaces the coordinate
 * on {@code axis}. The output has the shape of the indices, whose other dimensions may be smaller than the data's.
 */
final class GatherElementsOp extends Op {
    private final long axis;

    GatherElementsOp(Node node) {
        super(node);
        axis = node.attributes().getInt("axis", 0);
    }

    @Override
    public void infer(InferContext ctx) {
        Shape data = ctx.shape(0);
        Shape idx = ctx.shape(1);
        if (ctx.type(1) != DType.INT64) {
            throw new IllegalArgumentException("indices must be integers, not " + ctx.type(1));
        }
        int a = data.axis(axis);
        boolean ok = data.rank() == idx.rank() && data.rank() > 0;
        for (int k = 0; ok && k < data.rank(); k++) {
            ok = k == a || idx.dim(k) <= data.dim(k);
        }
        if (!ok) {
            throw new IllegalArgumentException("indices " + idx + " do not fit data " + data + " on axis " + a);
        }
        ShapeOps.declare(this, ctx, ctx.type(0), idx);
    }

    @Override
    public void run(Tensor[] in, Tensor[] out) {
        Shape data = in[0].shape();
        Shape is = in[1].shape();
        int a = data.axis(axis);
        int rank = data.rank();
        long[] ds = data.strides();
        int n = data.dim(a);
        int esize = in[0].type().byteSize();
        MemorySegment src = in[0].segment();
        MemorySegment dst = out[0].segment();
        MemorySegment ix = in[1].segment();
        int[] pos = new int[rank];
        long base = 0; // data offset of pos with the axis coordinate at 0
        for (long e = 0, total = is.size(); e < total; e++) {
            long i = ix.getAtIndex(ValueLayout.JAVA_LONG, e);
            if (i < -n || i >= n) {
                throw new IllegalArgumentException("index " + i + " is out of range for axis " + a + " of " + data);
            }
            long s = base + (i < 0 ? i + n : i) * ds[a];
            MemorySegment.copy(src, s * esize, dst, e * esize, esize);
            for (int k = rank - 1; k >= 0; k--) {
                if (k != a) {
                    base += ds[k];
                }
                if (++pos[k] < is.dim(k)) {
                    break;
                }
                if (k != a) {
                    base -= ds[k] * is.dim(k);
                }
                pos[k] = 0;
            }
        }
    }
}
