package org.helu4j.kernel;

/**
 * The shape of one sliding-window operation (convolution or pooling) over NC-prefixed 1-D, 2-D or 3-D data,
 * normalized to three spatial axes (D, H, W): lower ranks get leading unit axes (size 1, kernel 1, stride 1,
 * no padding), so that one kernel serves every rank and a 1-D conv runs as a 2-D conv with H = 1.
 *
 * <p>Also holds the output-size arithmetic that Conv, MaxPool and AveragePool share.
 */
public final class ConvGeometry {
    public final int batch;
    public final int inChannels;
    /** Output channels; equal to {@link #inChannels} for pooling. */
    public final int outChannels;
    /** Convolution groups; 1 for pooling. */
    public final int group;
    public final int inD, inH, inW;
    public final int kD, kH, kW;
    public final int outD, outH, outW;
    public final int strideD, strideH, strideW;
    public final int dilD, dilH, dilW;
    /** Leading (begin) padding. */
    public final int padD, padH, padW;
    /** Trailing (end) padding: only AveragePool's count_include_pad needs it. */
    public final int padEndD, padEndH, padEndW;

    /**
     * Winograd's tile window and grouped 1×1 GEMM geometry for this conv, made by its first Winograd call and kept
     * here, with the op's geometry, so that later calls allocate nothing (a per-thread cache of the last one missed
     * on every call of a model with several conv shapes). Set racily: the pair and both geometries are immutable.
     */
    Winograd.Derived winograd;

    /**
     * Arrays are per spatial axis, outermost first, all of the same length 1 to 3.
     *
     * @throws IllegalArgumentException on inconsistent sizes
     */
    public ConvGeometry(int batch, int inChannels, int outChannels, int group, int[] in, int[] kernel, int[] strides,
            int[] dilations, int[] padsBegin, int[] padsEnd, int[] out) {
        int r = in.length;
        if (r < 1 || r > 3 || kernel.length != r || strides.length != r || dilations.length != r
                || padsBegin.length != r || padsEnd.length != r || out.length != r) {
            throw new IllegalArgumentException("window arrays must all have one entry per spatial axis (1 to 3)");
        }
        if (batch < 0 || inChannels < 0 || outChannels < 0 || group < 1 || inChannels % group != 0
                || outChannels % group != 0) {
            throw new IllegalArgumentException("bad channel counts: C=" + inChannels + " M=" + outChannels
                    + " group=" + group);
        }
        for (int i = 0; i < r; i++) {
            if (in[i] < 0 || out[i] < 0 || kernel[i] < 1 || strides[i] < 1 || dilations[i] < 1 || padsBegin[i] < 0
                    || padsEnd[i] < 0) {
                throw new IllegalArgumentException("bad window on spatial axis " + i);
            }
        }
        this.batch = batch;
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.group = group;
        inD = pick(in, r, 0, 1);
        inH = pick(in, r, 1, 1);
        inW = in[r - 1];
        kD = pick(kernel, r, 0, 1);
        kH = pick(kernel, r, 1, 1);
        kW = kernel[r - 1];
        outD = pick(out, r, 0, 1);
        outH = pick(out, r, 1, 1);
        outW = out[r - 1];
        strideD = pick(strides, r, 0, 1);
        strideH = pick(strides, r, 1, 1);
        strideW = strides[r - 1];
        dilD = pick(dilations, r, 0, 1);
        dilH = pick(dilations, r, 1, 1);
        dilW = dilations[r - 1];
        padD = pick(padsBegin, r, 0, 0);
        padH = pick(padsBegin, r, 1, 0);
        padW = padsBegin[r - 1];
        padEndD = pick(padsEnd, r, 0, 0);
        padEndH = pick(padsEnd, r, 1, 0);
        padEndW = padsEnd[r - 1];
    }

    /** Axis {@code axis} of the 3-D normal form (0 = D, 1 = H) from an array of rank {@code r}. */
    private static int pick(int[] a, int r, int axis, int unit) {
        int i = axis - (3 - r);
        return i >= 0 ? a[i] : unit;
    }

    /** Elements in one channel of the input. */
    public long inSpatial() {
        return (long) inD * inH * inW;
    }

    /** Elements in one channel of the output. */
    public long outSpatial() {
        return (long) outD * outH * outW;
    }

    /** Taps in one kernel window. */
    public int kernelSize() {
        return kD * kH * kW;
    }

    /** True for a depthwise convolution: one input channel per group (a channel multiplier is allowed). */
    public boolean isDepthwise() {
        return group == inChannels && group > 1;
    }

    /** True for a 1x1(x1) convolution with unit strides and no padding: the input itself is the im2col matrix. */
    public boolean isPointwise() {
        return kD == 1 && kH == 1 && kW == 1 && strideD == 1 && strideH == 1 && strideW == 1
                && padD == 0 && padH == 0 && padW == 0 && outD == inD && outH == inH && outW == inW;
    }

    /** The extent of a dilated kernel, {@code (k - 1) * d + 1}. */
    public static long dilatedKernel(long k, long d) {
        return (k - 1) * d + 1;
    }

    /**
     * The output size along one axis with explicit padding: {@code floor((in + pads - dilatedKernel) / s) + 1}, or
     * with {@code ceil} the ceiling, where a last window that would start inside the trailing padding is dropped
     * (as PyTorch and ONNX do). Returns a value below 1 when the padded input is smaller than the kernel.
     */
    public static long outputSize(long in, long k, long s, long d, long padBegin, long padEnd, boolean ceil) {
        long span = in + padBegin + padEnd - dilatedKernel(k, d);
        if (span < 0) {
            return 0;
        }
        long out = (ceil ? Math.ceilDiv(span, s) : Math.floorDiv(span, s)) + 1;
        if (ceil && (out - 1) * s >= in + padBegin) {
            out--;
        }
        return out;
    }

    /**
     * The {begin, end} padding of auto_pad SAME_UPPER ({@code upper}) or SAME_LOWER: the output has
     * {@code ceil(in / s)} elements and the odd pad, if any, goes at the end (upper) or the beginning (lower).
     */
    public static long[] samePads(long in, long k, long s, long d, boolean upper) {
        long out = Math.ceilDiv(in, s);
        long total = Math.max(0, (out - 1) * s + dilatedKernel(k, d) - in);
        long small = total / 2;
        return upper ? new long[] {small, total - small} : new long[] {total - small, small};
    }

    /**
     * How many taps {@code start + t * d} (t in [0, k)) fall inside [lo, hi): the divisor of an average pool
     * along one axis.
     */
    public static int tapsInside(long start, int k, int d, long lo, long hi) {
        long first = Math.max(0, Math.ceilDiv(lo - start, d));
        long last = Math.min(k - 1, Math.floorDiv(hi - 1 - start, d));
        return (int) Math.max(0, last - first + 1);
    }
}
