package org.helu4j.op;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * GatherND, ScatterElements (and its older name Scatter) and ScatterND, for float32 and int64 data with int64
 * indices (negative ones count from the end). Scatters copy the data, then write each update, or combine it
 * with {@code reduction} add, mul, max or min.
 */
final class ScatterOps {
    private ScatterOps() {
    }

    /** How an update combines with the element it lands on. */
    enum Reduction { NONE, ADD, MUL, MAX, MIN }

    static Reduction reduction(Node node) {
        String r = node.attributes().getString("reduction", "none");
        return switch (r) {
            case "none" -> Reduction.NONE;
            case "add" -> Reduction.ADD;
            case "mul" -> Reduction.MUL;
            case "max" -> Reduction.MAX;
            case "min" -> Reduction.MIN;
            default -> throw new IllegalArgumentException("unsupported reduction '" + r + "'");
        };
    }

    /** dst[d] = src[s] combined by {@code r}; offsets in elements. */
    static void put(MemorySegment dst, long d, MemorySegment src, long s, DType type, Reduction r) {
        if (type == DType.FLOAT32) {
            float u = src.getAtIndex(ValueLayout.JAVA_FLOAT, s);
            float v = r == Reduction.NONE ? 0 : dst.getAtIndex(ValueLayout.JAVA_FLOAT, d);
            dst.setAtIndex(ValueLayout.JAVA_FLOAT, d, switch (r) {
                case NONE -> u;
                case ADD -> v + u;
                case MUL -> v * u;
                case MAX -> Math.max(v, u);
                case MIN -> Math.min(v, u);
            });
        } else {
            long u = src.getAtIndex(ValueLayout.JAVA_LONG, s);
            long v = r == Reduction.NONE ? 0 : dst.getAtIndex(ValueLayout.JAVA_LONG, d);
            dst.setAtIndex(ValueLayout.JAVA_LONG, d, switch (r) {
                case NONE -> u;
                case ADD -> v + u;
                case MUL -> v * u;
                case MAX -> Math.max(v, u);
                case MIN -> Math.min(v, u);
            });
        }
    }

    static long index(MemorySegment idx, long k, int n, int axis) {
        long i = idx.getAtIndex(ValueLayout.JAVA_LONG, k);
        if (i < -n || i >= n) {
            throw new IllegalArgumentException("index " + i + " is out of range for axis " + axis + " of size " + n);
        }
        return i < 0 ? i + n : i;
    }

    static void requireIndices(InferContext ctx, int i) {
        if (ctx.type(i) != DType.INT64) {
            throw new IllegalArgumentException("indices must be integers, not " + ctx.type(i));
        }
    }

    static final class GatherND extends Op {
        private final int batchDims;

        GatherND(Node node) {
            super(node);
            long b = node.attributes().getInt("batch_dims", 0);
            if (b < 0 || b > 64) {
                throw new IllegalArgumentException("batch_dims must be non-negative, not " + b);
            }
            batchDims = (int) b;
        }

        @Override
        public void infer(InferContext ctx) {
            requireIndices(ctx, 1);
            Shape data = ctx.shape(0);
            Shape idx = ctx.shape(1);
            int b = batchDims;
            if (idx.rank() < 1 || b >= Math.min(data.rank(), idx.rank())) {
                throw new IllegalArgumentException("batch_dims " + b + " does not fit data " + data + " and indices " + idx);
            }
            int m = idx.dim(idx.rank() - 1);
            if (m < 1 || b + m > data.rank()) {
                throw new IllegalArgumentException("index tuples of length " + m + " do not fit data " + data);
            }
            long[] dims = new long[idx.rank() - 1 + data.rank() - b - m];
            int r = 0;
            for (int k = 0; k < idx.rank() - 1; k++) {
                if (k < b && idx.dim(k) != data.dim(k)) {
                    throw new IllegalArgumentException("batch dimensions of data " + data + " and indices " + idx + " differ");
                }
                dims[r++] = idx.dim(k);
            }
            for (int k = b + m; k < data.rank(); k++) {
                dims[r++] = data.dim(k);
            }
            ShapeOps.declare(this, ctx, ctx.type(0), Shape.of(dims));
        }

