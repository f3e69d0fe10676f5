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
 * M = C * k is allowed), direct. A 3×3 layer reads its taps straight from the input when its stride is 1 and its
 * output as large as its input, on planes of up to 256 floats ({@link #usesFlat}), or when its stride is 2 and its
 * output rows a vector wide or more ({@link #usesHalving}). Otherwise, in 2-D, each input plane is copied into a
 * zero-padded (for strides, phase-split) plane and every output row runs LANES at a time with no border cases.
 * Otherwise (3-D), along each output row, the positions whose whole window lies inside the input in W are
 * computed LANES at a time (unit W stride only); the border positions, and every position when the W stride is
 * not 1, go one at a time.
 */
public final class DepthwiseConv {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;
    /** Scratch slots of the padded plane and its output grid (ConvGrid's; the two never run in one call). */
    private static final int SLOT_PADDED = 6, SLOT_GRID = 7;
    private static final ByteOrder NO = ByteOrder.nativeOrder();

    private DepthwiseConv() {
    }

    /** Same contract as {@link Conv#conv} for a geometry with {@code group == inChannels}. */
    public static void conv(MemorySegment out, MemorySegment in, MemorySegment w, MemorySegment bias,
            ConvGeometry g, boolean relu) {
        conv(out, in, w, bias, g, relu ? 0f : Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY);
    }

    /**
     * out = min(max(conv(in, w) + bias, lo), hi): ReLU is lo = 0, ReLU6 and Clip bound both sides, infinities
     * leave the sum as it is.
     */
    public static void conv(MemorySegment out, MemorySegment in, MemorySegment w, MemorySegment bias,
            ConvGeometry g, float lo, float hi) {
        if (g.group != g.inChannels) {
            throw new IllegalArgumentException("not a depthwise geometry: group " + g.group + ", C " + g.inChannels);
        }
        if (Vectors.SCALAR) {
            ConvRef.conv(out, in, w, bias, g, false);
            long n = (long) g.batch * g.outChannels * g.outSpatial();
            for (long i = 0; i < n; i++) {
                out.setAtIndex(F32, i, Math.min(Math.max(out.getAtIndex(F32, i), lo), hi));
            }
            return;
        }
        int planes = g.batch * g.outChannels;
        long[] masks = usesFlat(g) ? FLAT_MASKS.get().of(g) : usesHalving(g) ? FLAT_MASKS.get().halving(g) : null;
        // Parallel: a task per plane, from a shared counter, so that the threads finish together.
        int tasks = Parallel.tasksFor((long) planes * g.outSpatial() * g.kernelSize(), planes) <= 1 ? 1 : planes;
        if (tasks <= 1) {
            planes(out, in, w, bias, g, lo, hi, 0, planes, masks);
        } else {
            Tasks job = TASKS.get();
            job.set(out, in, w, bias, g, lo, hi, planes, tasks, masks);
            try {
                Parallel.forEach(tasks, job);
            } finally {
                job.set(null, null, null, null, null, 0f, 0f, 0, 0, null);
            }
        }
    }

    private static final ThreadLocal<Tasks> TASKS = ThreadLocal.withInitial(Tasks::new);

    /** The arguments of a parallel {@link #conv}, reused per thread so that its dispatch allocates nothing. */
    private static final class Tasks implements Parallel.Body {
        private MemorySegment out, in, w, bias;
        private ConvGeometry g;
        private float lo, hi;
        private int planes, tasks;
        private long[] masks;

        void set(MemorySegment out, MemorySegment in, MemorySegment w, MemorySegment bias, ConvGeometry g,
                float lo, float hi, int planes, int tasks, long[] masks) {
            this.out = out;
            this.in = in;
            this.w = w;
            this.bias = bias;
            this.g = g;
            this.lo = lo;
            this.hi = hi;
            this.planes = planes;
            this.tasks = tasks;
            this.masks = masks;
        }

        @Override
        public void run(int t) {
            int p0 = (int) ((long) planes * t / tasks), p1 = (int) ((long) planes * (t + 1) / tasks);
            planes(out, in, w, bias, g, lo, hi, p0, p1, masks);
        }
    }

    /** Output planes [p0, p1), each one (image, output channel); {@code masks} are {@link FlatMasks}' for g. */
    private static void planes(MemorySegment out, MemorySegment in, MemorySegment w, MemorySegment bias,
            ConvGeometry g, float lo, float hi, int p0, int p1, long[] masks) {
        if (masks != null) {
            if (usesFlat(g)) {
                flatPlanes(out, in, w, bias, g, lo, hi, p0, p1, masks);
            } else {
                halvingPlanes(out, in, w, bias, g, lo, hi, p0, p1, masks);
            }
            return;
        }
        if (usesPadded(g)) {
            gridPlanes(out, in, w, bias, g, lo, hi, p0, p1);
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
                        point(out, o + ow, in, inBase, w, wBase, z, g, od, oh, ow, lo, hi);
                    }
                    for (; ow + LANES <= owHi; ow += LANES) {
                        vector(out, o + ow, in, inBase, w, wBase, z, g, od, oh, ow, lo, hi);
                    }
                    if (ow < owHi) {
                        vectorTail(out, o + ow, in, inBase, w, wBase, z, g, od, oh, ow, lo, hi, owHi - ow);
                        ow = owHi;
                    }
                    for (; ow < g.outW; ow++) {
                        point(out, o + ow, in, inBase, w, wBase, z, g, od, oh, ow, lo, hi);
                    }
                }
            }
        }
    }

    /**
     * Planes of at most this many floats take the flat path. ConvProbe (outside the repository; one 3×3 depthwise
     * layer, batch 1, one thread, best over 3 s, 512-bit), grid -> flat: 960 channels of 7² 88 -> 45 µs, 576 of 14²
     * 96 -> 68; but 192 of 28² 67 -> 89, 144 of 56² 216 -> 250. (A flat path written out tap by tap was as fast as
     * the grid on the larger planes too, but C1 could not compile it: see flatPlane.)
     */
    private static final int FLAT_MAX_FLOATS = 256;

    /**
     * 2-D, 3×3, unit strides and dilations, output as large as the input ("same" padding), planes of a vector to
     * {@link #FLAT_MAX_FLOATS}: the flat path.
     */
    static boolean usesFlat(ConvGeometry g) {
        long hw = (long) g.outH * g.outW;
        return g.kD == 1 && g.inD == 1 && g.outD == 1 && g.kH == 3 && g.kW == 3 && g.strideH == 1 && g.strideW == 1
                && g.dilH == 1 && g.dilW == 1 && g.outH == g.inH && g.outW == g.inW && hw >= LANES
                && hw <= FLAT_MAX_FLOATS;
    }

    /** Output vectors per plane on the flat path: whole vectors, the last one overlapping the one before. */
    private static int flatVectors(ConvGeometry g) {
        return (g.outH * g.outW + LANES - 1) / LANES;
    }

    /** Start of output vector j of a plane, in floats. */
    private static int flatStart(int j, int hw) {
        return Math.min(j * LANES, hw - LANES);
    }

    /** A mask of every lane, as bits. */
    private static final long FULL_MASK = LANES >= 64 ? -1L : (1L << LANES) - 1;

    private static final ThreadLocal<FlatMasks> FLAT_MASKS = ThreadLocal.withInitial(FlatMasks::new);

    /**
     * The lanes of each output vector of a plane whose taps fall inside the input: per vector, three row masks
     * (kh = 0, 1, 2) and three column masks (kw), as bits; tap (kh, kw)'s mask is their AND. Made once per call by
     * the calling thread and shared by every plane (every plane has the same geometry).
     */
    private static final class FlatMasks {
        long[] bits = new long[0];

        long[] of(ConvGeometry g) {
            int vectors = flatVectors(g);
            if (bits.length < 6 * vectors) {
                bits = new long[6 * vectors];
            }
            int hw = g.outH * g.outW;
            for (int j = 0; j < vectors; j++) {
                int s = flatStart(j, hw);
                int oh = s / g.outW, ow = s % g.outW;
                long r0 = 0, r1 = 0, r2 = 0, q0 = 0, q1 = 0, q2 = 0;
                for (int lane = 0; lane < LANES; lane++) {
                    long bit = 1L << lane;
                    r0 |= inside(oh - g.padH, g.inH) ? bit : 0;
                    r1 |= inside(oh + 1 - g.padH, g.inH) ? bit : 0;
                    r2 |= inside(oh + 2 - g.padH, g.inH) ? bit : 0;
                    q0 |= inside(ow - g.padW, g.inW) ? bit : 0;
                    q1 |= inside(ow + 1 - g.padW, g.inW) ? bit : 0;
                    q2 |= inside(ow + 2 - g.padW, g.inW) ? bit : 0;
                    if (++ow == g.outW) {
                        ow = 0;
                        oh++;
                    }
                }
                int at = 6 * j;
                bits[at] = r0;
                bits[at + 1] = r1;
                bits[at + 2] = r2;
                bits[at + 3] = q0;
                bits[at + 4] = q1;
                bits[at + 5] = q2;
            }
            return bits;
        }

        /**
         * For {@link #halvingPlanes}: per vector of an output row, three column masks (kw = 0, 1, 2), the same
         * for every row and plane.
         */
        long[] halving(ConvGeometry g) {
            int vectors = (g.outW + LANES - 1) / LANES;
            if (bits.length < 3 * vectors) {
                bits = new long[3 * vectors];
            }
            for (int v = 0; v < vectors; v++) {
                int c0 = 2 * Math.min(v * LANES, g.outW - LANES) - g.padW;
                long q0 = 0, q1 = 0, q2 = 0;
                for (int lane = 0; lane < LANES; lane++) {
                    long bit = 1L << lane;
                    int c = c0 + 2 * lane;
                    q0 |= inside(c, g.inW) ? bit : 0;
                    q1 |= inside(c + 1, g.inW) ? bit : 0;
                    q2 |= inside(c + 2, g.inW) ? bit : 0;
                }
                bits[3 * v] = q0;
                bits[3 * v + 1] = q1;
                bits[3 * v + 2] = q2;
            }
            return bits;
        }

        private static boolean inside(int i, int n) {
            return i >= 0 && i < n;
        }
    }

    /**
     * The flat path: a plane is one run of H · W floats in the input and in the output, and with unit strides and
     * same-size output, tap (kh, kw) of every output is the input float a fixed distance away,
     * {@code (kh - padH) · W + (kw - padW)}. So each output vector is nine loads straight from the input, nine
     * FMAs and one store: no padded copy, no compaction. Lanes whose tap falls into the padding (another row, or
     * another plane) are blended to zero: per column of taps once, or, in a plane's first and last rows, per tap.
     * (Masked loads instead of the blends took 1.7 times as long on 56² planes: 363 against 207 µs.) A plane's
     * last vector overlaps the one before. The few vectors whose taps would reach outside the input segment (the
     * first and last rows of the first and last planes) go one output at a time.
     */
    private static void flatPlanes(MemorySegment out, MemorySegment in, MemorySegment w, MemorySegment bias,
            ConvGeometry g, float lo, float hi, int p0, int p1, long[] masks) {
        for (int p = p0; p < p1; p++) {
            flatPlane(out, in, w, bias, g, lo, hi, p, masks);
        }
    }

    // flatPlane and halvingPlane keep their bytecode small: C1 gave up on versions with the window written out
    // ("out of virtual registers"), which then stayed at tier 2, where the Vector API runs its allocating Java
    // fallbacks (MobileNetV2 on two threads: 463 MB and 28 ms a run instead of 0 B and 4 ms). Their loops over
    // the window's rows have a constant trip count instead: C2 unrolls them and hoists the weights.

    /** Output plane p on the flat path. */
    private static void flatPlane(MemorySegment out, MemorySegment in, MemorySegment w, MemorySegment bias,
            ConvGeometry g, float lo, float hi, int p, long[] masks) {
        int mult = g.outChannels / g.inChannels;
        int hw = g.outH * g.outW;
        int vectors = flatVectors(g);
        long rowBytes = g.inW * 4L;
        long first = -(g.padH * rowBytes + g.padW * 4L);  // the window's top-left tap, from its output
        long span = 2 * rowBytes + 8 + LANES * 4L;        // bytes from there to the end of its last load
        long inBytes = in.byteSize();
        boolean clamp = lo != Float.NEGATIVE_INFINITY || hi != Float.POSITIVE_INFINITY;
        int m = p % g.outChannels;
        long inBase = ((long) (p / g.outChannels) * g.inChannels + m / mult) * hw * 4;
        long outBase = (long) p * hw * 4;
        long wt = (long) m * 9;
        float zb = bias == null ? 0f : bias.getAtIndex(F32, m);
        FloatVector z = FloatVector.broadcast(F, zb);
        for (int j = 0; j < vectors; j++) {
            long s = (long) flatStart(j, hw) * 4;
            long at = inBase + s + first;
            if (at < 0 || at + span > inBytes) {
                flatPoints(out, outBase + s, in, inBase, w, wt, zb, g, (int) (s / 4), lo, hi);
                continue;
            }
            // One chain per column of taps. Rows outside the plane (its first and last rows only) are blended to
            // zero per row; the columns outside it per chain, once (a select, not a product, so that a NaN or
            // infinity outside the plane cannot leak in).
            int mk = 6 * j;
            FloatVector left = FloatVector.zero(F), mid = left, right = left;
            if ((masks[mk] & masks[mk + 2]) == FULL_MASK) {
                for (int kh = 0; kh < 3; kh++, at += rowBytes) {
                    long wk = wt + 3 * kh;
                    left = FloatVector.fromMemorySegment(F, in, at, NO)
                            .fma(FloatVector.broadcast(F, w.getAtIndex(F32, wk)), left);
                    mid = FloatVector.fromMemorySegment(F, in, at + 4, NO)
                            .fma(FloatVector.broadcast(F, w.getAtIndex(F32, wk + 1)), mid);
                    right = FloatVector.fromMemorySegment(F, in, at + 8, NO)
                            .fma(FloatVector.broadcast(F, w.getAtIndex(F32, wk + 2)), right);
                }
            } else {
                for (int kh = 0; kh < 3; kh++, at += rowBytes) {
                    long wk = wt + 3 * kh;
                    VectorMask<Float> outside = VectorMask.fromLong(F, ~masks[mk + kh]);
                    left = FloatVector.fromMemorySegment(F, in, at, NO).blend(0f, outside)
                            .fma(FloatVector.broadcast(F, w.getAtIndex(F32, wk)), left);
                    mid = FloatVector.fromMemorySegment(F, in, at + 4, NO).blend(0f, outside)
                            .fma(FloatVector.broadcast(F, w.getAtIndex(F32, wk + 1)), mid);
                    right = FloatVector.fromMemorySegment(F, in, at + 8, NO).blend(0f, outside)
                            .fma(FloatVector.broadcast(F, w.getAtIndex(F32, wk + 2)), right);
                }
            }
            FloatVector acc = z.add(mid.blend(0f, VectorMask.fromLong(F, ~masks[mk + 4])))
                    .add(left.blend(0f, VectorMask.fromLong(F, ~masks[mk + 3])))
                    .add(right.blend(0f, VectorMask.fromLong(F, ~masks[mk + 5])));
            if (clamp) {
                acc = acc.max(lo).min(hi);
            }
            acc.intoMemorySegment(out, outBase + s, NO);
        }
    }

    /** 2-D, 3×3, stride 2, unit dilations, output rows of at least a vector: the halving path. */
    static boolean usesHalving(ConvGeometry g) {
        return g.kD == 1 && g.inD == 1 && g.outD == 1 && g.kH == 3 && g.kW == 3 && g.strideH == 2 && g.strideW == 2
                && g.dilH == 1 && g.dilW == 1 && g.outW >= LANES && g.outH > 0;
    }

    /** Lane i holds 2i (EVEN) or 2i + 1 (ODD): selectors that split a pair of vectors into its even and odd floats. */
    private static final FloatVector EVEN = FloatVector.broadcast(F, 0f).addIndex(2);
    private static final FloatVector ODD = EVEN.add(1f);

    /**
     * The halving path (stride 2): output row by output row, each output vector from three input rows whose
     * taps are read straight from the input: per row two pairs of plain loads, at the window's first column c0
     * and at c0 + 1, and three two-vector selects that take their even and odd floats (columns c0 + 2i,
     * c0 + 2i + 1, c0 + 2i + 2 for output lane i). Rows outside the input are skipped; columns outside it are
     * blended to zero once per column of taps ({@link FlatMasks#halving}). No phase-split copy of the input. A
     * row's last vector overlaps the one before; vectors whose loads would leave the input segment go one
     * output at a time.
     */
    private static void halvingPlanes(MemorySegment out, MemorySegment in, MemorySegment w, MemorySegment bias,
            ConvGeometry g, float lo, float hi, int p0, int p1, long[] masks) {
        for (int p = p0; p < p1; p++) {
            halvingPlane(out, in, w, bias, g, lo, hi, p, masks);
        }
    }

    /**
     * Output plane p on the halving path: rows whose window lies inside the input in H here, the first and last
     * rows through {@link #halvingEdgeRow}. The loop over the window's rows has a constant trip count, so that C2
     * unrolls it and keeps the nine weights out of the loop over vectors, while the bytecode stays small enough
     * for C1 (written out by hand, C1 gave up on this method).
     */
    private static void halvingPlane(MemorySegment out, MemorySegment in, MemorySegment w, MemorySegment bias,
            ConvGeometry g, float lo, float hi, int p, long[] masks) {
        int mult = g.outChannels / g.inChannels;
        int vectors = (g.outW + LANES - 1) / LANES;
        long rowBytes = g.inW * 4L, vb = LANES * 4L;
        long inBytes = in.byteSize();
        boolean clamp = lo != Float.NEGATIVE_INFINITY || hi != Float.POSITIVE_INFINITY;
        FloatVector even = EVEN, odd = ODD;
        int m = p % g.outChannels;
        long inBase = ((long) (p / g.outChannels) * g.inChannels + m / mult) * g.inH * g.inW * 4;
        long wt = (long) m * 9;
        float zb = bias == null ? 0f : bias.getAtIndex(F32, m);
        FloatVector z = FloatVector.broadcast(F, zb);
        for (int oh = 0; oh < g.outH; oh++) {
            int ih = 2 * oh - g.padH;
            long outRow = ((long) p * g.outH + oh) * g.outW * 4;
            if (ih < 0 || ih + 3 > g.inH) {
                halvingEdgeRow(out, outRow, in, inBase, w, wt, zb, g, oh, masks, lo, hi);
                continue;
            }
            long row = inBase + (long) ih * rowBytes;
            for (int v = 0; v < vectors; v++) {
                int ow = Math.min(v * LANES, g.outW - LANES);
                long at = row + (2L * ow - g.padW) * 4;
                if (at < 0 || at + 2 * rowBytes + 2 * vb + 4 > inBytes) {
                    halvingPoints(out, outRow + ow * 4L, in, inBase, w, wt, zb, g, oh, ow, lo, hi);
                    continue;
                }
                FloatVector left = FloatVector.zero(F), mid = left, right = left;
                for (int kh = 0; kh < 3; kh++, at += rowBytes) {
                    FloatVector a0 = FloatVector.fromMemorySegment(F, in, at, NO);
                    FloatVector a1 = FloatVector.fromMemorySegment(F, in, at + vb, NO);
                    FloatVector s0 = FloatVector.fromMemorySegment(F, in, at + 4, NO);
                    FloatVector s1 = FloatVector.fromMemorySegment(F, in, at + 4 + vb, NO);
                    long wk = wt + 3 * kh;
                    left = even.selectFrom(a0, a1).fma(FloatVector.broadcast(F, w.getAtIndex(F32, wk)), left);
                    mid = odd.selectFrom(a0, a1).fma(FloatVector.broadcast(F, w.getAtIndex(F32, wk + 1)), mid);
                    right = odd.selectFrom(s0, s1).fma(FloatVector.broadcast(F, w.getAtIndex(F32, wk + 2)), right);
                }
                int mk = 3 * v;
                FloatVector acc = z.add(mid.blend(0f, VectorMask.fromLong(F, ~masks[mk + 1])))
                        .add(left.blend(0f, VectorMask.fromLong(F, ~masks[mk])))
                        .add(right.blend(0f, VectorMask.fromLong(F, ~masks[mk + 2])));
                if (clamp) {
                    acc = acc.max(lo).min(hi);
                }
                acc.intoMemorySegment(out, outRow + ow * 4L, NO);
            }
        }
    }

    /** Output row oh of a plane on the halving path whose window has rows outside the input: those are skipped. */
    private static void halvingEdgeRow(MemorySegment out, long outRow, MemorySegment in, long inBase,
            MemorySegment w, long wt, float bias, ConvGeometry g, int oh, long[] masks, float lo, float hi) {
        int vectors = (g.outW + LANES - 1) / LANES;
        long rowBytes = g.inW * 4L, vb = LANES * 4L;
        int ih = 2 * oh - g.padH;
        int kh0 = Math.max(0, -ih), kh1 = Math.min(3, g.inH - ih);  // the window's rows inside the input
        FloatVector even = EVEN, odd = ODD;
        for (int v = 0; v < vectors; v++) {
            int ow = Math.min(v * LANES, g.outW - LANES);
            long at = inBase + (long) (ih + kh0) * rowBytes + (2L * ow - g.padW) * 4;
            if (kh0 < kh1 && (at < 0 || at + (kh1 - kh0 - 1) * rowBytes + 2 * vb + 4 > in.byteSize())) {
                halvingPoints(out, outRow + ow * 4L, in, inBase, w, wt, bias, g, oh, ow, lo, hi);
                continue;
            }
            FloatVector left = FloatVector.zero(F), mid = left, right = left;
            for (int kh = kh0; kh < kh1; kh++, at += rowBytes) {
                FloatVector a0 = FloatVector.fromMemorySegment(F, in, at, NO);
                FloatVector a1 = FloatVector.fromMemorySegment(F, in, at + vb, NO);
                FloatVector s0 = FloatVector.fromMemorySegment(F, in, at + 4, NO);
                FloatVector s1 = FloatVector.fromMemorySegment(F, in, at + 4 + vb, NO);
                long wk = wt + 3 * kh;
                left = even.selectFrom(a0, a1).fma(FloatVector.broadcast(F, w.getAtIndex(F32, wk)), left);
                mid = odd.selectFrom(a0, a1).fma(FloatVector.broadcast(F, w.getAtIndex(F32, wk + 1)), mid);
                right = odd.selectFrom(s0, s1).fma(FloatVector.broadcast(F, w.getAtIndex(F32, wk + 2)), right);
            }
            int mk = 3 * v;
            FloatVector acc = FloatVector.broadcast(F, bias).add(mid.blend(0f, VectorMask.fromLong(F, ~masks[mk + 1])))
                    .add(left.blend(0f, VectorMask.fromLong(F, ~masks[mk])))
                    .add(right.blend(0f, VectorMask.fromLong(F, ~masks[mk + 2])));
            acc.max(lo).min(hi).intoMemorySegment(out, outRow + ow * 4L, NO);
        }
    }

    /** The LANES outputs of row oh from column ow on, one at a time (the halving path's rare vectors). */
    private static void halvingPoints(MemorySegment out, long outByte, MemorySegment in, long inBaseByte,
            MemorySegment w, long wt, float z, ConvGeometry g, int oh, int ow, float lo, float hi) {
        for (int lane = 0; lane < LANES; lane++) {
            point(out, outByte / 4 + lane, in, inBaseByte / 4, w, wt, z, g, 0, oh, ow + lane, lo, hi);
        }
    }

    /** The LANES outputs of a plane from position {@code s} on, one at a time (the flat path's rare vectors). */
    private static void flatPoints(MemorySegment out, long outByte, MemorySegment in, long inBaseByte,
            MemorySegment w, long wt, float z, ConvGeometry g, int s, float lo, float hi) {
        for (int lane = 0; lane < LANES; lane++) {
            int pos = s + lane;
            point(out, outByte / 4 + lane, in, inBaseByte / 4, w, wt, z, g, 0, pos / g.outW, pos % g.outW, lo, hi);
        }
    }

    /** 2-D (or 3-D of depth 1): the grid path. */
    static boolean usesPadded(ConvGeometry g) {
        return g.kD == 1 && g.inD == 1 && g.outD == 1 && g.outW > 0 && g.outH > 0;
    }

    private static final ThreadLocal<Grid> GRID = ThreadLocal.withInitial(Grid::new);

    /** A thread's padded-input layout and tap offsets, reset per call so that a call allocates nothing. */
    private static final class Grid {
        final PaddedPhases layout = new PaddedPhases();
        long[] taps = new long[0];

        void set(ConvGeometry g) {
            layout.set(g);
            int n = g.kH * g.kW;
            if (taps.length < n) {
                taps = new long[n];
            }
            for (int kh = 0, t = 0; kh < g.kH; kh++) {
                for (int kw = 0; kw < g.kW; kw++, t++) {
                    taps[t] = layout.tap(g, kh, kw) * 4;
                }
            }
        }
    }

    /**
     * 2-D: each input plane is copied into a zero-padded, phase-split plane ({@link PaddedPhases}, thread-local
     * scratch), on whose grid every tap, for all outputs of the plane, is one contiguous read from a fixed offset:
     * the outputs are whole vectors with no border cases. A 3×3 window is one pass (nine loads, nine FMAs and one
     * store per vector), written straight into the output's rows when they are a vector wide or more; other
     * windows accumulate tap by tap on the grid, which stays in L1, and the grid's extra columns are dropped when
     * it is copied into the output plane. Only the first plane's padding is zeroed: the others overwrite the same
     * interior cells.
     */
    private static void gridPlanes(MemorySegment out, MemorySegment in, MemorySegment w, MemorySegment bias,
            ConvGeometry g, float lo, float hi, int p0, int p1) {
        Grid state = GRID.get();
        state.set(g);
        PaddedPhases l = state.layout;
        long[] off = state.taps;
        int mult = g.outChannels / g.inChannels;
        int taps = g.kH * g.kW;
        long cols = l.gridCols(g);
        long end = (cols + LANES - 1) / LANES * LANES * 4;  // the grid in bytes, whole vectors
        // The last vector's lanes past the grid read up to a vector past the channel's last tap.
        long slack = end / 4 - cols + 2L * LANES;
        MemorySegment padded = Scratch.get(SLOT_PADDED, (l.channel + slack) * 4);
        MemorySegment grid = Scratch.get(SLOT_GRID, end);
        PaddedPhases.fill(padded, l.channel, slack);
        boolean clamp = lo != Float.NEGATIVE_INFINITY || hi != Float.POSITIVE_INFINITY;
        // A 3×3 over rows of at least a vector writes the output itself; narrower rows go through the grid.
        boolean direct = taps == 9 && g.outW >= LANES;
        int lastIn = -1;
        for (int p = p0; p < p1; p++) {
            int b = p / g.outChannels;
            int m = p % g.outChannels;
            int inPlane = b * g.inChannels + m / mult;
            if (inPlane != lastIn) {
                l.copyChannel(padded, 0, in, (long) inPlane * g.inH * g.inW, g, lastIn >= 0);
                lastIn = inPlane;
            }
            long wt = (long) m * taps;
            float zb = bias == null ? 0f : bias.getAtIndex(F32, m);
            if (taps == 9) {
                nineTaps(out, padded, grid, end, w, wt, zb, off, g, l.qw, p, direct, clamp, lo, hi);
                if (direct) {
                    continue;
                }
            } else {
                FloatVector z = FloatVector.broadcast(F, zb);
                for (int t = 0; t < taps; t++) {
                    FloatVector wv = FloatVector.broadcast(F, w.getAtIndex(F32, wt + t));
                    long o = off[t];
                    boolean first = t == 0, last = t == taps - 1 && clamp;
                    for (long at = 0; at < end; at += LANES * 4) {
                        FloatVector acc = first ? z : FloatVector.fromMemorySegment(F, grid, at, NO);
                        acc = FloatVector.fromMemorySegment(F, padded, at + o, NO).fma(wv, acc);
                        if (last) {
                            acc = acc.max(lo).min(hi);
                        }
                        acc.intoMemorySegment(grid, at, NO);
                    }
                }
            }
            long o = (long) p * g.outSpatial() * 4;
            for (int oh = 0; oh < g.outH; oh++, o += g.outW * 4L) {
                MemorySegment.copy(grid, (long) oh * l.qw * 4, out, o, g.outW * 4L);
            }
        }
    }

    /**
     * Plane p's 3×3 window in one pass, its nine weights in registers: into the output rows ({@code direct}) or
     * onto the grid. A method of its own so that gridPlanes stays small enough for C1, which gave up on it once it
     * held both paths (a method stuck at tier 2 runs the Vector API's Java fallbacks).
     */
    private static void nineTaps(MemorySegment out, MemorySegment padded, MemorySegment grid, long end,
            MemorySegment w, long wt, float bias, long[] off, ConvGeometry g, int qw, int p, boolean direct,
            boolean clamp, float lo, float hi) {
        FloatVector z = FloatVector.broadcast(F, bias);
        FloatVector w0 = FloatVector.broadcast(F, w.getAtIndex(F32, wt));
        FloatVector w1 = FloatVector.broadcast(F, w.getAtIndex(F32, wt + 1));
        FloatVector w2 = FloatVector.broadcast(F, w.getAtIndex(F32, wt + 2));
        FloatVector w3 = FloatVector.broadcast(F, w.getAtIndex(F32, wt + 3));
        FloatVector w4 = FloatVector.broadcast(F, w.getAtIndex(F32, wt + 4));
        FloatVector w5 = FloatVector.broadcast(F, w.getAtIndex(F32, wt + 5));
        FloatVector w6 = FloatVector.broadcast(F, w.getAtIndex(F32, wt + 6));
        FloatVector w7 = FloatVector.broadcast(F, w.getAtIndex(F32, wt + 7));
        FloatVector w8 = FloatVector.broadcast(F, w.getAtIndex(F32, wt + 8));
        long o0 = off[0], o1 = off[1], o2 = off[2], o3 = off[3], o4 = off[4], o5 = off[5], o6 = off[6],
                o7 = off[7], o8 = off[8];
        // The output: outH rows of outW floats, read qw apart, each row's last vector overlapping the one before.
        // The grid: one row of whole vectors.
        MemorySegment dst = direct ? out : grid;
        int rows = direct ? g.outH : 1;
        long rowBytes = direct ? g.outW * 4L : end;
        long lastAt = rowBytes - LANES * 4L;
        long o = direct ? (long) p * g.outSpatial() * 4 : 0;
        for (int r = 0; r < rows; r++, o += rowBytes) {
            long row = (long) r * qw * 4;
            for (long x = 0; ; x += LANES * 4) {
                x = Math.min(x, lastAt);
                long at = row + x;
                FloatVector acc = FloatVector.fromMemorySegment(F, padded, at + o0, NO).fma(w0, z);
                acc = FloatVector.fromMemorySegment(F, padded, at + o1, NO).fma(w1, acc);
                acc = FloatVector.fromMemorySegment(F, padded, at + o2, NO).fma(w2, acc);
                acc = FloatVector.fromMemorySegment(F, padded, at + o3, NO).fma(w3, acc);
                acc = FloatVector.fromMemorySegment(F, padded, at + o4, NO).fma(w4, acc);
                acc = FloatVector.fromMemorySegment(F, padded, at + o5, NO).fma(w5, acc);
                acc = FloatVector.fromMemorySegment(F, padded, at + o6, NO).fma(w6, acc);
                acc = FloatVector.fromMemorySegment(F, padded, at + o7, NO).fma(w7, acc);
                acc = FloatVector.fromMemorySegment(F, padded, at + o8, NO).fma(w8, acc);
                if (clamp) {
                    acc = acc.max(lo).min(hi);
                }
                acc.intoMemorySegment(dst, o + x, NO);
                if (x == lastAt) {
                    break;
                }
            }
        }
    }

    /** LANES outputs from ow on, all of whose W taps are inside the input. */
    private static void vector(MemorySegment out, long o, MemorySegment in, long inBase, MemorySegment w, long wBase,
            float z, ConvGeometry g, int od, int oh, int ow, float lo, float hi) {
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
        acc.max(lo).min(hi).intoMemorySegment(out, o * 4, NO);
    }

    /** Like {@link #vector} for the last {@code n < LANES} such outputs of a row, with masked loads and store. */
    private static void vectorTail(MemorySegment out, long o, MemorySegment in, long inBase, MemorySegment w,
            long wBase, float z, ConvGeometry g, int od, int oh, int ow, float lo, float hi, int n) {
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
        acc.max(lo).min(hi).intoMemorySegment(out, o * 4, NO, mask);
    }

    /** One output, with every tap checked against the input bounds. */
    private static void point(MemorySegment out, long o, MemorySegment in, long inBase, MemorySegment w, long wBase,
            float z, ConvGeometry g, int od, int oh, int ow, float lo, float hi) {
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
        out.setAtIndex(F32, o, Math.min(Math.max(acc, lo), hi));
    }
}
