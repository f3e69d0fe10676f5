package org.helu4j.op;

import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.tensor.Shape;

/**
 * DepthToSpace and SpaceToDepth on NCHW: each is a reshape to six axes, a transpose and a reshape back, done as
 * one strided copy over the permuted six-axis view.
 */
final class DepthSpaceOps {
    private DepthSpaceOps() {
    }

    abstract static class Rearrange extends Op {
        final int b;

        Rearrange(Node node) {
            super(node);
            long bs = node.attributes().getInt("blocksize", 0);
            if (bs < 1 || bs > 1 << 12) {
                throw new IllegalArgumentException("attribute 'blocksize' must be a positive integer, not " + bs);
            }
            b = (int) bs;
        }

        static int[] nchw(Shape s) {
            if (s.rank() != 4) {
                throw new IllegalArgumentException("input must be NCHW (rank 4), not " + s);
            }
            return s.dims();
        }

        /** The six-axis view of the input, and the order in which the output reads its axes. */
        abstract int[] view(int[] d);

        abstract int[] perm();

        private final Strided.LastPlan last = new Strided.LastPlan();

        @Override
        public void run(Tensor[] in, Tensor[] out) {
            Shape is = in[0].shape();
            int esize = in[0].type().byteSize();
            Strided copy = last.get(is, out[0].shape());
            if (copy == null) {
                copy = last.put(is, out[0].shape(), plan(is, esize));
            }
            copy.run(in[0].segment(), out[0].segment());
        }

        private Strided plan(Shape is, int esize) {
            int[] v = view(is.dims());
            long[] vs = Strided.strides(v);
            int[] p = perm();
            int[] dims = new int[6];
            long[] src = new long[6];
            for (int k = 0; k < 6; k++) {
                dims[k] = v[p[k]];
                src[k] = vs[p[k]];
            }
            return Strided.plan(0, src, 0, Strided.strides(dims), dims, esize);
        }
    }

    static final class DepthToSpace extends Rearrange {
        private final boolean crd;

        DepthToSpace(Node node) {
            super(node);
            String mode = node.attributes().getString("mode", "DCR");
            if (!mode.equals("DCR") && !mode.equals("CRD")) {
                throw new IllegalArgumentException("unsupported DepthToSpace mode '" + mode + "'");
            }
            crd = mode.equals("CRD");
        }

        @Override
        public void infer(InferContext ctx) {
            int[] d = nchw(ctx.shape(0));
            if (d[1] % (b * b) != 0) {
                throw new IllegalArgumentException("channels " + d[1] + " are not divisible by blocksize² " + b * b);
            }
            ShapeOps.declare(this, ctx, ctx.type(0), Shape.of(d[0], d[1] / (b * b), d[2] * b, d[3] * b));
        }

        @Override
        int[] view(int[] d) {
            int c = d[1] / (b * b);
            return crd ? new int[] {d[0], c, b, b, d[2], d[3]} : new int[] {d[0], b, b, c, d[2], d[3]};
        }

        @Override
        int[] perm() {
            return crd ? new int[] {0, 1, 4, 2, 5, 3} : new int[] {0, 3, 4, 1, 5, 2};
        }
    }

    static final class SpaceToDepth extends Rearrange {
        SpaceToDepth(Node node) {
            super(node);
        }

        @Override
        public void infer(InferContext ctx) {
            int[] d = nchw(ctx.shape(0));
            if (d[2] % b != 0 || d[3] % b != 0) {
                throw new IllegalArgumentException("height and width of " + ctx.shape(0)
                        + " are not divisible by blocksize " + b);
            }
            ShapeOps.declare(this, ctx, ctx.type(0), Shape.of(d[0], (long) d[1] * b * b, d[2] / b, d[3] / b));
        }

        @Override
        int[] view(int[] d) {
            return new int[] {d[0], d[1], d[2] / b, b, d[3] / b, b};
        }

        @Override
        int[] perm() {
            return new int[] {0, 3, 5, 1, 2, 4};
        }
    }
}
