package org.helu4j.op;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.helu4j.Tensor;
import org.helu4j.UnsupportedOperatorException;
import org.helu4j.graph.Node;
import org.helu4j.kernel.Conv;
import org.helu4j.kernel.ConvGeometry;
import org.helu4j.kernel.Scratch;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/** ONNX Conv (opsets 1 to 17): X [N, C, spatial...], W [M, C/group, k...], optional B [M]; 1-D to 3-D. */
final class ConvOp extends Op {
    private final ConvWindow window;
    private final int group;
    private final boolean relu;
    /** The geometry of the last run, reused while the shapes repeat, so that a steady run allocates nothing. */
    private volatile LastGeometry last;

    private record LastGeometry(Shape x, Shape w, ConvGeometry geometry) {
    }

    ConvOp(Node node) throws UnsupportedOperatorException {
        super(node);
        window = new ConvWindow(node, false, false);
        long g = node.attributes().getInt("group", 1);
        if (g < 1 || g > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("attribute group must be positive, not " + g);
        }
        group = (int) g;
        relu = fusedRelu(node);
    }

    @Override
    public void infer(InferContext ctx) {
        requireFloat(ctx, 0, "X");
        requireFloat(ctx, 1, "W");
        Shape bias = null;
        if (ctx.has(2)) {
            requireFloat(ctx, 2, "B");
            bias = ctx.shape(2);
        }
        Shape x = ctx.shape(0);
        ConvGeometry g = geometry(x, ctx.shape(1), bias);
        ctx.output(0, DType.FLOAT32, Shape.of(ConvWindow.outputDims(g, x.rank() - 2)));
    }

    @Override
    public void run(Tensor[] in, Tensor[] out) {
        Tensor b = in.length > 2 ? in[2] : null;
        LastGeometry cached = last;
        ConvGeometry g;
        if (cached != null && cached.x.equals(in[0].shape()) && cached.w.equals(in[1].shape())) {
            g = cached.geometry;
        } else {
            g = geometry(in[0].shape(), in[1].shape(), b == null ? null : b.shape());
            last = new LastGeometry(in[0].shape(), in[1].shape(), g);
        }
        MemorySegment bias = b == null ? null : b.segment();
        long floats = Conv.scratchFloats(g);
        MemorySegment scratch = floats == 0 ? MemorySegment.NULL : Scratch.get(0, floats * 4);
        Conv.conv(out[0].segment(), in[0].segment(), in[1].segment(), bias, g, relu, scratch);
    }

    private ConvGeometry geometry(Shape x, Shape w, Shape bias) {
        if (x.rank() < 3 || x.rank() > 5) {
            throw new IllegalArgumentException("input X must have rank 3 to 5 (1-D to 3-D), not shape " + x);
        }
        if (w.rank() != x.rank()) {
            throw new IllegalArgumentException("weight W " + w + " must have the rank of input X " + x);
        }
        int c = x.dim(1);
        int m = w.dim(0);
        if ((long) w.dim(1) * group != c) {
            throw new IllegalArgumentException("input has " + c + " channels but the weight expects " + w.dim(1)
                    + " per group x " + group + " groups");
        }
        if (m % group != 0) {
            throw new IllegalArgumentException("weight has " + m + " output channels, not divisible by group " + group);
        }
        if (bias != null && (bias.rank() != 1 || bias.dim(0) != m)) {
            throw new IllegalArgumentException("bias B " + bias + " must have shape [" + m + "]");
        }
        int[] kernel = ConvWindow.spatial(w);
        long[] attr = window.kernelShape();
        if (attr != null && !Arrays.equals(attr, Arrays.copyOfRange(w.longDims(), 2, w.rank()))) {
            throw new IllegalArgumentException("kernel_shape " + Arrays.toString(attr) + " does not match the weight " + w);
        }
        return window.geometry(x.dim(0), c, m, group, ConvWindow.spatial(x), kernel);
    }

    static void requireFloat(InferContext ctx, int i, String name) {
        if (ctx.type(i) != DType.FLOAT32) {
            throw new IllegalArgumentException("input " + name + " must be float32, not " + ctx.type(i));
        }
    }
}
