package org.helu4j.op;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * GridSample (opset 16, 4-D): samples {@code X[N, C, H, W]} at the normalized (x, y) positions of
 * {@code grid[N, H_out, W_out, 2]}, with bilinear, nearest (round half to even) or bicubic (Keys, a = -0.75)
 * interpolation, and zeros, border or reflection padding, following the ONNX reference (which follows PyTorch).
 * Each grid point's position is computed once and then used for every channel.
 */
final class GridSampleOp extends Op {
    private enum Mode { BILINEAR, NEAREST, BICUBIC }

    private enum Padding { ZEROS, BORDER, REFLECTION }

    private final Mode mode;
    private final Padding padding;
    private final boolean alignCorners;

    GridSampleOp(Node node) {
        super(node);
        String m = node.attributes().getString("mode", "bilinear");
        mode = switch (m) {
            case "bilinear", "linear" -> Mode.BILINEAR;
            case "nearest" -> Mode.NEAREST;
            case "bicubic", "cubic" -> Mode.BICUBIC;
            default -> throw new IllegalArgumentException("unsupported GridSample mode '" + m + "'");
        };
        String p = node.attributes().getString("padding_mode", "zeros");
        padding = switch (p) {
            case "zeros" -> Padding.ZEROS;
            case "border" -> Padding.BORDER;
            case "reflection" -> Padding.REFLECTION;
            default -> throw new IllegalArgumentException("unsupported GridSample padding_mode '" + p + "'");
        };
        alignCorners = node.attributes().getInt("align_corners", 0) != 0;
    }

    @Override
    public void infer(InferContext ctx) {
        Shape x = ctx.shape(0);
        Shape g = ctx.shape(1);
        if (ctx.type(0) != DType.FLOAT32 || ctx.type(1) != DType.FLOAT32) {
            throw new IllegalArgumentException("GridSample supports float32 only");
        }
        if (x.rank() != 4 || g.rank() != 4 || g.dim(0) != x.dim(0) || g.dim(3) != 2) {
            throw new IllegalArgumentException("GridSample needs X [N, C, H, W] and grid [N, H_out, W_out, 2], not "
                    + x + " and " + g);
        }
        ctx.output(0, DType.FLOAT32, Shape.of(x.dim(0), x.dim(1), g.dim(1), g.dim(2)));
    }

    @Override
    public void run(Tensor[] in, Tensor[] out) {
        Shape xs = in[0].shape();
        int n = xs.dim(0);
        int channels = xs.dim(1);
        int h = xs.dim(2);
        int w = xs.dim(3);
        int hOut = in[1].shape().dim(1);
        int wOut = in[1].shape().dim(2);
        MemorySegment x = in[0].segment();
        MemorySegment grid = in[1].segment();
        MemorySegment y = out[0].segment();
        // the valid range of unnormalized positions: pixel centres, or their outer edges
        double xMin = alignCorners ? 0 : -0.5;
        double xMax = alignCorners ? w - 1 : w - 0.5;
        double yMin = alignCorners ? 0 : -0.5;
        double yMax = alignCorners ? h - 1 : h - 0.5;
        long plane = (long) h * w;
        long outPlane = (long) hOut * wOut;
        double[] cx = new double[4];
        double[] cy = new double[4];
        for (int b = 0; b < n; b++) {
            for (int oy = 0; oy < hOut; oy++) {
                for (int ox = 0; ox < wOut; ox++) {
                    long gp = (((long) b * hOut + oy) * wOut + ox) * 2;
                    double px = position(grid.getAtIndex(ValueLayout.JAVA_FLOAT, gp), w);
                    double py = position(grid.getAtIndex(ValueLayout.JAVA_FLOAT, gp + 1), h);
                    if (mode == Mode.NEAREST) {
                        px = Math.rint(px);
                        py = Math.rint(py);
                    }
                    if (px < xMin || px > xMax || py < yMin || py > yMax) {
                        if (padding == Padding.BORDER) {
                            px = Math.max(0, Math.min(w - 1, px));
                            py = Math.max(0, Math.min(h - 1, py));
                        } else if (padding == Padding.REFLECTION) {
                            px = reflect(px, xMin, xMax);
                            py = reflect(py, yMin, yMax);
                        }
                    }
                    int x0 = (int) Math.floor(px);
                    int y0 = (int) Math.floor(py);
                    if (mode == Mode.BICUBIC) {
                        cubic(px - x0, cx);
                        cubic(py - y0, cy);
                    }
                    long o = (long) b * channels * outPlane + (long) oy * wOut + ox;
                    for (int c = 0; c < channels; c++) {
                        long base = ((long) b * channels + c) * plane;
                        double v;
                        if (mode == Mode.NEAREST) {
                            v = pixel(x, base, (int) py, (int) px, h, w, xMin, xMax, yMin, yMax);
                        } else if (mode == Mode.BILINEAR) {
                            double fx = px - x0;
                            double fy = py - y0;
                            v = (1 - fy) * ((1 - fx) * pixel(x, base, y0, x0, h, w, xMin, xMax, yMin, yMax)
                                            + fx * pixel(x, base, y0, x0 + 1, h, w, xMin, xMax, yMin, yMax))
                                    + fy * ((1 - fx) * pixel(x, base, y0 + 1, x0, h, w, xMin, xMax, yMin, yMax)
                                            + fx * pixel(x, base, y0 + 1, x0 + 1, h, w, xMin, xMax, yMin, yMax));
                        } else {
                            v = 0;
                            for (int i = 0; i < 4; i++) {
                                double row = 0;
                                for (int j = 0; j < 4; j++) {
                                    row += cx[j] * pixel(x, base, y0 - 1 + i, x0 - 1 + j, h, w, xMin, xMax, yMin, yMax);
                                }
                                v += cy[i] * row;
                            }
                        }
                        y.setAtIndex(ValueLayout.JAVA_FLOAT, o + c * outPlane, (float) v);
                    }
                }
            }
        }
    }

