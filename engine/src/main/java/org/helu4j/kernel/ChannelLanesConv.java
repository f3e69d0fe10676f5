package org.helu4j.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.helu4j.kernel.Gemm.Epilogue;

/**
 * A 2-D convolution with the vector lanes over output channels, for small maps with many channels (ResNet-18's
 * 7×7 stage, MobileNetV2's 7×7 and 14×14 1×1 layers, WRN-16-4's 8×8 stage), where {@link ConvGrid}'s panels of
 * output positions are a quarter to a half padding. It computes the transposed GEMM T[P × M] = col[P × K] ·
 * Wᵀ[K × M] (P: the output positions of every image; K: (c, kh, kw)) with {@link Gemm}'s register tile: Wᵀ is
 * packed once into panels of NR output channels ({@link #packWeights}), and col is never built, because row i of
 * a tile is output position i, whose tap k is the float at {@code base[i] + offset[k]} of the padded, phase-split
 * input ({@link PaddedPhases}), broadcast straight from there. One pass then transposes T into NCHW and applies
 * the epilogue.
 */
final class ChannelLanesConv {
    private static final VectorSpecies<Float> F = Vectors.F;
    private static final int L = Vectors.LANES;
    private static final int MR = Gemm.MR, NR = Gemm.NR, KC = Gemm.KC;
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat FL = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** The padded input and T (the slots of {@link ConvGrid}'s padded input and grid, never in use together). */
    private static final int SLOT_PADDED = 6, SLOT_T = 7;
    /**
     * The transposition into NCHW and the epilogue pass, per output, in the tile's multiply-adds: measured ~2 ns
     * per output on MobileNetV2's 7×7 and 14×14 1×1 layers, where it decides against this path below ~400 rows.
     */
    private static final double TRANSPOSE_MACS = 150;

    private ChannelLanesConv() {
    }

    /**
     * True when this path applies to {@code g} (one group, 2-D) and costs less than {@link ConvGrid}'s (or the
     * im2col GEMM's): multiply-adds over the fraction of the tile's lanes that do work (here output channels fill
     * panels of NR, output positions strips of MR), plus the transposition.
     */
    static boolean pays(ConvGeometry g) {
        if (Vectors.SCALAR || g.group != 1 || g.kD != 1 || g.inD != 1 || g.outD != 1 || g.outH <= 0 || g.outW <= 0
                || g.outChannels < NR / 2) {
            return false;
        }
        long rows = (long) g.batch * g.outSpatial();
        if (rows > Integer.MAX_VALUE / 2 || (long) g.inChannels * ConvGrid.paddedChannel(g) >= Integer.MAX_VALUE) {
            return false;  // tap offsets are ints
        }
        double lanes = (double) g.outChannels / roundUp(g.outChannels, NR) * rows / roundUp(rows, MR);
        double k = (double) g.inChannels * g.kernelSize();
        return k / lanes + TRANSPOSE_MACS < k / ConvGrid.laneUse(g);
    }

    /** Floats that {@link #packWeights} writes for m output channels of k = C · taps rows. */
    static long packedFloats(int m, int k) {
        return Gemm.packedSize(m, k);
    }

    /** W [m, k] as Wᵀ [k × m], packed into {@link Gemm} panels of NR output channels (zeros past m). */
    static void packWeights(MemorySegment dst, MemorySegment w, int m, int k) {
        Gemm.packB(dst, 0, w, 0, k, true, m, k);
    }

    /** out = epilogue(conv(in, w)) with w {@link #packWeights packed} in {@code pb}; NCHW, one group. */
    static void conv(MemorySegment out, MemorySegment in, MemorySegment pb, ConvGeometry g, Epilogue ep) {
        Job job = JOBS.get();
        try {
            job.run(out, in, pb, g, ep);
        } finally {
            job.release();
        }
    }

    private static final ThreadLocal<Job> JOBS = ThreadLocal.withInitial(Job::new);

    /**
     * A call's arguments, offset tables and task split, reused per calling thread so that a call allocates
     * nothing. Task t computes units [t·units/tasks, (t+1)·units/tasks); a unit is one panel of output channels
     * over one group of strips.
     */
    private static final class Job implements Parallel.Body {
        private final PaddedPhases layout = new PaddedPhases();
        /** Tap k = (c, kh, kw) of any output position: this many floats after the position's base. */
        private int[] offsets = new int[0];
        /** Row i of T (output position i of all images, the last repeated up to whole strips): its base, in bytes. */
        private long[] bases = new long[0];
        private MemorySegment x, pb, t;
        private int k, panels, strips, stripGroups, units, tasks;
        private long ldt;

        void run(MemorySegment out, MemorySegment in, MemorySegment pb, ConvGeometry g, Epilogue ep) {
            PaddedPhases l = layout.set(g);
            long planes = (long) g.batch * g.inChannels;
            boolean direct = g.strideH == 1 && g.strideW == 1 && g.padH == 0 && g.padW == 0 && l.ph == g.inH
                    && l.pw == g.inW;
            if (direct) {
                x = in;  // no padding and unit strides: the padded layout is the input itself
            } else {
                x = Scratch.get(SLOT_PADDED, Math.max(1, planes * l.channel) * Float.BYTES);
                l.copy(x, in, g, 0, planes, 0);
            }
            k = g.inChannels * g.kernelSize();
            long p = g.outSpatial();
            int rows = (int) (g.batch * p);
            strips = (rows + MR - 1) / MR;
            panels = (g.outChannels + NR - 1) / NR;
            ldt = (long) panels * NR;
            fillTables(g, l, p, rows);
            this.pb = pb;
            t = Scratch.get(SLOT_T, (long) strips * MR * ldt * Float.BYTES);
            int want = Parallel.tasksFor((long) rows * g.outChannels * k, Integer.MAX_VALUE);
            stripGroups = want <= 1 ? 1 : Math.min(strips, Math.max(1, (2 * want + panels - 1) / panels));
            units = panels * stripGroups;
            tasks = want <= 1 ? 1 : units;
            if (tasks == 1) {
                run(0);
            } else {
                Parallel.forEach(tasks, this);
            }
            transpose(out, t, ldt, g, p);
            for (int b = 0; b < g.batch; b++) {
                Gemm.finish(out, (long) b * g.outChannels * p, p, 0, 0, g.outChannels, (int) p, ep);
            }
        }

        void release() {
            x = pb = t = null;
        }

        private void fillTables(ConvGeometry g, PaddedPhases l, long p, int rows) {
            if (offsets.length < k) {
                offsets = new int[k];
            }
            l.tapOffsets(g, g.inChannels, offsets);
            int padded = strips * MR;
            if (bases.length < padded) {
                bases = new long[padded];
            }
            long image = (long) g.inChannels * l.channel;
            for (int i = 0; i < padded; i++) {
                int pos = Math.min(i, rows - 1);
                long b = pos / p, q = pos % p;
                bases[i] = (b * image + q / g.outW * l.qw + q % g.outW) * Float.BYTES;
            }
        }

        @Override
        public void run(int task) {
            int u0 = (int) ((long) units * task / tasks), u1 = (int) ((long) units * (task + 1) / tasks);
            for (int u = u0; u < u1; u++) {
                int q = u % panels, sg = u / panels;
                unit(q, (int) ((long) strips * sg / stripGroups), (int) ((long) strips * (sg + 1) / stripGroups));
            }
        }

        /** Panel q of T over strips [s0, s1), k in blocks of KC so that the panel's block of Wᵀ stays in cache. */
        private void unit(int q, int s0, int s1) {
            long rowBytes = ldt * Float.BYTES;
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                long bByte = ((long) q * NR * k + (long) pc * NR) * Float.BYTES;
                for (int s = s0; s < s1; s++) {
                    int i = s * MR;
                    long tByte = (i * ldt + (long) q * NR) * Float.BYTES;
                    tile(x, bases[i], bases[i + 1], bases[i + 2], bases[i + 3], offsets, pc, kc, pb, bByte, t, tByte,
                            rowBytes, pc == 0);
                }
            }
        }
    }

