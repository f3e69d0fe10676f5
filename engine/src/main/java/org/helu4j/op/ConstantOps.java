package org.helu4j.op;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * Ops whose output is known from attributes or shapes alone, or nearly: Constant, Shape, Size, ConstantOfShape
 * and Range. Their values are declared during inference wherever possible, so they fold away at load time.
 */
final class ConstantOps {
    private ConstantOps() {
    }

    static final class Constant extends Op {
        private final Tensor value;

        Constant(Node node) {
            super(node);
            var a = node.attributes();
            if (a.has("value")) {
                value = a.getTensor("value");
            } else if (a.has("value_float")) {
                value = Tensor.of(new float[] {a.getFloat("value_float", 0f)});
            } else if (a.has("value_floats")) {
                float[] v = a.getFloats("value_floats");
                value = Tensor.of(v, v.length);
            } else if (a.has("value_int")) {
                value = Tensor.ofLongs(new long[] {a.getInt("value_int", 0)});
            } else if (a.has("value_ints")) {
                long[] v = a.getInts("value_ints");
                value = Tensor.ofLongs(v, v.length);
            } else if (a.has("sparse_value") || a.has("value_string") || a.has("value_strings")) {
                throw new IllegalArgumentException("sparse and string constants are not supported");
            } else {
                throw new IllegalArgumentException("Constant has no value attribute");
            }
        }

        @Override
        public void infer(InferContext ctx) {
            ctx.output(0, value);
        }

        @Override
        public void run(Tensor[] in, Tensor[] out) {
            value.copyTo(out[0]);
        }
    }

    /** Shape, with opset 15's start and end (clamped to the rank, negatives counting from the end). */
    static final class ShapeOf extends Op {
        private final long start;
        private final Long end;

        ShapeOf(Node node) {
            super(node);
            start = node.attributes().getInt("start", 0);
            end = node.attributes().has("end") ? node.attributes().getInt("end", 0) : null;
        }

        @Override
        public void infer(InferContext ctx) {
            ctx.output(0, compute(ctx.shape(0)));
        }

        private Tensor compute(Shape s) {
            int r = s.rank();
            int from = clamp(start, r);
            int to = end == null ? r : clamp(end, r);
            long[] dims = s.longDims();
            long[] v = to > from ? java.util.Arrays.copyOfRange(dims, from, to) : new long[0];
            return Tensor.ofLongs(v, v.length);
        }

        private static int clamp(long i, int rank) {
            long j = i < 0 ? i + rank : i;
            return (int) Math.max(0, Math.min(rank, j));
        }

        @Override
        public void run(Tensor[] in, Tensor[] out) {
            compute(in[0].shape()).copyTo(out[0]);
        }
    }

    /** Size: the element count, as an int64 scalar. */
    static final class SizeOf extends Op {
        SizeOf(Node node) {
            super(node);
        }

        @Override
        public void infer(InferContext ctx) {
            ctx.output(0, Tensor.ofLongs(new long[] {ctx.shape(0).size()}));
        }

        @Override
        public void run(Tensor[] in, Tensor[] out) {
            out[0].segment().setAtIndex(ValueLayout.JAVA_LONG, 0, in[0].size());
        }
    }

    /** ConstantOfShape: a tensor of the given shape filled with one value (float 0 by default). */
    static final class ConstantOfShape extends Op {
        private final DType type;
        private final long bits;

        ConstantOfShape(Node node) {
            super(node);
            Tensor v = node.attributes().getTensor("value");
            if (v != null && v.size() != 1) {
                throw new IllegalArgumentException("attribute 'value' must hold one element, not " + v.size());
            }
            type = v == null ? DType.FLOAT32 : v.type();
            bits = v == null ? 0 : type == DType.FLOAT32 ? Float.floatToRawIntBits(v.getFloat(0)) : v.getLong(0);
        }

        @Override
        public void infer(InferContext ctx) {
            Shape s = Shape.of(ctx.longs(0));
            if (s.size() <= ShapeOps.FOLD_LIMIT) {
                Tensor t = type == DType.FLOAT32 ? Tensor.of(new float[(int) s.size()], s.longDims())
                        : Tensor.ofLongs(new long[(int) s.size()], s.longDims());
                fill(t);
                ctx.output(0, t);
            } else {
                ctx.output(0, type, s);
            }
        }

        @Override
        public void run(Tensor[] in, Tensor[] out) {
            fill(out[0]);
        }

        private void fill(Tensor t) {
            MemorySegment seg = t.segment();
            long n = t.size();
            if (type == DType.FLOAT32) {
                for (long i = 0; i < n; i++) {
                    seg.setAtIndex(ValueLayout.JAVA_INT, i, (int) bits);
                }
            } else {
                for (long i = 0; i < n; i++) {
                    seg.setAtIndex(ValueLayout.JAVA_LONG, i, bits);
                }
            }
        }
    }

    /** Range(start, limit, delta): {@code max(ceil((limit - start) / delta), 0)} elements. */
    static final class Range extends Op {
        Range(Node node) {
            super(node);
        }

        private static long count(Tensor start, Tensor limit, Tensor delta) {
            double s = number(start);
            double l = number(limit);
            double d = number(delta);
            if (d == 0) {
                throw new IllegalArgumentException("Range delta cannot be 0");
            }
            double n = Math.ceil((l - s) / d);
            if (!(n <= Shape.MAX_ELEMENTS)) {
                throw new IllegalArgumentException("Range of " + n + " elements is too large");
            }
            return Math.max(0, (long) n);
        }

        private static double number(Tensor t) {
            if (t.size() != 1) {
                throw new IllegalArgumentException("Range inputs must be scalars, not " + t.shape());
            }
            return t.type() == DType.FLOAT32 ? t.getFloat(0) : t.getLong(0);
        }

        @Override
        public void infer(InferContext ctx) {
            DType type = ctx.type(0);
            if (ctx.type(1) != type || ctx.type(2) != type) {
                throw new IllegalArgumentException("Range inputs must all have the same type");
            }
            long n = count(ctx.value(0), ctx.value(1), ctx.value(2));
            ShapeOps.declare(this, ctx, type, Shape.of(n));
        }

        @Override
        public void run(Tensor[] in, Tensor[] out) {
            long n = out[0].size();
            MemorySegment seg = out[0].segment();
            if (out[0].type() == DType.FLOAT32) {
                float s = in[0].getFloat(0);
                float d = in[2].getFloat(0);
                for (long i = 0; i < n; i++) {
                    seg.setAtIndex(ValueLayout.JAVA_FLOAT, i, s + i * d);
                }
            } else {
                long s = in[0].getLong(0);
                long d = in[2].getLong(0);
                for (long i = 0; i < n; i++) {
                    seg.setAtIndex(ValueLayout.JAVA_LONG, i, s + i * d);
                }
            }
        }
    }
}
