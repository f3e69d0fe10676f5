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

        @Override
        public void run(Tensor[] in, Tensor[] out) {
            Shape is = in[0].shape();
            int[] dims = out[0].shape().dims();
            int r = dims.length;
            long[] inStrides = is.strides();
            long[] src = new long[r];
            for (int k = 0; k < r; k++) {
                int i = k - (r - is.rank());
                src[k] = i >= 0 && is.dim(i) == dims[k] ? inStrides[i] : 0;
            }
            Strided.copy(in[0].segment(), 0, src, out[0].segment(), 0, Strided.strides(dims), dims,
                    in[0].type().byteSize());
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

        @Override
        public void run(Tensor[] in, Tensor[] out) {
            Shape is = in[0].shape();
            long[] reps = repeats(is, in[1].toLongArray());
            int r = is.rank();
            long[] inStrides = is.strides();
            int[] box = new int[2 * r];
            long[] src = new long[2 * r];
            for (int k = 0; k < r; k++) {
                box[2 * k] = (int) reps[k];
                box[2 * k + 1] = is.dim(k);
                src[2 * k + 1] = inStrides[k];
            }
            Strided.copy(in[0].segment(), 0, src, out[0].segment(), 0, Strided.strides(box), box,
                    in[0].type().byteSize());
        }
    }
}
