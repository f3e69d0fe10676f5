package org.helu4j.op;

import java.util.Arrays;
import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * Concat and Split, each a copy of [outer, chunk] blocks, where outer is the product of the dimensions before the
 * axis and a chunk is the contiguous run from the axis on.
 */
final class ConcatSplitOps {
    private ConcatSplitOps() {
    }

    static final class Concat extends Op {
        private final long axis;

        Concat(Node node) {
            super(node);
            if (!node.attributes().has("axis")) {
                throw new IllegalArgumentException("attribute 'axis' is required");
            }
            axis = node.attributes().getInt("axis", 0);
        }

        @Override
        public void infer(InferContext ctx) {
            int n = ctx.inputCount();
            if (n == 0 || !ctx.has(0)) {
                throw new IllegalArgumentException("Concat needs at least one input");
            }
            Shape first = ctx.shape(0);
            DType type = ctx.type(0);
            if (first.rank() == 0) {
                throw new IllegalArgumentException("cannot concatenate scalars");
            }
            int a = first.axis(axis);
            int[] dims = first.dims();
            long total = 0;
            for (int i = 0; i < n; i++) {
                Shape s = ctx.shape(i);
                if (ctx.type(i) != type) {
                    throw new IllegalArgumentException("input " + i + " is " + ctx.type(i) + ", input 0 is " + type);
                }
                boolean ok = s.rank() == first.rank();
                for (int k = 0; ok && k < s.rank(); k++) {
                    ok = k == a || s.dim(k) == first.dim(k);
                }
                if (!ok) {
                    throw new IllegalArgumentException("cannot concatenate " + first + " and " + s + " on axis " + a);
                }
                total += s.dim(a);
            }
            dims[a] = Math.toIntExact(total);
            ShapeOps.declare(this, ctx, type, Shape.of(dims));
        }

        /** One copy per input, for one set of input shapes. */
        private record Plan(Shape[] shapes, Strided[] copies) {
            boolean matches(Tensor[] in) {
                if (in.length != shapes.length) {
                    return false;
                }
                for (int i = 0; i < in.length; i++) {
                    if (!in[i].shape().equals(shapes[i])) {
                        return false;
                    }
                }
                return true;
            }
        }

        private volatile Plan last; // the plan of the last run: same shapes run again without allocating

        @Override
        public void run(Tensor[] in, Tensor[] out) {
            Plan p = last;
            if (p == null || !p.matches(in)) {
                p = plan(in, out[0].shape());
                last = p;
            }
            for (int i = 0; i < in.length; i++) {
                p.copies[i].run(in[i].segment(), out[0].segment());
            }
        }

        private Plan plan(Tensor[] in, Shape os) {
            int a = os.axis(axis);
            int outer = (int) os.size(0, a);
            long outChunk = os.size(a, os.rank());
            int esize = in[0].type().byteSize();
            Shape[] shapes = new Shape[in.length];
            Strided[] copies = new Strided[in.length];
            long offset = 0;
            for (int i = 0; i < in.length; i++) {
                shapes[i] = in[i].shape();
                long chunk = shapes[i].size(a, os.rank());
                copies[i] = Strided.plan(0, new long[] {chunk, 1}, offset, new long[] {outChunk, 1},
                        new int[] {outer, (int) chunk}, esize);
                offset += chunk;
            }
            return new Plan(shapes, copies);
        }
    }

    static final class Split extends Op {
        private final long axis;
        private final long[] splitAttr;

        Split(Node node) {
            super(node);
            axis = node.attributes().getInt("axis", 0);
            splitAttr = node.opset() < 13 ? node.attributes().getInts("split") : null;
            if (node.outputs().isEmpty()) {
                throw new IllegalArgumentException("Split needs at least one output");
            }
        }

        private long[] sizes(long[] given, Shape in, int a) {
            int parts = node.outputs().size();
            long[] split = node.opset() < 13 ? splitAttr : given;
            if (split == null) {
                if (in.dim(a) % parts != 0) {
                    throw new IllegalArgumentException("cannot split dimension " + in.dim(a) + " of " + in
                            + " into " + parts + " equal parts");
                }
                split = new long[parts];
                Arrays.fill(split, in.dim(a) / parts);
            }
            long sum = 0;
            for (long s : split) {
                if (s < 0) {
                    throw new IllegalArgumentException("negative split size in " + Arrays.toString(split));
                }
                sum = Math.addExact(sum, s);
            }
            if (split.length != parts || sum != in.dim(a)) {
                throw new IllegalArgumentException("split " + Arrays.toString(split) + " does not divide axis " + a
                        + " of " + in + " into " + parts + " outputs");
            }
            return split;
        }

        @Override
        public void infer(InferContext ctx) {
            Shape in = ctx.shape(0);
            if (in.rank() == 0) {
                throw new IllegalArgumentException("cannot split a scalar");
            }
            int a = in.axis(axis);
            long[] split = sizes(node.opset() >= 13 ? ShapeOps.optionalLongs(ctx, 1) : null, in, a);
            DType[] types = new DType[split.length];
            Shape[] shapes = new Shape[split.length];
            for (int j = 0; j < split.length; j++) {
                long[] dims = in.longDims();
                dims[a] = split[j];
                types[j] = ctx.type(0);
                shapes[j] = Shape.of(dims);
            }
            ShapeOps.declare(this, ctx, types, shapes);
        }

        /** One copy per output, for one input shape and split. */
        private record Plan(Shape shape, long[] given, Strided[] copies) {
        }

        private volatile Plan last;

        @Override
        public void run(Tensor[] in, Tensor[] out) {
            Tensor givenT = node.opset() >= 13 && in.length > 1 ? in[1] : null;
            Plan p = last;
            if (p == null || !p.shape.equals(in[0].shape()) || !Strided.same(givenT, p.given)) {
                p = plan(in[0], givenT == null ? null : givenT.toLongArray());
                last = p;
            }
            for (int j = 0; j < out.length; j++) {
                if (out[j] != null) {
                    p.copies[j].run(in[0].segment(), out[j].segment());
                }
            }
        }

        private Plan plan(Tensor x, long[] given) {
            Shape is = x.shape();
            int a = is.axis(axis);
            long[] split = sizes(given, is, a);
            int outer = (int) is.size(0, a);
            long inner = is.size(a + 1, is.rank());
            long inChunk = is.dim(a) * inner;
            int esize = x.type().byteSize();
            Strided[] copies = new Strided[split.length];
            long offset = 0;
            for (int j = 0; j < split.length; j++) {
                long chunk = split[j] * inner;
                copies[j] = Strided.plan(offset, new long[] {inChunk, 1}, 0, new long[] {chunk, 1},
                        new int[] {outer, (int) chunk}, esize);
                offset += chunk;
            }
            return new Plan(is, given, copies);
        }
    }
}
