package org.helu4j.op;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.kernel.Binary;
import org.helu4j.kernel.Broadcast;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * Add, Sub, Mul, Div, Pow and PRelu with NumPy broadcasting (PRelu: the slope broadcasts to X only). float32 runs
 * the vector kernels; int64 (shape arithmetic) runs a scalar loop and is computed during inference when its
 * inputs are known, so that shape chains fold at load time. Pow may mix types (opset 12+): the result has the
 * base's type.
 *
 * <p>Before opset 7, B broadcast only when {@code broadcast=1}, matched against A's dimensions from {@code axis}
 * (default: A's trailing ones); and PRelu's slope of shape [C] applied per channel (axis 1). Both are handled by
 * viewing B with trailing 1s appended, after which NumPy broadcasting gives the legacy result.
 */
final class BinaryOp extends Op {
    private final int op;
    /** Legacy (opset < 7) placement of B in A at {@link #legacyAxis}; otherwise NumPy broadcasting. */
    private final boolean legacy;
    private final long legacyAxis;
    /** The last broadcast plan: immutable, reused while the shapes repeat, so a steady run allocates nothing. */
    private volatile Broadcast plan;

    BinaryOp(Node node, int op) {
        super(node);
        this.op = op;
        if (node.inputs().size() != 2 || !node.hasInput(0) || !node.hasInput(1)) {
            throw new IllegalArgumentException("needs exactly 2 inputs, got " + node.inputs().size());
        }
        var at = node.attributes();
        legacy = node.opset() < 7
                && (op == Binary.PRELU || (at.getInt("broadcast", 0) != 0 && at.has("axis")));
        legacyAxis = op == Binary.PRELU ? 1 : at.getInt("axis", 0);
    }

    /** B's shape as NumPy broadcasting should see it (legacy: B placed at legacyAxis of A). */
    private Shape shapeB(Shape a, Shape b) {
        if (!legacy || b.rank() == 0 || (op == Binary.PRELU && (b.rank() != 1 || a.rank() < 2
                || b.dim(0) != a.dim(1) || b.dim(0) == 1))) {
            return b;
        }
        int axis = Shape.normalizeAxis(legacyAxis, a.rank());
        int trailing = a.rank() - axis - b.rank();
        if (trailing < 0) {
            throw new IllegalArgumentException("B " + b + " does not fit in A " + a + " at axis " + legacyAxis);
        }
        int[] d = java.util.Arrays.copyOf(b.dims(), b.rank() + trailing);
        java.util.Arrays.fill(d, b.rank(), d.length, 1);
        return Shape.of(d);
    }

    @Override
    public void infer(InferContext ctx) {
        DType ta = ctx.type(0);
        DType tb = ctx.type(1);
        if (ta != tb && op != Binary.POW) {
            throw new IllegalArgumentException("input types differ: " + ta + " and " + tb);
        }
        if (op == Binary.PRELU && ta != DType.FLOAT32) {
            throw new IllegalArgumentException("PRelu supports float32 only, not " + ta);
        }
        Shape out;
        Shape sb = shapeB(ctx.shape(0), ctx.shape(1));
        if (op == Binary.PRELU) {
            out = ctx.shape(0);
            if (!Broadcast.broadcastsTo(sb, out)) {
                throw new IllegalArgumentException("slope " + ctx.shape(1) + " does not broadcast to X " + out);
            }
        } else {
            out = Broadcast.shape(ctx.shape(0), sb);
        }
        ShapeOps.declare(this, ctx, ta, out);
    }

    @Override
    public void run(Tensor[] in, Tensor[] out) {
        Tensor a = in[0];
        Tensor b = in[1];
        Tensor y = out[0];
        if (y.size() == 0) {
            return;
        }
        Broadcast plan = this.plan;
        if (plan == null || !plan.matches(y.shape(), a.shape(), b.shape())) {
            plan = Broadcast.plan(y.shape(), a.shape(), shapeB(a.shape(), b.shape()));
            this.plan = plan;  // (a legacy reshaped B never matches, and is planned each run)
        }
        if (a.type() == DType.FLOAT32 && b.type() == DType.FLOAT32) {
            Binary.apply(op, y.segment(), a.segment(), b.segment(), plan);
        } else if (a.type() == DType.INT64 && b.type() == DType.INT64) {
            Binary.applyLong(op, y.segment(), a.segment(), b.segment(), plan);
        } else {
            mixedPow(y, a, b, plan);
        }
    }

    /** Pow with a float base and int64 exponent, or the reverse; computed in double, rounded to the base's type. */
    private static void mixedPow(Tensor y, Tensor a, Tensor b, Broadcast plan) {
        MemorySegment ys = y.segment();
        long n = plan.inner;
        for (long r = 0; r < plan.rows; r++) {
            long ao = plan.a(r);
            long bo = plan.b(r);
            for (long i = 0; i < n; i++) {
                double p = Math.pow(get(a, ao + i * plan.aStep), get(b, bo + i * plan.bStep));
                if (y.type() == DType.FLOAT32) {
                    ys.setAtIndex(ValueLayout.JAVA_FLOAT, r * n + i, (float) p);
                } else {
                    ys.setAtIndex(ValueLayout.JAVA_LONG, r * n + i, (long) p);
                }
            }
        }
    }

    private static double get(Tensor t, long i) {
        return t.type() == DType.FLOAT32 ? t.getFloat(i) : t.getLong(i);
    }
}
