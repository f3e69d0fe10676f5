package org.helu4j.op;

import java.util.Arrays;
import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.tensor.Shape;

/**
 * Expand and Tile, both strided copies whose source strides are 0 along repeated axes. Tile of {@code [d0, d1]}
 * by {@code [r0, r1]} is read as the box {@code [r0, d0, r1, d1]} with source strides {@code [0, s0, 0, s1]},
 * whose row-major layout is exactly the tiled output.
 */
final class ExpandTileOps {
    private ExpandTileOps() {
    }

    static final class Expand extends Op {
        Expand(Node node) {
            super(node);
        }

        static Shape broadcast(Shape in, long[] shape) {
            int r = Math.max(in.rank(), shape.length);
            long[] dims = new long[r];
            for (int k = 0; k < r; k++) {
                int i = k - (r - in.rank());
                int j = k - (r - shape.length);
                long a = i >= 0 ? in.dim(i) : 1;
                long b = j >= 0 ? shape[j] : 1;
                if (a != b && a != 1 && b != 1) {
                    throw new IllegalArgumentException("cannot expand " + in + " to " + Arrays.toString(shape));
                }
                dims[k] = a == 1 ? b : a;
            }
            return Shape.of(dims);
        }

        @Override
        public void infer(InferContext ctx) {
            ShapeOps.declare(this, ctx, ctx.type(0), broadcast(ctx.shape(0), ctx.longs(1)));
        }

        private final Strided.LastPlan last = new Strided.LastPlan();

        @Override
        public void run(Tensor[] in, Tensor[] out) {
            Shape is = in[0].shape();
            int esize = in[0].type().byteSize();
            Strided copy = last.get(is, out[0].shape());
            if (copy == null) {
                copy = last.put(is, out[0].shape(), plan(is, out[0].shape(), esize));
            }
            copy.run(in[0].segment(), out[0].segment());
        }

        private static Strided plan(Shape is, Shape os, int esize) {
            int[] dims = os.dims();
            int r = dims.length;
            long[] inStrides = is.strides();
            long[] src = new long[r];
            for (int k = 0; k < r; k++) {
                int i = k - (r - is.rank());
                src[k] = i >= 0 && is.dim(i) == dims[k] ? inStrides[i] : 0;
            }
            return Strided.plan(0, src, 0, Strided.strides(dims), dims, esize);
        }
    }

    static final class Tile extends Op {
        Tile(Node node) {
            super(node);
        }

        private static long[] repeats(Shape in, long[] reps) {
            if (reps.length != in.rank()) {
                throw new IllegalArgumentException("repeats " + Arrays.toString(reps)
                        + " must have one value per axis of " + in);
            }
            for (long r : reps) {
                if (r < 0) {
                    throw new IllegalArgumentException("negative repeat in " + Arrays.toString(reps));
                }
            }
            return reps;
        }

        @Override
        public void infer(InferContext ctx) {
            Shape in = ctx.shape(0);
            long[] reps = repeats(in, ctx.longs(1));
            long[] dims = new long[in.rank()];
            for (int k = 0; k < dims.length; k++) {
                dims[k] = Math.multiplyExact(in.dim(k), reps[k]);
            }
            ShapeOps.declare(this, ctx, ctx.type(0), Shape.of(dims));
        }

        private final Strided.LastPlan last = new Strided.LastPlan();

        @Override
        public void run(Tensor[] in, Tensor[] out) {
            Shape is = in[0].shape();
            int esize = in[0].type().byteSize();
            // the output shape fixes the repeats (where the input is not empty, and then there is nothing to copy)
            Strided copy = last.get(is, out[0].shape());
            if (copy == null) {
                copy = last.put(is, out[0].shape(), plan(is, in[1].toLongArray(), esize));
            }
            copy.run(in[0].segment(), out[0].segment());
        }

        private static Strided plan(Shape is, long[] repeats, int esize) {
            long[] reps = repeats(is, repeats);
            int r = is.rank();
            long[] inStrides = is.strides();
            int[] box = new int[2 * r];
            long[] src = new long[2 * r];
            for (int k = 0; k < r; k++) {
                box[2 * k] = (int) reps[k];
                box[2 * k + 1] = is.dim(k);
                src[2 * k + 1] = inStrides[k];
            }
            return Strided.plan(0, src, 0, Strided.strides(box), box, esize);
        }
    }
}
