package org.helu4j.op;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * ArgMax and ArgMin along one axis, as int64 indices. Ties go to the first index, or the last with
 * {@code select_last_index}; a NaN wins over any number, as in NumPy.
 */
final class ArgExtremeOp extends Op {
    private final boolean max;
    private final long axis;
    private final boolean keepDims;
    private final boolean last;

    ArgExtremeOp(Node node, boolean max) {
        super(node);
        this.max = max;
        axis = node.attributes().getInt("axis", 0);
        keepDims = node.attributes().getInt("keepdims", 1) != 0;
        last = node.attributes().getInt("select_last_index", 0) != 0;
    }

    @Override
    public void infer(InferContext ctx) {
        Shape in = ctx.shape(0);
        int a = in.axis(axis);
        if (in.rank() > 0 && in.dim(a) == 0) {
            throw new IllegalArgumentException("cannot take " + node.opType() + " over empty axis " + a + " of " + in);
        }
        long[] dims = in.longDims();
        if (in.rank() > 0) {
            dims[a] = 1;
        }
        if (!keepDims && in.rank() > 0) {
            long[] d = new long[dims.length - 1];
            System.arraycopy(dims, 0, d, 0, a);
            System.arraycopy(dims, a + 1, d, a, d.length - a);
            dims = d;
        }
        ShapeOps.declare(this, ctx, DType.INT64, Shape.of(dims));
    }

    @Override
    public void run(Tensor[] in, Tensor[] out) {
        Shape s = in[0].shape();
        int a = s.rank() == 0 ? 0 : s.axis(axis);
        long outer = s.rank() == 0 ? 1 : s.size(0, a);
        int n = s.rank() == 0 ? 1 : s.dim(a);
        long inner = s.rank() == 0 ? 1 : s.size(a + 1, s.rank());
        MemorySegment x = in[0].segment();
        MemorySegment y = out[0].segment();
        boolean isFloat = in[0].type() == DType.FLOAT32;
        for (long o = 0; o < outer; o++) {
            for (long i = 0; i < inner; i++) {
                long base = o * n * inner + i;
                int best = 0;
                double bestValue = value(x, base, isFloat);
                for (int r = 1; r < n && !Double.isNaN(bestValue); r++) {
                    double v = value(x, base + r * inner, isFloat);
                    boolean better = Double.isNaN(v) || (max ? v > bestValue : v < bestValue) || (last && v == bestValue);
                    if (better) {
                        best = r;
                        bestValue = v;
                    }
                }
                y.setAtIndex(ValueLayout.JAVA_LONG, o * inner + i, best);
            }
        }
    }

    private static double value(MemorySegment x, long i, boolean isFloat) {
        return isFloat ? x.getAtIndex(ValueLayout.JAVA_FLOAT, i) : (double) x.getAtIndex(ValueLayout.JAVA_LONG, i);
    }
}