    /** A normalized coordinate in [-1, 1] as a pixel position. */
    private double position(float normalized, int length) {
        return alignCorners ? (normalized + 1) / 2.0 * (length - 1) : ((normalized + 1) * length - 1) / 2.0;
    }

    /** Reflects by the nearer border until inside [lo, hi]. */
    private static double reflect(double v, double lo, double hi) {
        double range = hi - lo;
        if (range <= 0) {
            return lo;
        }
        if (v < lo) {
            double d = lo - v;
            long k = (long) (d / range);
            double r = d - k * range;
            return k % 2 == 0 ? lo + r : hi - r;
        }
        if (v > hi) {
            double d = v - hi;
            long k = (long) (d / range);
            double r = d - k * range;
            return k % 2 == 0 ? hi - r : lo + r;
        }
        return v;
    }

    /** The pixel at integer (r, c) of one plane, with the padding rule for positions outside it. */
    private double pixel(MemorySegment x, long base, int r, int c, int h, int w, double xMin, double xMax,
            double yMin, double yMax) {
        switch (padding) {
            case ZEROS -> {
                if (r < 0 || r >= h || c < 0 || c >= w) {
                    return 0;
                }
            }
            case BORDER -> {
                r = Math.max(0, Math.min(h - 1, r));
                c = Math.max(0, Math.min(w - 1, c));
            }
            case REFLECTION -> {
                r = Math.max(0, Math.min(h - 1, (int) reflect(r, yMin, yMax)));
                c = Math.max(0, Math.min(w - 1, (int) reflect(c, xMin, xMax)));
            }
        }
        return x.getAtIndex(ValueLayout.JAVA_FLOAT, base + (long) r * w + c);
    }

    /** Keys' cubic convolution weights (a = -0.75) for the four taps around a fraction t in [0, 1). */
    private static void cubic(double t, double[] k) {
        double a = -0.75;
        double t1 = t + 1;
        double t2 = 1 - t;
        double t3 = 2 - t;
        k[0] = ((a * t1 - 5 * a) * t1 + 8 * a) * t1 - 4 * a;
        k[1] = ((a + 2) * t - (a + 3)) * t * t + 1;
        k[2] = ((a + 2) * t2 - (a + 3)) * t2 * t2 + 1;
        k[3] = ((a * t3 - 5 * a) * t3 + 8 * a) * t3 - 4 * a;
    }
}
