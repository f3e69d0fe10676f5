package org.helu4j.op;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.kernel.Scratch;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * Resize (and the older Upsample) over float32 in nearest, linear and cubic modes, with every coordinate
 * transformation of opsets 10 to 17. Each of these interpolations is a product of one-dimensional ones, so the
 * tensor is resized one axis at a time: every output coordinate along an axis reads a few taps (1, 2 or 4 input
 * indices with weights) of the previous pass. Coordinates follow the ONNX reference implementation, including
 * its edge clamping, {@code exclude_outside} renormalization and {@code tf_crop_and_resize} extrapolation.
 */
final class ResizeOp extends Op {
    private enum Mode { NEAREST, LINEAR, CUBIC }

    private enum Coord { HALF_PIXEL, PYTORCH_HALF_PIXEL, ALIGN_CORNERS, ASYMMETRIC, TF_HALF_PIXEL_FOR_NN, TF_CROP_AND_RESIZE }

    /** SIMPLE is Upsample's and Resize-10's rule: the floor when enlarging an axis, the ceiling when shrinking it. */
    private enum Nearest { ROUND_PREFER_FLOOR, ROUND_PREFER_CEIL, FLOOR, CEIL, SIMPLE }

    private final boolean upsample;
    private final Mode mode;
    private final Coord coord;
    private final Nearest nearest;
    private final double cubicA;
    private final boolean excludeOutside;
    private final float extrapolation;
    private final float[] scalesAttr;

    ResizeOp(Node node) {
        super(node);
        var a = node.attributes();
        upsample = node.opType().equals("Upsample");
        String m = a.getString("mode", "nearest");
        mode = switch (m) {
            case "nearest" -> Mode.NEAREST;
            case "linear", "bilinear" -> Mode.LINEAR;
            case "cubic" -> Mode.CUBIC;
            default -> throw new IllegalArgumentException("unsupported " + node.opType() + " mode '" + m + "'");
        };
        // Upsample and Resize-10 map output x to x / scale.
        boolean legacy = upsample || node.opset() < 11;
        String c = legacy ? "asymmetric" : a.getString("coordinate_transformation_mode", "half_pixel");
        coord = switch (c) {
            case "half_pixel" -> Coord.HALF_PIXEL;
            case "pytorch_half_pixel" -> Coord.PYTORCH_HALF_PIXEL;
            case "align_corners" -> Coord.ALIGN_CORNERS;
            case "asymmetric" -> Coord.ASYMMETRIC;
            case "tf_half_pixel_for_nn" -> Coord.TF_HALF_PIXEL_FOR_NN;
            case "tf_crop_and_resize" -> Coord.TF_CROP_AND_RESIZE;
            default -> throw new IllegalArgumentException("unsupported coordinate_transformation_mode '" + c + "'");
        };
        String n = legacy ? "simple" : a.getString("nearest_mode", "round_prefer_floor");
        nearest = switch (n) {
            case "round_prefer_floor" -> Nearest.ROUND_PREFER_FLOOR;
            case "round_prefer_ceil" -> Nearest.ROUND_PREFER_CEIL;
            case "floor" -> Nearest.FLOOR;
            case "ceil" -> Nearest.CEIL;
            case "simple" -> Nearest.SIMPLE;
            default -> throw new IllegalArgumentException("unsupported nearest_mode '" + n + "'");
        };
        if (mode == Mode.CUBIC && legacy) {
            throw new IllegalArgumentException("cubic mode needs Resize from opset 11");
        }
        cubicA = a.getFloat("cubic_coeff_a", -0.75f);
        excludeOutside = a.getInt("exclude_outside", 0) != 0;
        extrapolation = a.getFloat("extrapolation_value", 0f);
        scalesAttr = upsample && node.opset() < 9 ? a.getFloats("scales") : null;
        if (upsample && node.opset() < 9 && scalesAttr == null) {
            throw new IllegalArgumentException("attribute 'scales' is required before opset 9");
        }
    }

    /** The resolved parameters of one call: output dims, per-axis scales and the region of interest. */
    private record Plan(long[] dims, double[] scales, float[] roi) {
    }