        @Override
        public void run(Tensor[] in, Tensor[] out) {
            Shape data = in[0].shape();
            Shape is = in[1].shape();
            int b = batchDims;
            int m = is.dim(is.rank() - 1);
            long[] ds = data.strides();
            long slice = data.size(b + m, data.rank());
            long batch = data.size(b, data.rank());
            long tuples = is.size() / m;
            long perBatch = tuples / Math.max(1, data.size(0, b));
            int esize = in[0].type().byteSize();
            MemorySegment ix = in[1].segment();
            for (long t = 0; t < tuples; t++) {
                long off = (perBatch == 0 ? 0 : t / perBatch) * batch;
                for (int j = 0; j < m; j++) {
                    off += index(ix, t * m + j, data.dim(b + j), b + j) * ds[b + j];
                }
                MemorySegment.copy(in[0].segment(), off * esize, out[0].segment(), t * slice * esize, slice * esize);
            }
        }
    }

    static final class ScatterElements extends Op {
        private final long axis;
        private final Reduction reduction;

        ScatterElements(Node node) {
            super(node);
            axis = node.attributes().getInt("axis", 0);
            reduction = reduction(node);
        }

        @Override
        public void infer(InferContext ctx) {
            requireIndices(ctx, 1);
            Shape data = ctx.shape(0);
            Shape idx = ctx.shape(1);
            if (data.rank() < 1) {
                throw new IllegalArgumentException(node.opType() + " needs data of rank 1 or more, not " + data);
            }
            int a = data.axis(axis);
            boolean ok = idx.equals(ctx.shape(2)) && idx.rank() == data.rank() && ctx.type(2) == ctx.type(0);
            for (int k = 0; ok && k < data.rank(); k++) {
                ok = k == a || idx.dim(k) <= data.dim(k);
            }
            if (!ok) {
                throw new IllegalArgumentException("indices " + idx + " and updates " + ctx.shape(2)
                        + " do not fit data " + data);
            }
            ShapeOps.declare(this, ctx, ctx.type(0), data);
        }

        @Override
        public void run(Tensor[] in, Tensor[] out) {
            Strided.copyAll(in[0], out[0]);
            Shape data = in[0].shape();
            Shape is = in[1].shape();
            int a = data.axis(axis);
            int rank = data.rank();
            long[] ds = data.strides();
            MemorySegment ix = in[1].segment();
            int[] pos = new int[rank];
            long base = 0; // data offset of pos with the axis coordinate at 0
            for (long e = 0, total = is.size(); e < total; e++) {
                long d = base + index(ix, e, data.dim(a), a) * ds[a];
                put(out[0].segment(), d, in[2].segment(), e, in[0].type(), reduction);
                for (int k = rank - 1; k >= 0; k--) {
                    if (k != a) {
                        base += ds[k];
                    }
                    if (++pos[k] < is.dim(k)) {
                        break;
                    }
                    if (k != a) {
                        base -= ds[k] * is.dim(k);
                    }
                    pos[k] = 0;
                }
            }
        }
    }

    static final class ScatterND extends Op {
        private final Reduction reduction;

        ScatterND(Node node) {
            super(node);
            reduction = reduction(node);
        }

        @Override
        public void infer(InferContext ctx) {
            requireIndices(ctx, 1);
            Shape data = ctx.shape(0);
            Shape idx = ctx.shape(1);
            Shape upd = ctx.shape(2);
            int k = idx.rank() == 0 ? 0 : idx.dim(idx.rank() - 1);
            boolean ok = idx.rank() >= 1 && k >= 1 && k <= data.rank()
                    && upd.rank() == idx.rank() - 1 + data.rank() - k && ctx.type(2) == ctx.type(0);
            for (int i = 0; ok && i < upd.rank(); i++) {
                ok = upd.dim(i) == (i < idx.rank() - 1 ? idx.dim(i) : data.dim(k + i - (idx.rank() - 1)));
            }
            if (!ok) {
                throw new IllegalArgumentException("indices " + idx + " and updates " + upd + " do not fit data " + data);
            }
            ShapeOps.declare(this, ctx, ctx.type(0), data);
        }

        @Override
        public void run(Tensor[] in, Tensor[] out) {
            Strided.copyAll(in[0], out[0]);
            Shape data = in[0].shape();
            Shape is = in[1].shape();
            int k = is.dim(is.rank() - 1);
            long[] ds = data.strides();
            long slice = data.size(k, data.rank());
            long tuples = is.size() / k;
            MemorySegment ix = in[1].segment();
            for (long t = 0; t < tuples; t++) {
                long off = 0;
                for (int j = 0; j < k; j++) {
                    off += index(ix, t * k + j, data.dim(j), j) * ds[j];
                }
                for (long e = 0; e < slice; e++) {
                    put(out[0].segment(), off + e, in[2].segment(), t * slice + e, in[0].type(), reduction);
                }
            }
        }
    }
}
