package org.helu4j.op;

import java.lang.foreign.MemorySegment;
import org.helu4j.Tensor;
import org.helu4j.UnsupportedOperatorException;
import org.helu4j.graph.Attributes;
import org.helu4j.graph.Node;
import org.helu4j.kernel.ConvGeometry;
import org.helu4j.kernel.Pool;
import org.helu4j.kernel.Scratch;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * ONNX MaxPool and AveragePool, 1-D to 3-D: kernel_shape, strides, pads, auto_pad, ceil_mode, dilations;
 * MaxPool's storage_order and optional Indices output; AveragePool's count_include_pad.
 */
final class PoolOp extends Op {
    /** The geometry of the last run, reused while the input shape repeats (no allocation in steady state). */
    private volatile LastGeometry last;

    private record LastGeometry(Shape x, ConvGeometry geometry) {
    }

    private final boolean max;
    private final ConvWindow window;
    private final int[] kernel;
    private final boolean countIncludePad;
    private final boolean columnMajor;
    private final boolean indices;

    PoolOp(Node node, boolean max) throws UnsupportedOperatorException {
        super(node);
        this.max = max;
        Attributes a = node.attributes();
        window = new ConvWindow(node, true, flag(a, "ceil_mode"));
        long[] k = window.kernelShape();
        kernel = new int[k.length];
        for (int i = 0; i < k.length; i++) {
            kernel[i] = (int) k[i];
        }
        countIncludePad = !max && flag(a, "count_include_pad");
        columnMajor = max && flag(a, "storage_order");
        indices = max && node.outputs().size() > 1 && !node.outputs().get(1).isEmpty();
    }

    private static boolean flag(Attributes a, String name) {
        long v = a.getInt(name, 0);
        if (v != 0 && v != 1) {
            throw new IllegalArgumentException("attribute " + name + " must be 0 or 1, not " + v);
        }
        return v == 1;
    }

    @Override
    public void infer(InferContext ctx) {
        ConvOp.requireFloat(ctx, 0, "X");
        Shape x = ctx.shape(0);
        Shape y = Shape.of(ConvWindow.outputDims(geometry(x), x.rank() - 2));
        ctx.output(0, DType.FLOAT32, y);
        if (indices) {
            ctx.output(1, DType.INT64, y);
        }
    }

    @Override
    public void run(Tensor[] in, Tensor[] out) {
        LastGeometry cached = last;
        ConvGeometry g;
        if (cached != null && cached.x.equals(in[0].shape())) {
            g = cached.geometry;
        } else {
            g = geometry(in[0].shape());
            last = new LastGeometry(in[0].shape(), g);
        }
        MemorySegment x = in[0].segment();
        MemorySegment y = out[0].segment();
        if (max && out.length > 1 && out[1] != null) {
            Pool.maxPoolWithIndices(y, out[1].segment(), x, g, columnMajor);
            return;
        }
        long floats = Pool.scratchFloats(g);
        // Slot 2: the row buffer is the pool's own (slots 0 and 1 belong to conv and GEMM).
        MemorySegment scratch = floats == 0 ? MemorySegment.NULL : Scratch.get(2, floats * 4);
        if (max) {
            Pool.maxPool(y, x, g, scratch);
        } else {
            Pool.avgPool(y, x, g, countIncludePad, scratch);
        }
    }

    private ConvGeometry geometry(Shape x) {
        if (x.rank() < 3 || x.rank() > 5) {
            throw new IllegalArgumentException("input X must have rank 3 to 5 (1-D to 3-D), not shape " + x);
        }
        if (x.rank() - 2 != kernel.length) {
            throw new IllegalArgumentException("kernel_shape has " + kernel.length + " axes but input X " + x + " has "
                    + (x.rank() - 2) + " spatial axes");
        }
        return window.geometry(x.dim(0), x.dim(1), x.dim(1), 1, ConvWindow.spatial(x), kernel);
    }
}
