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
 * M = C * k is allowed), direct. With unit strides in 2-D, each input plane is copied into a zero-padded plane
 * and every output row runs LANES at a time with no border cases. Otherwise, along each output row, the positions
 * whose whole window lies inside the input in W are computed LANES at a time (unit W stride only); the border
 * positions, and every position when the W stride is not 1, go one at a time.
 */
public final class DepthwiseConv {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;
    /** Scratch slot of the padded plane (the stride-1 grid's slot; the two never run in one call). */
    private static final int SLOT_PADDED = 6;
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
            Tasks job = TASKS.get();
            job.set(out, in, w, bias, g, relu, planes, tasks);
            try {
                Parallel.forEach(tasks, job);
            } finally {
                job.set(null, null, null, null, null, false, 0, 0);
            }
        }
    }

    private static final ThreadLocal<Tasks> TASKS = ThreadLocal.withInitial(Tasks::new);

    /** The arguments of a parallel {@link #conv}, reused per thread so that its dispatch allocates nothing. */
    private static final class Tasks implements Parallel.Body {
        private MemorySegment out, in, w, bias;
        private ConvGeometry g;
        private boolean relu;
        private int planes, tasks;

        void set(MemorySegment out, MemorySegment in, MemorySegment w, MemorySegment bias, ConvGeometry g,
                boolean relu, int planes, int tasks) {
            this.out = out;
            this.in = in;
            this.w = w;
            this.bias = bias;
            this.g = g;
            this.relu = relu;
            this.planes = planes;
            this.tasks = tasks;
        }

        @Override
        public void run(int t) {
            planes(out, in, w, bias, g, relu, (int) ((long) planes * t / tasks), (int) ((long) planes * (t + 1) / tasks));
        }
    }

    /** Output planes [p0, p1), each one (image, output channel). */
    private static void planes(MemorySegment out, MemorySegment in, MemorySegment w, MemorySegment bias,
            ConvGeometry g, boolean relu, int p0, int p1) {
        if (usesPadded(g)) {
            paddedPlanes(out, in, w, bias, g, relu, p0, p1);
            return;
        }
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

    /** 2-D with a W stride of at most 4 (the phases of one padded plane stay few): the padded path. */
    static boolean usesPadded(ConvGeometry g) {
        return g.kD == 1 && g.inD == 1 && g.outD == 1 && g.strideW <= 4 && g.outW > 0 && g.outH > 0;
    }

    /**
     * 2-D: each input plane is first copied into a zero-padded plane (thread-local scratch), split by column into
     * {@code strideW} phases (phase f holds padded columns f, f + s, f + 2s, ...), so that for every tap the
     * outputs of a row read one contiguous run of a phase. Every output row is then whole vectors with no border
     * cases; the row's last vector is stored masked, and the lanes past it read padding or the next row, never
     * stored.
     */
    private static void paddedPlanes(MemorySegment out, MemorySegment in, MemorySegment w, MemorySegment bias,
            ConvGeometry g, boolean relu, int p0, int p1) {
        int mult = g.outChannels / g.inChannels;
        int taps = g.kernelSize();
        int s = g.strideW;
        int pw = (g.outW - 1) * s + (g.kW - 1) * g.dilW + 1;
        int ph = (g.outH - 1) * g.strideH + (g.kH - 1) * g.dilH + 1;
        int qw = (pw + s - 1) / s;
        long phase = (long) ph * qw;
        long size = s * phase + (long) (g.kW - 1) * g.dilW + 3L * LANES;
        MemorySegment padded = Scratch.get(SLOT_PADDED, size * 4);
        FloatVector zero = FloatVector.zero(F);
        int rows = Math.min(g.inH, ph - g.padH);
        int width = Math.min(g.inW, pw - g.padW);
        int lastIn = -1;
        for (int p = p0; p < p1; p++) {
            int b = p / g.outChannels;
            int m = p % g.outChannels;
            int inPlane = b * g.inChannels + m / mult;
            if (inPlane != lastIn) {
                for (long i = 0; i + LANES <= size; i += LANES) {
                    zero.intoMemorySegment(padded, i * 4, NO);
                }
                long src = (long) inPlane * g.inH * g.inW;
                for (int r = 0; r < rows && width > 0; r++) {
                    long from = src + (long) r * g.inW;
                    long rowAt = (long) (g.padH + r) * qw;
                    if (s == 1) {
                        MemorySegment.copy(in, from * 4, padded, (rowAt + g.padW) * 4, (long) width * 4);
                    } else {
                        for (int c = 0; c < width; c++) {
                            int pc = c + g.padW;
                            padded.setAtIndex(F32, (pc % s) * phase + rowAt + pc / s, in.getAtIndex(F32, from + c));
                        }
                    }
                }
                lastIn = inPlane;
            }
            long wBase = (long) m * taps;
            float z = bias == null ? 0f : bias.getAtIndex(F32, m);
            long o = (long) p * g.outSpatial();
            for (int oh = 0; oh < g.outH; oh++, o += g.outW) {
                for (int ow = 0; ow < g.outW; ow += LANES) {
                    FloatVector acc = FloatVector.broadcast(F, z);
                    for (int kh = 0; kh < g.kH; kh++) {
                        long row = (long) (oh * g.strideH + kh * g.dilH) * qw + ow;
                        long wt = wBase + (long) kh * g.kW;
                        for (int kw = 0; kw < g.kW; kw++) {
                            int col = kw * g.dilW;
                            long at = (col % s) * phase + row + col / s;
                            FloatVector x = FloatVector.fromMemorySegment(F, padded, at * 4, NO);
                            acc = FloatVector.broadcast(F, w.getAtIndex(F32, wt + kw)).fma(x, acc);
                        }
                    }
                    if (relu) {
                        acc = acc.max(0f);
                    }
                    if (ow + LANES <= g.outW) {
                        acc.intoMemorySegment(out, (o + ow) * 4, NO);
                    } else {
                        acc.intoMemorySegment(out, (o + ow) * 4, NO, F.indexInRange(ow, g.outW));
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
