package org.helu4j.op;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * The ops that keep the bytes and change only the shape: Reshape, Flatten, Squeeze, Unsqueeze, Identity and
 * Dropout (identity at inference). Outputs never alias inputs, so each copies its input once.
 */
final class ReshapeOps {
    private ReshapeOps() {
    }

    /** An op whose output is its input's elements under a new shape. */
    abstract static class ShapeOnly extends Op {
        ShapeOnly(Node node) {
            super(node);
        }

        abstract Shape outputShape(InferContext ctx);

        @Override
        public void infer(InferContext ctx) {
            ShapeOps.declare(this, ctx, ctx.type(0), outputShape(ctx));
        }

        @Override
        public void run(Tensor[] in, Tensor[] out) {
            Strided.copyAll(in[0], out[0]);
        }
    }

    static final class Reshape extends ShapeOnly {
        private final boolean allowZero;
        private final long[] shapeAttr;

        Reshape(Node node) {
            super(node);
            allowZero = node.attributes().getInt("allowzero", 0) != 0;
            shapeAttr = node.opset() < 5 ? node.attributes().getInts("shape") : null;
            if (node.opset() < 5 && shapeAttr == null) {
                throw new IllegalArgumentException("attribute 'shape' is required before opset 5");
            }
        }

        @Override
        Shape outputShape(InferContext ctx) {
            return reshape(ctx.shape(0), shapeAttr != null ? shapeAttr : ctx.longs(1), allowZero);
        }

        static Shape reshape(Shape in, long[] spec, boolean allowZero) {
            long[] dims = new long[spec.length];
            int inferred = -1;
            long known = 1;
            for (int i = 0; i < spec.length; i++) {
                long d = spec[i];
                if (d == 0 && !allowZero) {
                    if (i >= in.rank()) {
                        throw new IllegalArgumentException(message(in, spec,
                                "0 at position " + i + " has no input dimension to copy"));
                    }
                    d = in.dim(i);
                } else if (d == -1) {
                    if (inferred >= 0) {
                        throw new IllegalArgumentException(message(in, spec, "more than one -1"));
                    }
                    inferred = i;
                    continue;
                } else if (d < 0) {
                    throw new IllegalArgumentException(message(in, spec, "negative dimension " + d));
                }
                dims[i] = d;
                known = Math.multiplyExact(known, d);
            }
            if (inferred >= 0) {
                if (known == 0 || in.size() % known != 0) {
                    throw new IllegalArgumentException(message(in, spec, null));
                }
                dims[inferred] = in.size() / known;
            } else if (known != in.size()) {
                throw new IllegalArgumentException(message(in, spec, null));
            }
            return Shape.of(dims);
        }

        private static String message(Shape in, long[] spec, String why) {
            return "cannot reshape " + in + " (" + in.size() + " elements) to " + Arrays.toString(spec)
                    + (why == null ? "" : ": " + why);
        }
    }

    static final class Flatten extends ShapeOnly {
        private final long axis;

        Flatten(Node node) {
            super(node);
            axis = node.attributes().getInt("axis", 1);
        }

        @Override
        Shape outputShape(InferContext ctx) {
            Shape in = ctx.shape(0);
            long a = axis < 0 ? axis + in.rank() : axis;
            if (a < 0 || a > in.rank()) {
                throw new IllegalArgumentException("Flatten axis " + axis + " is out of range for rank " + in.rank());
            }
            return Shape.of(in.size(0, (int) a), in.size((int) a, in.rank()));
        }
    }

    static final class Squeeze extends ShapeOnly {
        private final long[] axesAttr;

        Squeeze(Node node) {
            super(node);
            axesAttr = node.opset() < 13 ? node.attributes().getInts("axes") : null;
        }