    private Plan plan(Shape in, Tensor roiT, Tensor scalesT, Tensor sizesT) {
        int r = in.rank();
        float[] scales = scalesAttr;
        if (scales == null && scalesT != null && scalesT.size() > 0) {
            scales = scalesT.toFloatArray();
        }
        long[] sizes = sizesT != null && sizesT.size() > 0 ? sizesT.toLongArray() : null;
        if ((scales == null) == (sizes == null)) {
            throw new IllegalArgumentException("exactly one of scales and sizes must be given");
        }
        long[] dims = new long[r];
        double[] s = new double[r];
        for (int k = 0; k < r; k++) {
            if (sizes != null) {
                if (sizes.length != r) {
                    throw new IllegalArgumentException("sizes " + Arrays.toString(sizes) + " do not match rank " + r);
                }
                dims[k] = sizes[k];
                s[k] = in.dim(k) == 0 ? 1 : (double) sizes[k] / in.dim(k);
            } else {
                if (scales.length != r) {
                    throw new IllegalArgumentException("scales " + Arrays.toString(scales) + " do not match rank " + r);
                }
                if (!(scales[k] > 0) || scales[k] > Shape.MAX_ELEMENTS) {
                    throw new IllegalArgumentException("scales must be positive, not " + Arrays.toString(scales));
                }
                s[k] = scales[k];
                dims[k] = (long) Math.floor(s[k] * in.dim(k));
            }
            if (in.dim(k) == 0 && dims[k] > 0) {
                throw new IllegalArgumentException("cannot resize empty axis " + k + " of " + in + " to " + dims[k]);
            }
        }
        float[] roi = null;
        if (coord == Coord.TF_CROP_AND_RESIZE) {
            roi = roiT == null ? null : roiT.toFloatArray();
            if (roi == null || roi.length != 2 * r) {
                throw new IllegalArgumentException("tf_crop_and_resize needs a roi of 2 x rank = " + 2 * r + " values");
            }
        }
        return new Plan(dims, s, roi);
    }

    private Tensor input(InferContext ctx, int i) {
        return ctx.has(i) ? ctx.value(i) : null;
    }

    @Override
    public void infer(InferContext ctx) {
        if (ctx.type(0) != DType.FLOAT32) {
            throw new IllegalArgumentException(node.opType() + " supports float32 only, not " + ctx.type(0));
        }
        Plan p = upsample || node.opset() < 11 ? plan(ctx.shape(0), null, scalesAttr == null ? input(ctx, 1) : null, null)
                : plan(ctx.shape(0), input(ctx, 1), input(ctx, 2), input(ctx, 3));
        ctx.output(0, DType.FLOAT32, Shape.of(p.dims));
    }

    private static Tensor at(Tensor[] in, int i) {
        return i < in.length ? in[i] : null;
    }

    /** One axis resampled: the input viewed as [outer, nIn, inner] becomes [outer, nOut, inner]. */
    private record Pass(long outer, int nIn, int nOut, long inner, Taps taps) {
    }

    /** Every pass for one input shape and one set of roi/scales/sizes values (the key). */
    private record Schedule(Shape shape, float[] roi, float[] scales, long[] sizes, Pass[] passes, int[] outDims,
            boolean[][] outside) {
        boolean matches(Shape s, Tensor roiT, Tensor scalesT, Tensor sizesT) {
            return shape.equals(s) && Strided.same(roiT, roi) && Strided.same(scalesT, scales)
                    && Strided.same(sizesT, sizes);
        }
    }

    private volatile Schedule last; // the schedule of the last run: the same inputs run again without allocating

