package org.helu4j.op;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/** CumSum and ReverseSequence: walks along one axis of an [outer, n, inner] view. */
final class ScanOps {
    private ScanOps() {
    }

    /** CumSum(x, axis): running sums, optionally exclusive and/or from the end. */
    static final class CumSum extends Op {
        private final boolean exclusive;
        private final boolean reverse;

        CumSum(Node node) {
            super(node);
            exclusive = node.attributes().getInt("exclusive", 0) != 0;
            reverse = node.attributes().getInt("reverse", 0) != 0;
        }

        @Override
        public void infer(InferContext ctx) {
            if (!ctx.has(1)) {
                throw new IllegalArgumentException("input 'axis' is required");
            }
            ShapeOps.requireLongScalar(ctx, 1, "axis");
            ShapeOps.declare(this, ctx, ctx.type(0), ctx.shape(0));
        }

        @Override
        public void run(Tensor[] in, Tensor[] out) {
            Shape s = in[0].shape();
            int a = s.axis(in[1].getLong(0));
            long outer = s.size(0, a);
            int n = s.rank() == 0 ? 1 : s.dim(a);
            long inner = s.size(a + 1, s.rank());
            boolean isFloat = in[0].type() == DType.FLOAT32;
            MemorySegment x = in[0].segment();
            MemorySegment y = out[0].segment();
            for (long o = 0; o < outer; o++) {
                for (long i = 0; i < inner; i++) {
                    double fsum = 0;
                    long lsum = 0;
                    for (int r = 0; r < n; r++) {
                        long e = (o * n + (reverse ? n - 1 - r : r)) * inner + i;
                        if (isFloat) {
                            float v = x.getAtIndex(ValueLayout.JAVA_FLOAT, e);
                            if (!exclusive) {
                                fsum += v;
                            }
                            y.setAtIndex(ValueLayout.JAVA_FLOAT, e, (float) fsum);
                            if (exclusive) {
                                fsum += v;
                            }
                        } else {
                            long v = x.getAtIndex(ValueLayout.JAVA_LONG, e);
                            if (!exclusive) {
                                lsum += v;
                            }
                            y.setAtIndex(ValueLayout.JAVA_LONG, e, lsum);
                            if (exclusive) {
                                lsum += v;
                            }
                        }
                    }
                }
            }
        }
    }

    /** ReverseSequence(input, sequence_lens): reverses the first len[b] steps along time_axis of each batch. */
    static final class ReverseSequence extends Op {
        private final long batchAxis;
        private final long timeAxis;

        ReverseSequence(Node node) {
            super(node);
            batchAxis = node.attributes().getInt("batch_axis", 1);
            timeAxis = node.attributes().getInt("time_axis", 0);
            if (!((batchAxis == 0 && timeAxis == 1) || (batchAxis == 1 && timeAxis == 0))) {
                throw new IllegalArgumentException("batch_axis and time_axis must be 0 and 1 in some order");
            }
        }

        @Override
        public void infer(InferContext ctx) {
            Shape s = ctx.shape(0);
            if (s.rank() < 2 || ctx.type(1) != DType.INT64 || ctx.shape(1).rank() != 1
                    || ctx.shape(1).dim(0) != s.dim((int) batchAxis)) {
                throw new IllegalArgumentException("sequence_lens " + ctx.shape(1) + " does not match the batch of " + s);
            }
            ShapeOps.declare(this, ctx, ctx.type(0), s);
        }

        @Override
        public void run(Tensor[] in, Tensor[] out) {
            Shape s = in[0].shape();
            long[] st = s.strides();
            int batches = s.dim((int) batchAxis);
            int steps = s.dim((int) timeAxis);
            long inner = s.size(2, s.rank());
            int esize = in[0].type().byteSize();
            for (int b = 0; b < batches; b++) {
                long len = in[1].getLong(b);
                if (len < 0 || len > steps) {
                    throw new IllegalArgumentException("sequence length " + len + " is out of range [0, " + steps + "]");
                }
                for (int t = 0; t < steps; t++) {
                    long from = t < len ? len - 1 - t : t;
                    long src = b * st[(int) batchAxis] + from * st[(int) timeAxis];
                    long dst = b * st[(int) batchAxis] + (long) t * st[(int) timeAxis];
                    MemorySegment.copy(in[0].segment(), src * esize, out[0].segment(), dst * esize, inner * esize);
                }
            }
        }
    }
}
