package org.helu4j.op;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * Ops whose output size depends on the data: Compress, NonZero and TopK (whose k is an input from opset 10).
 * Their inference reads the deciding values, so they run at load time only on constants.
 */
final class SelectOps {
    private SelectOps() {
    }

    static double number(Tensor t, long i) {
        return t.type() == DType.FLOAT32 ? t.getFloat(i) : t.getLong(i);
    }

    /** Compress(input, condition): the slices along axis (or elements of the flattened input) where condition holds. */
    static final class Compress extends Op {
        private final Long axis;

        Compress(Node node) {
            super(node);
            axis = node.attributes().has("axis") ? node.attributes().getInt("axis", 0) : null;
        }

        private static long selected(Tensor cond, long limit) {
            long n = 0;
            for (long i = 0, m = Math.min(cond.size(), limit); i < m; i++) {
                n += number(cond, i) != 0 ? 1 : 0;
            }
            return n;
        }

        @Override
        public void infer(InferContext ctx) {
            Shape s = ctx.shape(0);
            Tensor cond = ctx.value(1);
            if (cond.shape().rank() != 1) {
                throw new IllegalArgumentException("condition must be 1-D, not " + cond.shape());
            }
            if (axis == null) {
                ShapeOps.declare(this, ctx, ctx.type(0), Shape.of(selected(cond, s.size())));
                return;
            }
            int a = s.axis(axis);
            long[] dims = s.longDims();
            dims[a] = selected(cond, s.dim(a));
            ShapeOps.declare(this, ctx, ctx.type(0), Shape.of(dims));
        }

        @Override
        public void run(Tensor[] in, Tensor[] out) {
            Shape s = in[0].shape();
            Tensor cond = in[1];
            int esize = in[0].type().byteSize();
            long outer = axis == null ? 1 : s.size(0, s.axis(axis));
            long n = axis == null ? s.size() : s.dim(s.axis(axis));
            long inner = axis == null ? 1 : s.size(s.axis(axis) + 1, s.rank());
            long kept = out[0].size() / Math.max(1, outer * inner);
            for (long o = 0; o < outer; o++) {
                long j = 0;
                for (long i = 0; i < Math.min(n, cond.size()); i++) {
                    if (number(cond, i) != 0) {
                        MemorySegment.copy(in[0].segment(), ((o * n + i) * inner) * esize, out[0].segment(),
                                ((o * kept + j) * inner) * esize, inner * esize);
                        j++;
                    }
                }
            }
        }
    }

    /** NonZero: the int64 coordinates, [rank, count], of the non-zero elements in row-major order. */
    static final class NonZero extends Op {
        NonZero(Node node) {
            super(node);
        }

        @Override
        public void infer(InferContext ctx) {
            Tensor x = ctx.value(0);
            long count = 0;
            for (long i = 0; i < x.size(); i++) {
                count += number(x, i) != 0 ? 1 : 0;
            }
            ShapeOps.declare(this, ctx, DType.INT64, Shape.of(x.shape().rank(), count));
        }

        @Override
        public void run(Tensor[] in, Tensor[] out) {
            Shape s = in[0].shape();
            long count = out[0].shape().dim(1);
            long[] st = s.strides();
            MemorySegment y = out[0].segment();
            long j = 0;
            for (long i = 0; i < in[0].size(); i++) {
                if (number(in[0], i) != 0) {
                    for (int k = 0; k < s.rank(); k++) {
                        y.setAtIndex(ValueLayout.JAVA_LONG, k * count + j, i / st[k] % s.dim(k));
                    }
                    j++;
                }
            }
        }
    }

    /** TopK: the k largest (or smallest) along axis, with their indices; ties keep the lower index first. */
    static final class TopK extends Op {
        private final long axis;
        private final boolean largest;
        private final long kAttr;

        TopK(Node node) {
            super(node);
            axis = node.attributes().getInt("axis", -1);
            largest = node.attributes().getInt("largest", 1) != 0;
            kAttr = node.opset() < 10 ? node.attributes().getInt("k", -1) : -1;
            if (node.opset() < 10 && kAttr < 0) {
                throw new IllegalArgumentException("attribute 'k' is required before opset 10");
            }
        }

        private long k(Tensor kT, Shape s, int a) {
            long k = kAttr >= 0 ? kAttr : kT.getLong(0);
            if (k < 0 || k > s.dim(a)) {
                throw new IllegalArgumentException("k = " + k + " is out of range for axis " + a + " of " + s);
            }
            return k;
        }

        @Override
        public void infer(InferContext ctx) {
            Shape s = ctx.shape(0);
            int a = s.axis(axis);
            if (kAttr < 0) {
                ShapeOps.requireLongScalar(ctx, 1, "k");
            }
            long[] dims = s.longDims();
            dims[a] = k(kAttr >= 0 ? null : ctx.value(1), s, a);
            Shape o = Shape.of(dims);
            ShapeOps.declare(this, ctx, new DType[] {ctx.type(0), DType.INT64}, new Shape[] {o, o});
        }

        @Override
        public void run(Tensor[] in, Tensor[] out) {
            Shape s = in[0].shape();
            int a = s.axis(axis);
            int k = (int) k(kAttr >= 0 ? null : in[1], s, a);
            long outer = s.size(0, a);
            int n = s.dim(a);
            long inner = s.size(a + 1, s.rank());
            Integer[] order = new Integer[n];
            double[] v = new double[n];
            for (long o = 0; o < outer; o++) {
                for (long i = 0; i < inner; i++) {
                    for (int r = 0; r < n; r++) {
                        v[r] = number(in[0], (o * n + r) * inner + i);
                        order[r] = r;
                    }
                    // NaN counts as the largest value, as in NumPy's sort; a stable sort keeps ties in index order
                    java.util.Arrays.sort(order, (p, q) -> largest ? Double.compare(v[q], v[p]) : Double.compare(v[p], v[q]));
                    for (int j = 0; j < k; j++) {
                        long e = (o * k + j) * inner + i;
                        if (out[0] != null) {
                            GeneratorOps.set(out[0].segment(), e, out[0].type(), v[order[j]]);
                        }
                        if (out.length > 1 && out[1] != null) {
                            out[1].segment().setAtIndex(ValueLayout.JAVA_LONG, e, order[j]);
                        }
                    }
                }
            }
        }
    }
}
