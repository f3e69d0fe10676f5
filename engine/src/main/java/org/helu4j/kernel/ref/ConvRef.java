package org.helu4j.kernel.ref;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.helu4j.kernel.ConvGeometry;

/**
 * The reference convolution: the ONNX definition as plain loops with double accumulation. Padding contributes
 * nothing. The test oracle for {@link org.helu4j.kernel.Conv} and the scalar path.
 */
public final class ConvRef {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;

    private ConvRef() {
    }

    /**
     * out[n, m, o...] = bias[m] + sum over the group's input channels and the window of in * w, then
     * {@code max(., 0)} if {@code relu}. Layouts: in [N, C, D, H, W], w [M, C/group, kD, kH, kW], bias [M] or
     * null, out [N, M, oD, oH, oW].
     */
    public static void conv(MemorySegment out, MemorySegment in, MemorySegment w, MemorySegment bias,
            ConvGeometry g, boolean relu) {
        int cg = g.inChannels / g.group;
        int mg = g.outChannels / g.group;
        long inCh = g.inSpatial();
        long outCh = g.outSpatial();
        int taps = g.kernelSize();
        for (int b = 0; b < g.batch; b++) {
            for (int m = 0; m < g.outChannels; m++) {
                int c0 = (m / mg) * cg;
                double b0 = bias == null ? 0 : bias.getAtIndex(F32, m);
                long o = ((long) b * g.outChannels + m) * outCh;
                for (int od = 0; od < g.outD; od++) {
                    for (int oh = 0; oh < g.outH; oh++) {
                        for (int ow = 0; ow < g.outW; ow++) {
                            double acc = b0;
                            for (int ci = 0; ci < cg; ci++) {
                                long inBase = ((long) b * g.inChannels + c0 + ci) * inCh;
                                long wBase = ((long) m * cg + ci) * taps;
                                for (int kd = 0; kd < g.kD; kd++) {
                                    int id = od * g.strideD - g.padD + kd * g.dilD;
                                    for (int kh = 0; kh < g.kH; kh++) {
                                        int ih = oh * g.strideH - g.padH + kh * g.dilH;
                                        for (int kw = 0; kw < g.kW; kw++) {
                                            int iw = ow * g.strideW - g.padW + kw * g.dilW;
                                            if (id >= 0 && id < g.inD && ih >= 0 && ih < g.inH && iw >= 0 && iw < g.inW) {
                                                float x = in.getAtIndex(F32, inBase + ((long) id * g.inH + ih) * g.inW + iw);
                                                float k = w.getAtIndex(F32, wBase + ((long) kd * g.kH + kh) * g.kW + kw);
                                                acc += (double) x * k;
                                            }
                                        }
                                    }
                                }
                            }
                            float v = (float) acc;
                            out.setAtIndex(F32, o++, relu ? Math.max(v, 0f) : v);
                        }
                    }
                }
            }
        }
    }
}
