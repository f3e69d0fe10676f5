package org.helu4j.kernel;

import static org.helu4j.kernel.Vectors.F;
import static org.helu4j.kernel.Vectors.LANES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import org.helu4j.kernel.ref.ConvRef;

/**
 * Depthwise convolution (group == C, each output channel reads one input channel; a channel multiplier
 * M = C * k is allowed), direct, no scratch. Along each output row, the positions whose whole window lies inside
 * the input in W are computed LANES at a time with the accumulator in a register (unit W stride only); the
 * border positions, and every position when the W stride is not 1, go one at a time.
 */
public final class DepthwiseConv {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;
    private static final ByteOrder NO = ByteOrder.nativeOrder();

    private DepthwiseConv() {
    }

    /** Same contract as {@link Conv#conv} for a geometry with {@code group == inChannels}. */
    public static void conv(MemorySegment out, MemorySegment in, MemorySegment w, MemorySegment bias,
            ConvGeometry g, boolean relu) {
        if (g.group != g.inChannels) {
            throw new IllegalArgumentException("not a depthwise geometry: group " + g.group + ", C " + g.inChannels);
        }
        if (Vectors.SCALAR) {
            ConvRef.conv(out, in, w, bias, g, relu);
            return;
        }
        int planes = g.batch * g.outChannels;
        int tasks = Parallel.tasksFor((long) planes * g.outSpatial() * g.kernelSize(), planes);
        if (tasks <= 1) {
            planes(out, in, w, bias, g, relu, 0, planes);
        } else {
            Parallel.forEach(tasks, t -> planes(out, in, w, bias, g, relu,
                    (int) ((long) planes * t / tasks), (int) ((long) planes * (t + 1) / tasks)));
        }
    }

    /** Output planes [p0, p1), each one (image, output channel). */
    private static void planes(MemorySegment out, MemorySegment in, MemorySegment w, MemorySegment bias,
            ConvGeometry g, boolean relu, int p0, int p1) {
        int mult = g.outChannels / g.inChannels;
        int taps = g.kernelSize();
        // Positions [owLo, owHi) have every W tap inside the input (only meaningful for unit W stride).
        int owLo = Math.min(g.padW, g.outW);
        int owHi = g.strideW != 1 ? owLo
                : Math.max(owLo, Math.min(g.outW, g.inW + g.padW - (g.kW - 1) * g.dilW));
        for (int plane = p0; plane < p1; plane++) {
            int b = plane / g.outChannels;
            int m = plane % g.outChannels;
            long inBase = ((long) b * g.inChannels + m / mult) * g.inSpatial();
            long wBase = (long) m * taps;
            float z = bias == null ? 0f : bias.getAtIndex(F32, m);
            long o = (long) plane * g.outSpatial();
            for (int od = 0; od < g.outD; od++) {
                for (int oh = 0; oh < g.outH; oh++, o += g.outW) {
                    int ow = 0;
                    for (; ow < owLo; ow++) {
                        point(out, o + ow, in, inBase, w, wBase, z, g, od, oh, ow, relu);
                    }
                    for (; ow + LANES <= owHi; ow += LANES) {
                        vector(out, o + ow, in, inBase, w, wBase, z, g, od, oh, ow, relu);
                    }
                    if (ow < owHi) {
                        vectorTail(out, o + ow, in, inBase, w, wBase, z, g, od, oh, ow, relu, owHi - ow);
                        ow = owHi;
                    }
                    for (; ow < g.outW; ow++) {
                        point(out, o + ow, in, inBase, w, wBase, z, g, od, oh, ow, relu);
                    }
                }
            }
        }
    }

    /** LANES outputs from ow on, all of whose W taps are inside the input. */
    private static void vector(MemorySegment out, long o, MemorySegment in, long inBase, MemorySegment w, long wBase,
            float z, ConvGeometry g, int od, int oh, int ow, boolean relu) {
        FloatVector acc = FloatVector.broadcast(F, z);
        for (int kd = 0; kd < g.kD; kd++) {
            int id = od * g.strideD - g.padD + kd * g.dilD;
            if (id < 0 || id >= g.inD) {
                continue;
            }
            for (int kh = 0; kh < g.kH; kh++) {
                int ih = oh * g.strideH - g.padH + kh * g.dilH;
                if (ih < 0 || ih >= g.inH) {
                    continue;
                }
                long src = inBase + ((long) id * g.inH + ih) * g.inW + ow - g.padW;
                long wt = wBase + ((long) kd * g.kH + kh) * g.kW;
                for (int kw = 0; kw < g.kW; kw++) {
                    FloatVector x = FloatVector.fromMemorySegment(F, in, (src + (long) kw * g.dilW) * 4, NO);
                    acc = FloatVector.broadcast(F, w.getAtIndex(F32, wt + kw)).fma(x, acc);
                }
            }
        }
        (relu ? acc.max(0f) : acc).intoMemorySegment(out, o * 4, NO);
    }

    /** Like {@link #vector} for the last {@code n < LANES} such outputs of a row, with masked loads and store. */
    private static void vectorTail(MemorySegment out, long o, MemorySegment in, long inBase, MemorySegment w,
            long wBase, float z, ConvGeometry g, int od, int oh, int ow, boolean relu, int n) {
        VectorMask<Float> mask = F.indexInRange(0, n);
        FloatVector acc = FloatVector.broadcast(F, z);
        for (int kd = 0; kd < g.kD; kd++) {
            int id = od * g.strideD - g.padD + kd * g.dilD;
            if (id < 0 || id >= g.inD) {
                continue;
            }
            for (int kh = 0; kh < g.kH; kh++) {
                int ih = oh * g.strideH - g.padH + kh * g.dilH;
                if (ih < 0 || ih >= g.inH) {
                    continue;
                }
                long src = inBase + ((long) id * g.inH + ih) * g.inW + ow - g.padW;
                long wt = wBase + ((long) kd * g.kH + kh) * g.kW;
                for (int kw = 0; kw < g.kW; kw++) {
                    FloatVector x = FloatVector.fromMemorySegment(F, in, (src + (long) kw * g.dilW) * 4, NO, mask);
                    acc = FloatVector.broadcast(F, w.getAtIndex(F32, wt + kw)).fma(x, acc);
                }
            }
        }
        (relu ? acc.max(0f) : acc).intoMemorySegment(out, o * 4, NO, mask);
    }

    /** One output, with every tap checked against the input bounds. */
    private static void point(MemorySegment out, long o, MemorySegment in, long inBase, MemorySegment w, long wBase,
            float z, ConvGeometry g, int od, int oh, int ow, boolean relu) {
        float acc = z;
        for (int kd = 0; kd < g.kD; kd++) {
            int id = od * g.strideD - g.padD + kd * g.dilD;
            if (id < 0 || id >= g.inD) {
                continue;
            }
            for (int kh = 0; kh < g.kH; kh++) {
                int ih = oh * g.strideH - g.padH + kh * g.dilH;
                if (ih < 0 || ih >= g.inH) {
                    continue;
                }
                long row = inBase + ((long) id * g.inH + ih) * g.inW;
                long wt = wBase + ((long) kd * g.kH + kh) * g.kW;
                for (int kw = 0; kw < g.kW; kw++) {
                    int iw = ow * g.strideW - g.padW + kw * g.dilW;
                    if (iw >= 0 && iw < g.inW) {
                        acc = Math.fma(w.getAtIndex(F32, wt + kw), in.getAtIndex(F32, row + iw), acc);
                    }
                }
            }
        }
        out.setAtIndex(F32, o, relu ? Math.max(acc, 0f) : acc);
    }
}