    @Override
    public void run(Tensor[] in, Tensor[] out) {
        Shape s = in[0].shape();
        boolean legacy = upsample || node.opset() < 11;
        Tensor roiT = legacy ? null : at(in, 1);
        Tensor scalesT = legacy ? (scalesAttr == null ? at(in, 1) : null) : at(in, 2);
        Tensor sizesT = legacy ? null : at(in, 3);
        // the key holds only what the plan reads: roi in crop mode, float scales, int64 sizes (inference has
        // checked those; an empty input of another type is simply absent)
        Tensor roiKey = coord == Coord.TF_CROP_AND_RESIZE ? roiT : null;
        Tensor scalesKey = scalesT != null && scalesT.type() == DType.FLOAT32 ? scalesT : null;
        Tensor sizesKey = sizesT != null && sizesT.type() == DType.INT64 ? sizesT : null;
        Schedule sc = last;
        if (sc == null || !sc.matches(s, roiKey, scalesKey, sizesKey)) {
            sc = schedule(s, roiKey, scalesKey, sizesKey);
            last = sc;
        }
        if (out[0].size() == 0) {
            return;
        }
        MemorySegment src = in[0].segment();
        for (int i = 0; i < sc.passes.length; i++) {
            Pass p = sc.passes[i];
            MemorySegment dst = i == sc.passes.length - 1 ? out[0].segment()
                    : Scratch.get(2 + (i & 1), p.outer * p.nOut * p.inner * 4);
            resample(src, dst, p.outer, p.nIn, p.nOut, p.inner, p.taps);
            src = dst;
        }
        if (sc.passes.length == 0) {
            Strided.copyAll(in[0], out[0]);
        }
        if (coord == Coord.TF_CROP_AND_RESIZE) {
            extrapolate(out[0].segment(), sc.outDims, sc.outside);
        }
    }

    private Schedule schedule(Shape s, Tensor roiT, Tensor scalesT, Tensor sizesT) {
        Plan p = plan(s, roiT, scalesT, sizesT);
        int r = s.rank();
        int[] cur = s.dims();
        boolean[][] outside = new boolean[r][];
        java.util.List<Pass> passes = new java.util.ArrayList<>();
        for (int k = 0; k < r; k++) {
            int nIn = cur[k];
            int nOut = (int) p.dims[k];
            if (nIn == nOut && p.scales[k] == 1 && coord != Coord.TF_CROP_AND_RESIZE) {
                continue;
            }
            if (nIn == 0 && nOut > 0) {
                throw new IllegalArgumentException("cannot resize empty axis " + k + " of " + s + " to " + nOut);
            }
            Taps taps = taps(nIn, nOut, p.scales[k], p.roi == null ? 0 : p.roi[k], p.roi == null ? 1 : p.roi[k + r]);
            outside[k] = taps.outside;
            long outer = 1;
            for (int i = 0; i < k; i++) {
                outer *= cur[i];
            }
            long inner = 1;
            for (int i = k + 1; i < r; i++) {
                inner *= cur[i];
            }
            cur[k] = nOut;
            passes.add(new Pass(outer, nIn, nOut, inner, taps));
        }
        return new Schedule(s, roiT == null ? null : roiT.toFloatArray(), scalesT == null ? null : scalesT.toFloatArray(),
                sizesT == null ? null : sizesT.toLongArray(), passes.toArray(Pass[]::new), cur, outside);
    }

    /** For each output coordinate of one axis: {@code n} input indices and weights, and whether it lies outside. */
    private record Taps(int n, int[] index, double[] weight, boolean[] outside) {
    }

