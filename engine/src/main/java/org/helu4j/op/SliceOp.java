package org.helu4j.op;

import java.util.Arrays;
import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.tensor.Shape;

/**
 * Slice: starts, ends, axes and steps as attributes before opset 10, as int64 inputs from 10. Out-of-range starts
 * and ends are clamped, as ONNX specifies. The result is an affine view of the input (offset and scaled strides),
 * copied with {@link Strided#copy}.
 */
final class SliceOp extends Op {
    private final long[] startsAttr;
    private final long[] endsAttr;
    private final long[] axesAttr;

    SliceOp(Node node) {
        super(node);
        if (node.opset() < 10) {
            startsAttr = node.attributes().getInts("starts");
            endsAttr = node.attributes().getInts("ends");
            axesAttr = node.attributes().getInts("axes");
            if (startsAttr == null || endsAttr == null) {
                throw new IllegalArgumentException("attributes 'starts' and 'ends' are required before opset 10");
            }
        } else {
            startsAttr = endsAttr = axesAttr = null;
        }
    }

    /** Per input axis: {start, step, count}. */
    private long[][] plan(Shape in, long[] starts, long[] ends, long[] axes, long[] steps) {
        int rank = in.rank();
        if (ends.length != starts.length || (axes != null && axes.length != starts.length)
                || (steps != null && steps.length != starts.length)) {
            throw new IllegalArgumentException("starts " + Arrays.toString(starts) + ", ends " + Arrays.toString(ends)
                    + ", axes and steps must have the same length");
        }
        long[][] p = new long[rank][];
        for (int k = 0; k < rank; k++) {
            p[k] = new long[] {0, 1, in.dim(k)};
        }
        int[] ax = axes == null ? null : ShapeOps.axes(axes, rank);
        for (int i = 0; i < starts.length; i++) {
            int k = ax == null ? i : ax[i];
            if (k >= rank) {
                throw new IllegalArgumentException("too many starts for rank " + rank);
            }
            long dim = in.dim(k);
            long step = steps == null ? 1 : steps[i];
            if (step == 0) {
                throw new IllegalArgumentException("slice step cannot be 0");
            }
            step = Math.max(-dim - 1, Math.min(dim + 1, step)); // a larger stride still takes one element; no overflow
            long start = starts[i] < 0 ? starts[i] + dim : starts[i];
            long end = ends[i] < 0 ? ends[i] + dim : ends[i];
            long count;
            if (step > 0) {
                start = clamp(start, 0, dim);
                end = clamp(end, 0, dim);
                count = end > start ? (end - start + step - 1) / step : 0;
            } else {
                start = clamp(start, 0, dim - 1);
                end = clamp(end, -1, dim - 1);
                count = start > end ? (start - end - step - 1) / -step : 0;
            }
            p[k] = new long[] {start, step, dim == 0 ? 0 : count};
        }
        return p;
    }

    private static long clamp(long v, long lo, long hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    private long[][] plan(Shape in, Tensor[] values) {
        if (node.opset() < 10) {
            return plan(in, startsAttr, endsAttr, axesAttr, null);
        }
        return plan(in, values[1].toLongArray(), values[2].toLongArray(),
                values.length > 3 && values[3] != null ? values[3].toLongArray() : null,
                values.length > 4 && values[4] != null ? values[4].toLongArray() : null);
    }

    @Override
    public void infer(InferContext ctx) {
        Shape in = ctx.shape(0);
        if (node.opset() >= 10 && !(ctx.has(1) && ctx.has(2))) {
            throw new IllegalArgumentException("inputs 'starts' and 'ends' are required");
        }
        Tensor[] values = new Tensor[ctx.inputCount()];
        for (int i = 1; i < values.length && node.opset() >= 10; i++) {
            values[i] = ctx.has(i) ? ctx.value(i) : null;
        }
        long[][] p = plan(in, values);
        long[] dims = new long[in.rank()];
        for (int k = 0; k < dims.length; k++) {
            dims[k] = p[k][2];
        }
        ShapeOps.declare(this, ctx, ctx.type(0), Shape.of(dims));
    }

    /** One input shape and slice parameters, resolved to a strided copy. */
    private record Plan(Shape shape, long[][] params, Strided copy) {
        boolean matches(Tensor[] in) {
            if (!shape.equals(in[0].shape())) {
                return false;
            }
            for (int i = 1; i < params.length; i++) {
                if (!Strided.same(i < in.length ? in[i] : null, params[i])) {
                    return false;
                }
            }
            return true;
        }
    }

    private volatile Plan last; // the plan of the last run: the same shape and parameters run without allocating

    @Override
    public void run(Tensor[] in, Tensor[] out) {
        Plan p = last;
        if (p == null || !p.matches(in)) {
            p = plan(in, out[0].shape());
            last = p;
        }
        p.copy.run(in[0].segment(), out[0].segment());
    }

    private Plan plan(Tensor[] in, Shape os) {
        Shape s = in[0].shape();
        long[][] p = plan(s, in);
        long[] strides = s.strides();
        long offset = 0;
        long[] srcStrides = new long[s.rank()];
        for (int k = 0; k < s.rank(); k++) {
            offset += p[k][0] * strides[k];
            srcStrides[k] = p[k][1] * strides[k];
        }
        int[] dims = os.dims();
        long[][] params = new long[node.opset() < 10 ? 1 : 5][];
        for (int i = 1; i < params.length; i++) {
            params[i] = i < in.length && in[i] != null ? in[i].toLongArray() : null;
        }
        return new Plan(s, params, Strided.plan(offset, srcStrides, 0, Strided.strides(dims), dims,
                in[0].type().byteSize()));
    }
}
