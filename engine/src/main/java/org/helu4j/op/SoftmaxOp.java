package org.helu4j.op;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.kernel.Softmax;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * Softmax, LogSoftmax and Hardmax. Before opset 13 the input is coerced to 2-D at {@code axis} (default 1) and normalized
 * over everything from axis on; from 13, over the one axis (default -1). Both become the kernel's
 * [outer, n, inner] view: before 13, inner is always 1.
 */
final class SoftmaxOp extends Op {
    enum Kind {
        SOFTMAX, LOG_SOFTMAX, HARDMAX
    }

    private final Kind kind;
    private final long axis;
    private final boolean coerce2d;

    SoftmaxOp(Node node, Kind kind) {
        super(node);
        this.kind = kind;
        this.coerce2d = node.opset() < 13;
        this.axis = node.attributes().getInt("axis", coerce2d ? 1 : -1);
    }

    @Override
    public void infer(InferContext ctx) {
        if (ctx.type(0) != DType.FLOAT32) {
            throw new IllegalArgumentException(node.opType() + " supports float32 only, not " + ctx.type(0));
        }
        Shape s = ctx.shape(0);
        if (coerce2d) {
            coercedAxis(s);  // validates
        } else if (s.rank() > 0) {
            s.axis(axis);
        }
        ctx.output(0, DType.FLOAT32, s);
    }

    @Override
    public void run(Tensor[] in, Tensor[] out) {
        Shape s = in[0].shape();
        int r = s.rank();
        long outer;
        long n;
        long inner;
        if (r == 0) {
            outer = n = inner = 1;
        } else if (coerce2d) {
            int a = coercedAxis(s);
            outer = s.size(0, a);
            n = s.size(a, r);
            inner = 1;
        } else {
            int a = s.axis(axis);
            outer = s.size(0, a);
            n = s.dim(a);
            inner = s.size(a + 1, r);
        }
        if (kind == Kind.HARDMAX) {
            hardmax(out[0].segment(), in[0].segment(), outer, n, inner);
        } else {
            Softmax.softmax(out[0].segment(), 0, in[0].segment(), 0, outer, n, inner, kind == Kind.LOG_SOFTMAX);
        }
    }

    /** The pre-13 axis: where the 2-D coercion splits the shape; axis = rank is accepted (slices of one). */
    private int coercedAxis(Shape s) {
        int r = s.rank();
        long a = axis < 0 ? axis + r : axis;
        if (a < 0 || a > r) {
            throw new IllegalArgumentException("axis " + axis + " is out of range for rank " + r);
        }
        return (int) a;
    }

    /** 1 at the first maximum of each slice, 0 elsewhere (a NaN is never the maximum unless all are NaN). */
    private static void hardmax(MemorySegment y, MemorySegment x, long outer, long n, long inner) {
        for (long p = 0; p < outer; p++) {
            for (long j = 0; j < inner; j++) {
                long base = p * n * inner + j;
                long best = 0;
                float max = Float.NEGATIVE_INFINITY;
                for (long k = 0; k < n; k++) {
                    float v = x.getAtIndex(ValueLayout.JAVA_FLOAT, base + k * inner);
                    if (v > max) {
                        max = v;
                        best = k;
                    }
                    y.setAtIndex(ValueLayout.JAVA_FLOAT, base + k * inner, 0f);
                }
                if (n > 0) {
                    y.setAtIndex(ValueLayout.JAVA_FLOAT, base + best * inner, 1f);
                }
            }
        }
    }

    @Override
    public String describe() {
        return node.opType() + "(axis=" + axis + (coerce2d ? ", 2-D" : "") + ")";
    }
}
