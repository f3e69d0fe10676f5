package org.helu4j.op;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * Gather: picks slices of {@code data} along {@code axis} by int64 indices (negative ones count from the end).
 * The output shape is {@code data[:axis] + indices + data[axis+1:]}; each picked slice is a contiguous run of
 * {@code inner} elements, copied whole.
 */
final class GatherOp extends Op {
    private final long axis;

    GatherOp(Node node) {
        super(node);
        axis = node.attributes().getInt("axis", 0);
    }

    @Override
    public void infer(InferContext ctx) {
        Shape data = ctx.shape(0);
        Shape indices = ctx.shape(1);
        if (ctx.type(1) != DType.INT64) {
            throw new IllegalArgumentException("indices must be integers, not " + ctx.type(1));
        }
        if (data.rank() == 0) {
            throw new IllegalArgumentException("cannot gather from a scalar");
        }
        int a = data.axis(axis);
        int[] dims = new int[data.rank() - 1 + indices.rank()];
        int r = 0;
        for (int k = 0; k < a; k++) {
            dims[r++] = data.dim(k);
        }
        for (int k = 0; k < indices.rank(); k++) {
            dims[r++] = indices.dim(k);
        }
        for (int k = a + 1; k < data.rank(); k++) {
            dims[r++] = data.dim(k);
        }
        ShapeOps.declare(this, ctx, ctx.type(0), Shape.of(dims));
    }

    @Override
    public void run(Tensor[] in, Tensor[] out) {
        Shape data = in[0].shape();
        int a = data.axis(axis);
        long outer = data.size(0, a);
        int n = data.dim(a);
        long inner = data.size(a + 1, data.rank());
        long count = in[1].size();
        int esize = in[0].type().byteSize();
        MemorySegment src = in[0].segment();
        MemorySegment dst = out[0].segment();
        MemorySegment idx = in[1].segment();
        long bytes = inner * esize;
        for (long k = 0; k < count; k++) {
            long i = idx.getAtIndex(ValueLayout.JAVA_LONG, k);
            if (i < -n || i >= n) {
                throw new IllegalArgumentException("index " + i + " is out of range for axis " + a + " of " + data);
            }
        }
        for (long o = 0; o < outer; o++) {
            for (long k = 0; k < count; k++) {
                long i = idx.getAtIndex(ValueLayout.JAVA_LONG, k);
                if (i < 0) {
                    i += n;
                }
                long from = (o * n + i) * inner;
                long to = (o * count + k) * inner;
                if (inner > 1) {
                    MemorySegment.copy(src, from * esize, dst, to * esize, bytes);
                } else if (esize == 4) { // single elements: a plain load and store beats a block copy
                    dst.setAtIndex(ValueLayout.JAVA_INT, to, src.getAtIndex(ValueLayout.JAVA_INT, from));
                } else {
                    dst.setAtIndex(ValueLayout.JAVA_LONG, to, src.getAtIndex(ValueLayout.JAVA_LONG, from));
                }
            }
        }
    }
}
