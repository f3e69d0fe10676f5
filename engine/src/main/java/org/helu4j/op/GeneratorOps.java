package org.helu4j.op;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/** EyeLike and OneHot: tensors of zeros (or an off value) with ones (or an on value) at computed places. */
final class GeneratorOps {
    private GeneratorOps() {
    }

    /** The engine type that stores ONNX data type {@code t}: float32 for float and double, int64 for integers and bool. */
    static DType storage(long t) {
        return switch ((int) t) {
            case 1, 11 -> DType.FLOAT32;
            case 2, 3, 4, 5, 6, 7, 9, 12, 13 -> DType.INT64;
            default -> throw new IllegalArgumentException("ONNX data type " + t + " is not supported");
        };
    }

    static void set(MemorySegment seg, long i, DType type, double v) {
        if (type == DType.FLOAT32) {
            seg.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) v);
        } else {
            seg.setAtIndex(ValueLayout.JAVA_LONG, i, (long) v);
        }
    }

    static final class EyeLike extends Op {
        private final long k;
        private final DType dtype;

        EyeLike(Node node) {
            super(node);
            k = node.attributes().getInt("k", 0);
            dtype = node.attributes().has("dtype") ? storage(node.attributes().getInt("dtype", 1)) : null;
        }

        @Override
        public void infer(InferContext ctx) {
            if (ctx.shape(0).rank() != 2) {
                throw new IllegalArgumentException("EyeLike needs a 2-D input, not " + ctx.shape(0));
            }
            ShapeOps.declare(this, ctx, dtype != null ? dtype : ctx.type(0), ctx.shape(0));
        }

        @Override
        public void run(Tensor[] in, Tensor[] out) {
            int rows = out[0].shape().dim(0);
            int cols = out[0].shape().dim(1);
            DType t = out[0].type();
            MemorySegment seg = out[0].segment();
            seg.asSlice(0, out[0].size() * t.byteSize()).fill((byte) 0);
            for (long i = 0; i < rows; i++) {
                long j = i + k;
                if (j >= 0 && j < cols) {
                    set(seg, i * cols + j, t, 1);
                }
            }
        }
    }

    /** OneHot(indices, depth, values=[off, on]): a new axis of length depth, on at each index. */
    static final class OneHot extends Op {
        private final long axis;

        OneHot(Node node) {
            super(node);
            axis = node.attributes().getInt("axis", -1);
        }

        private static long depth(Tensor d) {
            if (d.size() != 1) {
                throw new IllegalArgumentException("depth must hold one value, not " + d.shape());
            }
            double v = d.type() == DType.FLOAT32 ? d.getFloat(0) : d.getLong(0);
            if (!(v >= 1 && v <= Shape.MAX_ELEMENTS)) {
                throw new IllegalArgumentException("depth must be positive, not " + v);
            }
            return (long) v;
        }

        @Override
        public void infer(InferContext ctx) {
            Shape idx = ctx.shape(0);
            if (ctx.shape(2).size() != 2) {
                throw new IllegalArgumentException("values must be [off, on], not " + ctx.shape(2));
            }
            int rank = idx.rank() + 1;
            int a = Shape.normalizeAxis(axis, rank);
            long[] dims = new long[rank];
            for (int k = 0, j = 0; k < rank; k++) {
                dims[k] = k == a ? depth(ctx.value(1)) : idx.dim(j++);
            }
            ShapeOps.declare(this, ctx, ctx.type(2), Shape.of(dims));
        }

        @Override
        public void run(Tensor[] in, Tensor[] out) {
            Shape os = out[0].shape();
            int a = Shape.normalizeAxis(axis, os.rank());
            long depth = os.dim(a);
            long outer = os.size(0, a);
            long inner = os.size(a + 1, os.rank());
            DType t = out[0].type();
            double off = t == DType.FLOAT32 ? in[2].getFloat(0) : in[2].getLong(0);
            double on = t == DType.FLOAT32 ? in[2].getFloat(1) : in[2].getLong(1);
            MemorySegment seg = out[0].segment();
            boolean floatIdx = in[0].type() == DType.FLOAT32;
            for (long i = 0, n = out[0].size(); i < n; i++) {
                set(seg, i, t, off);
            }
            for (long o = 0; o < outer; o++) {
                for (long i = 0; i < inner; i++) {
                    long e = o * inner + i;
                    long v = floatIdx ? (long) in[0].getFloat(e) : in[0].getLong(e);
                    if (v < 0) {
                        v += depth;
                    }
                    if (v >= 0 && v < depth) {
                        set(seg, (o * depth + v) * inner + i, t, on);
                    }
                }
            }
        }
    }
}
