package org.helu4j.op;

import java.lang.foreign.MemorySegment;
import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.kernel.LayerNorm;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * LayerNormalization (opset 17): normalizes over the axes from {@code axis} on, then applies Scale and the optional
 * B, which broadcast to those axes. The optional outputs Mean and InvStdDev keep the reduced axes as 1s. The input
 * is viewed as [rows, n] rows of the normalized axes; Scale and B are expanded to n values when they broadcast.
 */
final class LayerNormOp extends Op {
    private final long axis;
    private final float epsilon;

    LayerNormOp(Node node) {
        super(node);
        axis = node.attributes().getInt("axis", -1);
        epsilon = node.attributes().getFloat("epsilon", 1e-5f);
        long stash = node.attributes().getInt("stash_type", 1);
        if (stash != 1) {
            throw new IllegalArgumentException("stash_type " + stash + " is not supported (float32 only)");
        }
    }

    @Override
    public void infer(InferContext ctx) {
        Shape x = ctx.shape(0);
        for (int i = 0; i < 3; i++) {
            if (ctx.has(i) && ctx.type(i) != DType.FLOAT32) {
                throw new IllegalArgumentException("LayerNormalization supports float32 only, not " + ctx.type(i));
            }
        }
        int a = x.axis(axis);
        Shape normalized = Shape.of(java.util.Arrays.copyOfRange(x.longDims(), a, x.rank()));
        broadcastable(ctx.shape(1), normalized, "Scale");
        if (ctx.has(2)) {
            broadcastable(ctx.shape(2), normalized, "B");
        }
        ctx.output(0, DType.FLOAT32, x);
        long[] stats = x.longDims();
        for (int k = a; k < stats.length; k++) {
            stats[k] = 1;
        }
        for (int j = 1; j < 3 && j < node.outputs().size(); j++) {
            ctx.output(j, DType.FLOAT32, Shape.of(stats));
        }
    }

    private static void broadcastable(Shape s, Shape target, String what) {
        boolean ok = s.rank() <= target.rank();
        for (int k = 1; ok && k <= s.rank(); k++) {
            int d = s.dim(s.rank() - k);
            ok = d == 1 || d == target.dim(target.rank() - k);
        }
        if (!ok) {
            throw new IllegalArgumentException(what + " " + s + " does not broadcast to the normalized axes " + target);
        }
    }

    /** Scale or B as n contiguous values: itself when it has them, else expanded into {@code scratch}. */
    private static MemorySegment expanded(Tensor t, Shape normalized, float[] scratch) {
        if (t.size() == normalized.size()) {
            return t.segment();
        }
        int[] dims = normalized.dims();
        int r = dims.length;
        long[] src = new long[r];
        long[] ts = t.shape().strides();
        for (int k = 0; k < r; k++) {
            int i = k - (r - t.shape().rank());
            src[k] = i >= 0 && t.shape().dim(i) == dims[k] ? ts[i] : 0;
        }
        MemorySegment out = MemorySegment.ofArray(scratch);
        Strided.copy(t.segment(), 0, src, out, 0, Strided.strides(dims), dims, 4);
        return out;
    }

    @Override
    public void run(Tensor[] in, Tensor[] out) {
        Shape x = in[0].shape();
        int a = x.axis(axis);
        int n = (int) x.size(a, x.rank());
        int rows = (int) x.size(0, a);
        if (x.size() == 0) {
            return;
        }
        Tensor b = in.length > 2 ? in[2] : null;
        MemorySegment scale = in[1].segment();
        MemorySegment bias = b == null ? null : b.segment();
        if (in[1].size() != n || (b != null && b.size() != n)) { // broadcast Scale or B (rare): expand them
            Shape normalized = Shape.of(java.util.Arrays.copyOfRange(x.longDims(), a, x.rank()));
            scale = expanded(in[1], normalized, new float[n]);
            bias = b == null ? null : expanded(b, normalized, new float[n]);
        }
        LayerNorm.normalize(out[0].segment(), out.length > 1 && out[1] != null ? out[1].segment() : null,
                out.length > 2 && out[2] != null ? out[2].segment() : null, in[0].segment(), scale, bias, rows, n,
                epsilon);
    }
}
