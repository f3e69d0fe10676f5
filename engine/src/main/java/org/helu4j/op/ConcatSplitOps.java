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

        @Override
        public void run(Tensor[] in, Tensor[] out) {
            Shape os = out[0].shape();
            int a = os.axis(axis);
            int outer = (int) os.size(0, a);
            long outChunk = os.size(a, os.rank());
            int esize = out[0].type().byteSize();
            long offset = 0;
            for (Tensor t : in) {
                long chunk = t.shape().size(a, os.rank());
                if (chunk > 0) {
                    Strided.copy(t.segment(), 0, new long[] {chunk, 1}, out[0].segment(), offset,
                            new long[] {outChunk, 1}, new int[] {outer, (int) chunk}, esize);
                }
                offset += chunk;
            }
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

        @Override
        public void run(Tensor[] in, Tensor[] out) {
            Shape is = in[0].shape();
            int a = is.axis(axis);
            long[] given = node.opset() >= 13 && in.length > 1 && in[1] != null ? in[1].toLongArray() : null;
            long[] split = sizes(given, is, a);
            int outer = (int) is.size(0, a);
            long inner = is.size(a + 1, is.rank());
            long inChunk = is.dim(a) * inner;
            int esize = in[0].type().byteSize();
            long offset = 0;
            for (int j = 0; j < out.length; j++) {
                long chunk = split[j] * inner;
                if (out[j] != null && chunk > 0) {
                    Strided.copy(in[0].segment(), offset, new long[] {inChunk, 1}, out[j].segment(), 0,
                            new long[] {chunk, 1}, new int[] {outer, (int) chunk}, esize);
                }
                offset += chunk;
            }
        }
    }
}