    /** out[b, m, p] = T[b·P + p, m]: plain sums, which the epilogue pass then finishes. */
    private static void transpose(MemorySegment out, MemorySegment t, long ldt, ConvGeometry g, long p) {
        int m = g.outChannels;
        for (int b = 0; b < g.batch; b++) {
            long outBase = (long) b * m * p;
            long tBase = (long) b * p * ldt;
            for (int j = 0; j < m; j++) {
                long o = outBase + j * p;
                long s = tBase + j;
                for (int i = 0; i < p; i++, s += ldt) {
                    out.setAtIndex(FL, o + i, t.getAtIndex(FL, s));
                }
            }
        }
    }

    // ---- the hot spot: Gemm's MR×NRV register tile, A broadcast from the input at an offset per k step ----
    // Written out in one method for the reasons given at Gemm's tile (a vector crossing a call is boxed; a big
    // method may never reach C2).
    private static void tile(MemorySegment x, long a0, long a1, long a2, long a3, int[] off, int k0, int kc,
            MemorySegment b, long bByte, MemorySegment t, long tByte, long rowBytes, boolean first) {
        final long vb = (long) L * Float.BYTES;
        final long t1 = tByte + rowBytes, t2 = t1 + rowBytes, t3 = t2 + rowBytes;
        FloatVector c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32;
        if (first) {
            c00 = FloatVector.zero(F);
            c01 = c00; c02 = c00; c10 = c00; c11 = c00; c12 = c00;
            c20 = c00; c21 = c00; c22 = c00; c30 = c00; c31 = c00; c32 = c00;
        } else {
            c00 = FloatVector.fromMemorySegment(F, t, tByte, NO);
            c01 = FloatVector.fromMemorySegment(F, t, tByte + vb, NO);
            c02 = FloatVector.fromMemorySegment(F, t, tByte + 2 * vb, NO);
            c10 = FloatVector.fromMemorySegment(F, t, t1, NO);
            c11 = FloatVector.fromMemorySegment(F, t, t1 + vb, NO);
            c12 = FloatVector.fromMemorySegment(F, t, t1 + 2 * vb, NO);
            c20 = FloatVector.fromMemorySegment(F, t, t2, NO);
            c21 = FloatVector.fromMemorySegment(F, t, t2 + vb, NO);
            c22 = FloatVector.fromMemorySegment(F, t, t2 + 2 * vb, NO);
            c30 = FloatVector.fromMemorySegment(F, t, t3, NO);
            c31 = FloatVector.fromMemorySegment(F, t, t3 + vb, NO);
            c32 = FloatVector.fromMemorySegment(F, t, t3 + 2 * vb, NO);
        }
        long bp = bByte;
        for (int p = k0, end = k0 + kc; p < end; p++, bp += 3 * vb) {
            long o = (long) off[p] << 2;
            FloatVector b0 = FloatVector.fromMemorySegment(F, b, bp, NO);
            FloatVector b1 = FloatVector.fromMemorySegment(F, b, bp + vb, NO);
            FloatVector b2 = FloatVector.fromMemorySegment(F, b, bp + 2 * vb, NO);
            FloatVector v = FloatVector.broadcast(F, x.get(FL, a0 + o));
            c00 = b0.fma(v, c00); c01 = b1.fma(v, c01); c02 = b2.fma(v, c02);
            v = FloatVector.broadcast(F, x.get(FL, a1 + o));
            c10 = b0.fma(v, c10); c11 = b1.fma(v, c11); c12 = b2.fma(v, c12);
            v = FloatVector.broadcast(F, x.get(FL, a2 + o));
            c20 = b0.fma(v, c20); c21 = b1.fma(v, c21); c22 = b2.fma(v, c22);
            v = FloatVector.broadcast(F, x.get(FL, a3 + o));
            c30 = b0.fma(v, c30); c31 = b1.fma(v, c31); c32 = b2.fma(v, c32);
        }
        c00.intoMemorySegment(t, tByte, NO);
        c01.intoMemorySegment(t, tByte + vb, NO);
        c02.intoMemorySegment(t, tByte + 2 * vb, NO);
        c10.intoMemorySegment(t, t1, NO);
        c11.intoMemorySegment(t, t1 + vb, NO);
        c12.intoMemorySegment(t, t1 + 2 * vb, NO);
        c20.intoMemorySegment(t, t2, NO);
        c21.intoMemorySegment(t, t2 + vb, NO);
        c22.intoMemorySegment(t, t2 + 2 * vb, NO);
        c30.intoMemorySegment(t, t3, NO);
        c31.intoMemorySegment(t, t3 + vb, NO);
        c32.intoMemorySegment(t, t3 + 2 * vb, NO);
    }

    private static long roundUp(long n, long to) {
        return (n + to - 1) / to * to;
    }
}
