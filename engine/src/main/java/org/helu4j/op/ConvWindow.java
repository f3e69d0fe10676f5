package org.helu4j.op;

import java.util.Arrays;
import org.helu4j.UnsupportedOperatorException;
import org.helu4j.graph.Attributes;
import org.helu4j.graph.Node;
import org.helu4j.kernel.ConvGeometry;

/**
 * The sliding-window attributes that Conv, MaxPool and AveragePool share (auto_pad, kernel_shape, strides, pads,
 * dilations, and the pools' ceil_mode), checked once at load time, and turned into a {@link ConvGeometry} once
 * the input shape is known.
 */
final class ConvWindow {
    /** Largest kernel, stride, dilation or pad accepted: the same cap as a tensor dimension. */
    private static final long MAX_VALUE = 1L << 30;

    enum AutoPad { NOTSET, SAME_UPPER, SAME_LOWER, VALID }

    private final AutoPad autoPad;
    private final long[] kernelShape;
    private final long[] strides;
    private final long[] pads;
    private final long[] dilations;
    private final boolean ceilMode;

    /**
     * Reads the attributes of {@code node}. {@code kernelRequired} for the pools; {@code ceilMode} is the pools'
     * attribute (false for Conv).
     */
    ConvWindow(Node node, boolean kernelRequired, boolean ceilMode) throws UnsupportedOperatorException {
        Attributes a = node.attributes();
        String pad = a.getString("auto_pad", "NOTSET");
        try {
            autoPad = AutoPad.valueOf(pad.isEmpty() ? "NOTSET" : pad);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("auto_pad must be NOTSET, SAME_UPPER, SAME_LOWER or VALID, not '" + pad + "'");
        }
        kernelShape = checked(a.getInts("kernel_shape"), "kernel_shape", 1);
        strides = checked(a.getInts("strides"), "strides", 1);
        pads = checked(a.getInts("pads"), "pads", 0);
        dilations = checked(a.getInts("dilations"), "dilations", 1);
        this.ceilMode = ceilMode;
        if (kernelRequired && kernelShape == null) {
            throw new IllegalArgumentException("attribute kernel_shape is required");
        }
        int rank = kernelShape != null ? kernelShape.length : strides != null ? strides.length
                : dilations != null ? dilations.length : pads != null ? pads.length / 2 : -1;
        if (rank == 0 || rank > 3) {
            throw new UnsupportedOperatorException(node.opType(), node.domain(), node.name(), node.opset(),
                    "only 1-D, 2-D and 3-D windows are supported, not " + rank + "-D");
        }
        if (rank > 0) {
            requireLength(strides, "strides", rank);
            requireLength(dilations, "dilations", rank);
            requireLength(pads, "pads", 2 * rank);
        }
    }

    private static long[] checked(long[] v, String name, long min) {
        if (v == null) {
            return null;
        }
        for (long x : v) {
            if (x < min || x > MAX_VALUE) {
                throw new IllegalArgumentException("attribute " + name + " has an invalid value " + x + " in "
                        + Arrays.toString(v) + (min > 0 ? " (must be positive)" : " (must not be negative)"));
            }
        }
        return v;
    }

    private static void requireLength(long[] v, String name, int length) {
        if (v != null && v.length != length) {
            throw new IllegalArgumentException("attribute " + name + " " + Arrays.toString(v) + " should have "
                    + length + " values for a " + (name.equals("pads") ? length / 2 : length) + "-D window");
        }
    }

    /** The kernel_shape attribute, or null when absent (Conv then takes it from the weight). */
    long[] kernelShape() {
        return kernelShape == null ? null : kernelShape.clone();
    }

    /**
     * The geometry for input spatial dims {@code in} and a kernel of {@code kernel} taps per axis.
     *
     * @throws IllegalArgumentException when the attributes do not fit the input, or the output would be empty
     */
    ConvGeometry geometry(int batch, int inChannels, int outChannels, int group, int[] in, int[] kernel) {
        int r = in.length;
        if (r < 1 || r > 3) {
            throw new IllegalArgumentException("only 1-D, 2-D and 3-D inputs are supported, this one has " + r
                    + " spatial axes");
        }
        if (kernel.length != r) {
            throw new IllegalArgumentException("the kernel has " + kernel.length + " spatial axes but the input " + r);
        }
        if (kernelShape != null && kernelShape.length != r) {
            throw new IllegalArgumentException("kernel_shape " + Arrays.toString(kernelShape) + " does not fit an input with "
                    + r + " spatial axes");
        }
        requireLength(strides, "strides", r);
        requireLength(dilations, "dilations", r);
        requireLength(pads, "pads", 2 * r);
        int[] s = new int[r], d = new int[r], pb = new int[r], pe = new int[r], out = new int[r];
        for (int i = 0; i < r; i++) {
            s[i] = strides == null ? 1 : (int) strides[i];
            d[i] = dilations == null ? 1 : (int) dilations[i];
            long begin = 0, end = 0;
            switch (autoPad) {
                case NOTSET -> {
                    begin = pads == null ? 0 : pads[i];
                    end = pads == null ? 0 : pads[i + r];
                }
                case SAME_UPPER, SAME_LOWER -> {
                    long[] same = ConvGeometry.samePads(in[i], kernel[i], s[i], d[i], autoPad == AutoPad.SAME_UPPER);
                    begin = same[0];
                    end = same[1];
                }
                case VALID -> {
                }
            }
            if (in[i] + begin + end > MAX_VALUE) {
                throw new IllegalArgumentException("padded input size " + (in[i] + begin + end) + " on spatial axis " + i
                        + " is out of range");
            }
            long o = ConvGeometry.outputSize(in[i], kernel[i], s[i], d[i], begin, end,
                    ceilMode && autoPad == AutoPad.NOTSET);
            if (o < 1) {
                throw new IllegalArgumentException("input size " + in[i] + " on spatial axis " + i + " (pads " + begin
                        + "+" + end + ") is smaller than the kernel (" + kernel[i] + " taps, dilation " + d[i] + ")");
            }
            pb[i] = (int) begin;
            pe[i] = (int) end;
            out[i] = (int) o;
        }
        return new ConvGeometry(batch, inChannels, outChannels, group, in, kernel, s, d, pb, pe, out);
    }

    /** The output shape [N, M, out...] of a geometry made by {@link #geometry}. */
    static long[] outputDims(ConvGeometry g, int rank) {
        long[] dims = new long[rank + 2];
        dims[0] = g.batch;
        dims[1] = g.outChannels;
        int[] o = {g.outD, g.outH, g.outW};
        for (int i = 0; i < rank; i++) {
            dims[2 + i] = o[3 - rank + i];
        }
        return dims;
    }

    /** Spatial dims of an [N, C, spatial...] shape. */
    static int[] spatial(org.helu4j.tensor.Shape x) {
        return Arrays.copyOfRange(x.dims(), 2, x.rank());
    }
}
