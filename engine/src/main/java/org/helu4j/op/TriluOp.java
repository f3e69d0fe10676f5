package org.helu4j.op;

import java.lang.foreign.MemorySegment;
import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.tensor.Shape;

/**
 * Trilu: keeps the upper ({@code j - i >= k}) or lower ({@code j - i <= k}) triangle of each trailing matrix and
 * zeroes the rest. The diagonal offset {@code k} is an optional int64 input.
 */
final class TriluOp extends Op {
    private final boolean upper;

    TriluOp(Node node) {
        super(node);
        upper = node.attributes().getInt("upper", 1) != 0;
    }

    @Override
    public void infer(InferContext ctx) {
        Shape s = ctx.shape(0);
        if (s.rank() < 2) {
            throw new IllegalArgumentException("Trilu needs rank 2 or more, not " + s);
        }
        ShapeOps.requireLongScalar(ctx, 1, "k");
        ShapeOps.declare(this, ctx, ctx.type(0), s);
    }

    @Override
    public void run(Tensor[] in, Tensor[] out) {
        Shape s = in[0].shape();
        int rows = s.dim(s.rank() - 2);
        int cols = s.dim(s.rank() - 1);
        long k = in.length > 1 && in[1] != null ? in[1].getLong(0) : 0;
        k = Math.max(-(long) rows - 1, Math.min(cols + 1L, k)); // beyond these, every offset gives the same result
        long matrices = s.size(0, s.rank() - 2);
        int esize = in[0].type().byteSize();
        MemorySegment src = in[0].segment();
        MemorySegment dst = out[0].segment();
        dst.asSlice(0, s.size() * esize).fill((byte) 0); // 0 is all-zero bits for float32 and int64 alike
        for (long m = 0; m < matrices; m++) {
            for (int i = 0; i < rows; i++) {
                // the kept columns of row i: [i + k, cols) for upper, [0, i + k] for lower
                long from = upper ? Math.max(0, Math.min(cols, i + k)) : 0;
                long to = upper ? cols : Math.max(0, Math.min(cols, i + k + 1));
                if (to > from) {
                    long off = (m * rows + i) * cols + from;
                    MemorySegment.copy(src, off * esize, dst, off * esize, (to - from) * esize);
                }
            }
        }
    }
}