    private Taps taps(int nIn, int nOut, double scale, float roiStart, float roiEnd) {
        int n = switch (mode) {
            case NEAREST -> 1;
            case LINEAR -> 2;
            case CUBIC -> 4;
        };
        int[] index = new int[nOut * n];
        double[] weight = new double[nOut * n];
        boolean[] outside = new boolean[nOut];
        double outWidth = scale * nIn; // the reference uses the unrounded width
        for (int j = 0; j < nOut; j++) {
            double x = switch (coord) {
                case HALF_PIXEL -> (j + 0.5) / scale - 0.5;
                case PYTORCH_HALF_PIXEL -> nOut > 1 ? (j + 0.5) / scale - 0.5 : 0;
                case ALIGN_CORNERS -> outWidth == 1 ? 0 : j * (nIn - 1) / (outWidth - 1);
                case ASYMMETRIC -> j / scale;
                case TF_HALF_PIXEL_FOR_NN -> (j + 0.5) / scale;
                case TF_CROP_AND_RESIZE -> (nOut > 1 ? j * (double) (roiEnd - roiStart) * (nIn - 1) / (nOut - 1)
                        : (double) (roiEnd - roiStart) * (nIn - 1) / 2) + roiStart * (double) (nIn - 1);
            };
            outside[j] = coord == Coord.TF_CROP_AND_RESIZE && (x < 0 || x > nIn - 1);
            double x0 = Math.floor(x);
            double f = x - x0;
            int base = (int) Math.max(-4, Math.min(nIn + 4L, (long) x0));
            int t = j * n;
            switch (mode) {
                case NEAREST -> {
                    boolean up = f != 0 && switch (nearest) {
                        case ROUND_PREFER_FLOOR -> f > 0.5;
                        case ROUND_PREFER_CEIL -> f >= 0.5;
                        case FLOOR -> false;
                        case CEIL -> true;
                        case SIMPLE -> scale < 1;
                    };
                    index[t] = base + (up ? 1 : 0);
                    weight[t] = 1;
                }
                case LINEAR -> {
                    index[t] = base;
                    index[t + 1] = base + 1;
                    weight[t] = 1 - f;
                    weight[t + 1] = f;
                }
                case CUBIC -> {
                    double a = cubicA;
                    double s1 = f + 1;
                    double s2 = 1 - f;
                    double s3 = 2 - f;
                    index[t] = base - 1;
                    index[t + 1] = base;
                    index[t + 2] = base + 1;
                    index[t + 3] = base + 2;
                    weight[t] = ((a * s1 - 5 * a) * s1 + 8 * a) * s1 - 4 * a;
                    weight[t + 1] = ((a + 2) * f - (a + 3)) * f * f + 1;
                    weight[t + 2] = ((a + 2) * s2 - (a + 3)) * s2 * s2 + 1;
                    weight[t + 3] = ((a * s3 - 5 * a) * s3 + 8 * a) * s3 - 4 * a;
                }
            }
            if (excludeOutside) {
                double sum = 0;
                for (int i = t; i < t + n; i++) {
                    if (index[i] < 0 || index[i] >= nIn) {
                        weight[i] = 0;
                    }
                    sum += weight[i];
                }
                for (int i = t; i < t + n && sum != 0; i++) {
                    weight[i] /= sum;
                }
            }
            for (int i = t; i < t + n; i++) {
                index[i] = Math.max(0, Math.min(nIn - 1, index[i])); // the reference pads with edge values
            }
        }
        return new Taps(n, index, weight, outside);
    }

    /** One axis: dst[o, j, i] = sum over taps of weight * src[o, index, i]. */
    private static void resample(MemorySegment src, MemorySegment dst, long outer, int nIn, int nOut, long inner, Taps taps) {
        int n = taps.n;
        for (long o = 0; o < outer; o++) {
            long srcBase = o * nIn * inner;
            long dstBase = o * nOut * inner;
            for (int j = 0; j < nOut; j++) {
                long d = dstBase + j * inner;
                if (n == 1 && inner == 1) { // nearest along the last axis: one element, not a block copy
                    dst.setAtIndex(ValueLayout.JAVA_FLOAT, d, src.getAtIndex(ValueLayout.JAVA_FLOAT, srcBase + taps.index[j]));
                    continue;
                }
                if (n == 1) {
                    MemorySegment.copy(src, (srcBase + taps.index[j] * inner) * 4, dst, d * 4, inner * 4);
                    continue;
                }
                for (long i = 0; i < inner; i++) {
                    double acc = 0;
                    for (int t = j * n; t < j * n + n; t++) {
                        acc += taps.weight[t] * src.getAtIndex(ValueLayout.JAVA_FLOAT, srcBase + taps.index[t] * inner + i);
                    }
                    dst.setAtIndex(ValueLayout.JAVA_FLOAT, d + i, (float) acc);
                }
            }
        }
    }

    /** Sets every output element whose coordinate on some axis fell outside the input to the extrapolation value. */
    private void extrapolate(MemorySegment out, int[] dims, boolean[][] outside) {
        int r = dims.length;
        int[] idx = new int[r];
        long total = 1;
        for (int d : dims) {
            total *= d;
        }
        for (long e = 0; e < total; e++) {
            boolean off = false;
            for (int k = 0; k < r && !off; k++) {
                off = outside[k] != null && outside[k][idx[k]];
            }
            if (off) {
                out.setAtIndex(ValueLayout.JAVA_FLOAT, e, extrapolation);
            }
            for (int k = r - 1; k >= 0; k--) {
                if (++idx[k] < dims[k]) {
                    break;
                }
                idx[k] = 0;
            }
        }
    }
}
