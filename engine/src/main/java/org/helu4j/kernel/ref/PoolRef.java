package org.helu4j.kernel.ref;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.helu4j.kernel.ConvGeometry;

/**
 * Reference pooling: the ONNX definitions as plain loops over each window, double accumulation for averages.
 * Max follows {@link Math#max}: a NaN in the window gives NaN. The oracle for {@link org.helu4j.kernel.Pool}.
 */
public final class PoolRef {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;

    private PoolRef() {
    }

    /**
     * Max pooling of in [N, C, D, H, W] into out [N, C, oD, oH, oW]. When {@code indices} (int64, shaped like out)
     * is not null it receives the flat input index of each maximum (the first one on ties), counting the batch
     * and channel; spatially row-major, or column-major (first spatial axis fastest) if {@code columnMajor}.
     */
    public static void maxPool(MemorySegment out, MemorySegment indices, MemorySegment in, ConvGeometry g,
            boolean columnMajor) {
        long planes = (long) g.batch * g.inChannels;
        long o = 0;
        for (long pl = 0; pl < planes; pl++) {
            long base = pl * g.inSpatial();
            for (int od = 0; od < g.outD; od++) {
                for (int oh = 0; oh < g.outH; oh++) {
                    for (int ow = 0; ow < g.outW; ow++, o++) {
                        float best = Float.NEGATIVE_INFINITY;
                        long arg = -1;
                        for (int kd = 0; kd < g.kD; kd++) {
                            int id = od * g.strideD - g.padD + kd * g.dilD;
                            for (int kh = 0; kh < g.kH; kh++) {
                                int ih = oh * g.strideH - g.padH + kh * g.dilH;
                                for (int kw = 0; kw < g.kW; kw++) {
                                    int iw = ow * g.strideW - g.padW + kw * g.dilW;
                                    if (id < 0 || id >= g.inD || ih < 0 || ih >= g.inH || iw < 0 || iw >= g.inW) {
                                        continue;
                                    }
                                    float x = in.getAtIndex(F32, base + ((long) id * g.inH + ih) * g.inW + iw);
                                    if (arg < 0 || x > best || (Float.isNaN(x) && !Float.isNaN(best))) {
                                        arg = columnMajor ? id + (long) g.inD * (ih + (long) g.inH * iw)
                                                : ((long) id * g.inH + ih) * g.inW + iw;
                                    }
                                    best = Math.max(best, x);
                                }
                            }
                        }
                        out.setAtIndex(F32, o, best);
                        if (indices != null) {
                            indices.setAtIndex(ValueLayout.JAVA_LONG, o, arg < 0 ? -1 : base + arg);
                        }
                    }
                }
            }
        }
    }

    /**
     * Average pooling. The divisor counts the window's taps inside the input, or, with
     * {@code countIncludePad}, inside the padded input (begin and end pads; taps beyond them, as ceil_mode can
     * make, still do not count).
     */
    public static void avgPool(MemorySegment out, MemorySegment in, ConvGeometry g, boolean countIncludePad) {
        long planes = (long) g.batch * g.inChannels;
        long o = 0;
        for (long pl = 0; pl < planes; pl++) {
            long base = pl * g.inSpatial();
            for (int od = 0; od < g.outD; od++) {
                for (int oh = 0; oh < g.outH; oh++) {
                    for (int ow = 0; ow < g.outW; ow++, o++) {
                        double sum = 0;
                        long count = 0;
                        for (int kd = 0; kd < g.kD; kd++) {
                            int id = od * g.strideD - g.padD + kd * g.dilD;
                            for (int kh = 0; kh < g.kH; kh++) {
                                int ih = oh * g.strideH - g.padH + kh * g.dilH;
                                for (int kw = 0; kw < g.kW; kw++) {
                                    int iw = ow * g.strideW - g.padW + kw * g.dilW;
                                    boolean inside = id >= 0 && id < g.inD && ih >= 0 && ih < g.inH && iw >= 0 && iw < g.inW;
                                    boolean padded = id >= -g.padD && id < g.inD + g.padEndD && ih >= -g.padH
                                            && ih < g.inH + g.padEndH && iw >= -g.padW && iw < g.inW + g.padEndW;
                                    if (inside) {
                                        sum += in.getAtIndex(F32, base + ((long) id * g.inH + ih) * g.inW + iw);
                                    }
                                    if (countIncludePad ? padded : inside) {
                                        count++;
                                    }
                                }
                            }
                        }
                        out.setAtIndex(F32, o, (float) (sum / count));
                    }
                }
            }
        }
    }

    /** out[p] = mean of in[p * spatial ...], for each of {@code planes} (N * C) planes. */
    public static void globalAvg(MemorySegment out, MemorySegment in, long planes, long spatial) {
        for (long p = 0; p < planes; p++) {
            double sum = 0;
            for (long i = 0; i < spatial; i++) {
                sum += in.getAtIndex(F32, p * spatial + i);
            }
            out.setAtIndex(F32, p, (float) (sum / spatial));
        }
    }

    /** out[p] = max of in[p * spatial ...] ({@link Math#max}: NaN wins). */
    public static void globalMax(MemorySegment out, MemorySegment in, long planes, long spatial) {
        for (long p = 0; p < planes; p++) {
            float best = Float.NEGATIVE_INFINITY;
            for (long i = 0; i < spatial; i++) {
                best = Math.max(best, in.getAtIndex(F32, p * spatial + i));
            }
            out.setAtIndex(F32, p, best);
        }
    }
}