        @Override
        Shape outputShape(InferContext ctx) {
            Shape in = ctx.shape(0);
            long[] given = node.opset() < 13 ? axesAttr : ShapeOps.optionalLongs(ctx, 1);
            boolean[] drop = new boolean[in.rank()];
            if (given == null || given.length == 0) {
                for (int i = 0; i < drop.length; i++) {
                    drop[i] = in.dim(i) == 1;
                }
            } else {
                for (int a : ShapeOps.axes(given, in.rank())) {
                    if (in.dim(a) != 1) {
                        throw new IllegalArgumentException("cannot squeeze axis " + a + " of " + in + ": its size is not 1");
                    }
                    drop[a] = true;
                }
            }
            long[] dims = new long[in.rank()];
            int r = 0;
            for (int i = 0; i < drop.length; i++) {
                if (!drop[i]) {
                    dims[r++] = in.dim(i);
                }
            }
            return Shape.of(Arrays.copyOf(dims, r));
        }
    }

    static final class Unsqueeze extends ShapeOnly {
        private final long[] axesAttr;

        Unsqueeze(Node node) {
            super(node);
            axesAttr = node.opset() < 13 ? node.attributes().getInts("axes") : null;
            if (node.opset() < 13 && axesAttr == null) {
                throw new IllegalArgumentException("attribute 'axes' is required before opset 13");
            }
        }

        @Override
        Shape outputShape(InferContext ctx) {
            Shape in = ctx.shape(0);
            long[] given = node.opset() < 13 ? axesAttr : ctx.longs(1);
            int rank = in.rank() + given.length;
            boolean[] added = new boolean[rank];
            for (int a : ShapeOps.axes(given, rank)) {
                added[a] = true;
            }
            long[] dims = new long[rank];
            for (int i = 0, j = 0; i < rank; i++) {
                dims[i] = added[i] ? 1 : in.dim(j++);
            }
            return Shape.of(dims);
        }
    }

    static final class Identity extends ShapeOnly {
        Identity(Node node) {
            super(node);
        }

        @Override
        Shape outputShape(InferContext ctx) {
            return ctx.shape(0);
        }
    }

    /** Dropout at inference: the identity, with an all-true mask (bool is stored as int64 1s; float 1s before opset 10). */
    static final class Dropout extends Op {
        Dropout(Node node) {
            super(node);
        }

        @Override
        public void infer(InferContext ctx) {
            // From opset 12, training_mode is an input; with a non-zero ratio it would need randomness.
            if (ctx.has(2) && ctx.isKnown(2) && first(ctx.value(2)) != 0) {
                double ratio = ctx.has(1) ? first(ctx.value(1)) : 0.5;
                if (ratio != 0) {
                    throw new IllegalArgumentException("training_mode = 1 with a non-zero ratio is not supported: "
                            + "helu4j runs inference only; export the model in eval mode");
                }
            }
            Shape s = ctx.shape(0);
            boolean mask = node.outputs().size() > 1 && !node.outputs().get(1).isEmpty();
            // the mask is bool (stored as int64) from opset 10, and of the input's type before
            DType maskType = node.opset() < 10 ? ctx.type(0) : DType.INT64;
            ShapeOps.declare(this, ctx, new DType[] {ctx.type(0), mask ? maskType : null}, new Shape[] {s, s});
        }

        /** The first value of a scalar parameter, of either type. */
        private static double first(Tensor t) {
            if (t.size() != 1) {
                throw new IllegalArgumentException("Dropout's ratio and training_mode must be scalars, not " + t.shape());
            }
            return t.type() == DType.FLOAT32 ? t.getFloat(0) : t.getLong(0);
        }

        @Override
        public void run(Tensor[] in, Tensor[] out) {
            Strided.copyAll(in[0], out[0]);
            if (out.length > 1 && out[1] != null) {
                MemorySegment mask = out[1].segment();
                boolean isFloat = out[1].type() == DType.FLOAT32;
                for (long i = 0, n = out[1].size(); i < n; i++) {
                    if (isFloat) {
                        mask.setAtIndex(ValueLayout.JAVA_FLOAT, i, 1f);
                    } else {
                        mask.setAtIndex(ValueLayout.JAVA_LONG, i, 1L);
                    }
                }
            }
        }
    }
}
