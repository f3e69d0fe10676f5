package org.helu4j.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;
import org.helu4j.kernel.Gemm.Epilogue;

/**
 * A 2-D convolution with the vector lanes over output channels, for small maps with many channels (ResNet-18's
 * 7×7 stage, MobileNetV2's 7×7 and 14×14 1×1 layers, WRN-16-4's 8×8 stage, fashion-cnn's 14×14 and 7×7 layers),
 * where {@link ConvGrid}'s panels of output positions are a quarter to a half padding. It computes the transposed
 * GEMM T[P × M] = col[P × K] · Wᵀ[K × M] (P: the output positions of every image; K: (c, kh, kw)) in a register
 * tile of output positions × vectors of output channels: Wᵀ is packed once into panels of NR output channels
 * ({@link #packWeights}), and col is never built, because row i of a tile is output position i, whose tap k is the
 * float at {@code base[i] + offset[k]} of the padded, phase-split input ({@link PaddedPhases}), broadcast straight
 * from there. A panel's tile is as wide as its channels need (1 to 3 vectors) and the narrower tiles are taller
 * (8, 6 or 4 positions), so that 16 or 32 channels do not pay for a panel of 48. T lives on the heap, so that one
 * pass can gather a vector of positions of one channel from it, apply the epilogue and store it into NCHW.
 */
final class ChannelLanesConv {
    private static final VectorSpecies<Float> F = Vectors.F;
    private static final int L = Vectors.LANES;
    private static final int NR = Gemm.NR, KC = Gemm.KC;
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat FL = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** The padded input (the slot of {@link ConvGrid}'s padded input). */
    private static final int SLOT_PADDED = 6;
    /** Positions per tile for a panel 1, 2 or 3 vectors wide (index: vectors). */
    private static final int[] TILE_ROWS = {0, 8, 6, 4};
    /** Positions per unit of work: a multiple of every tile's height, so that any split keeps tiles whole. */
    private static final int BLOCK = 24;
    /**
     * The transposition into NCHW and the epilogue, per output, in the tile's multiply-adds: measured ~2 ns per
     * output for the scalar transposition this pass replaced, on MobileNetV2's 7×7 and 14×14 1×1 layers. The
     * gathering one is cheaper; a lower constant is untested, so the choices stay those that were measured.
     */
    private static final double TRANSPOSE_MACS = 150;

    private ChannelLanesConv() {
    }

    /**
     * True when this path applies to {@code g} (one group, 2-D) and costs less than {@link ConvGrid}'s (or the
     * im2col GEMM's): multiply-adds over the fraction of the tile's lanes that do work (here output channels fill
     * panels' vectors, output positions whole tiles), plus the transposition.
     */
    static boolean pays(ConvGeometry g) {
        if (Vectors.SCALAR || g.group != 1 || g.kD != 1 || g.inD != 1 || g.outD != 1 || g.outH <= 0 || g.outW <= 0
                || g.outChannels < L) {
            return false;
        }
        long rows = (long) g.batch * g.outSpatial();
        if ((roundUp(rows, BLOCK) + L) * roundUp(g.outChannels, NR) >= Integer.MAX_VALUE - 16
                || (long) g.inChannels * ConvGrid.paddedChannel(g) >= Integer.MAX_VALUE) {
            return false;  // T is one float[] indexed by ints, and tap offsets are ints
        }
        double k = (double) g.inChannels * g.kernelSize();
        // A plain 1×1 layer reads its taps through tile3Strided, faster than this cost model assumes. ConvProbe
        // (outside the repository; one layer, one thread, best over 2 s, 512-bit, Zen 5), grid -> this path, C -> M
        // at H²: 320 -> 1280 at 7² 370 -> 260 µs (batch 8: 3071 -> 1941); 160 -> 960 at 7² 134 -> 109 (b8 1082 ->
        // 871); 576 -> 96 at 14² 123 -> 100 (b8 1004 -> 898); 384 -> 64 at 14² 62 -> 64 (median 76 -> 66); but
        // 96 -> 576 at 14² 135 -> 170, 64 -> 384 at 14² 64 -> 89, 192 -> 32 at 28² 52 -> 78. Hence: at least 128
        // input channels, a whole panel of output channels, and the small maps measured.
        if (g.isPointwise() && k >= 128 && g.outChannels >= NR && g.outSpatial() <= 256) {
            return true;
        }
        return k / laneUse(g.outChannels, rows) + TRANSPOSE_MACS < k / ConvGrid.laneUse(g);
    }

    /** The fraction of the tiles' multiply-adds that compute outputs, for m channels and {@code rows} positions. */
    static double laneUse(int m, long rows) {
        double done = 0;
        for (int c0 = 0; c0 < m; c0 += NR) {
            int vectors = vectors(m - c0);
            done += (double) vectors * L * roundUp(rows, TILE_ROWS[vectors]);
        }
        return (double) m * rows / done;
    }

    /** Vectors of a tile over a panel of {@code channels} (of up to NR) channels. */
    private static int vectors(int channels) {
        return Math.min(NR / L, (channels + L - 1) / L);
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
     * A call's arguments, offset tables, T and task split, reused per calling thread so that a call allocates
     * nothing. Task t computes units [t·units/tasks, (t+1)·units/tasks); a unit is one panel of output channels
     * over one group of position blocks.
     */
    private static final class Job implements Parallel.Body {
        private final PaddedPhases layout = new PaddedPhases();
        /** Tap k = (c, kh, kw) of any output position: this many floats after the position's base. */
        private int[] offsets = new int[0];
        /** Row i of T (output position i of all images, the last repeated up to whole blocks): its base, in bytes. */
        private long[] bases = new long[0];
        /** T [rows × ldt], on the heap for the gathers. */
        private float[] tArray = new float[0];
        /** Lane j of a gather of T: row j, i.e. {@code j · ldt}. */
        private final int[] rowsApart = new int[L];
        /** offsets[p] = p · tapStep for every tap (a 1×1 layer), in bytes; 0 when they are not. */
        private long tapStep;
        private MemorySegment x, pb;
        private int k, rows, m, panels, blocks, groups, units, tasks;
        private int ldt;

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
            m = g.outChannels;
            long p = g.outSpatial();
            rows = (int) (g.batch * p);
            blocks = (rows + BLOCK - 1) / BLOCK;
            panels = (m + NR - 1) / NR;
            ldt = panels * NR;
            fillTables(g, l, p);
            this.pb = pb;
            // Gathers at the last rows read up to L - 1 rows past them.
            long tFloats = ((long) blocks * BLOCK + L) * ldt;
            if (tArray.length < tFloats) {
                tArray = new float[(int) tFloats];
            }
            for (int j = 0; j < L; j++) {
                rowsApart[j] = j * ldt;
            }
            int want = Parallel.tasksFor((long) rows * m * k, Integer.MAX_VALUE);
            groups = want <= 1 ? 1 : Math.min(blocks, Math.max(1, (2 * want + panels - 1) / panels));
            units = panels * groups;
            tasks = want <= 1 ? 1 : units;
            if (tasks == 1) {
                run(0);
            } else {
                Parallel.forEach(tasks, this);
            }
            if (ConvGrid.inTile(ep)) {
                transpose(out, g, p, ep);
            } else {
                transpose(out, g, p, Epilogue.NONE);
                for (int b = 0; b < g.batch; b++) {
                    Gemm.finish(out, (long) b * m * p, p, 0, 0, m, (int) p, ep);
                }
            }
        }

        void release() {
            x = pb = null;
        }

        private void fillTables(ConvGeometry g, PaddedPhases l, long p) {
            if (offsets.length < k) {
                offsets = new int[k];
            }
            l.tapOffsets(g, g.inChannels, offsets);
            tapStep = k > 1 ? offsets[1] - offsets[0] : 0;
            for (int tap = 0; tap < k && tapStep != 0; tap++) {
                if (offsets[tap] != (long) tap * tapStep) {
                    tapStep = 0;
                }
            }
            tapStep *= Float.BYTES;
            int padded = blocks * BLOCK;
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
                int q = u % panels, grp = u / panels;
                int i0 = (int) ((long) blocks * grp / groups) * BLOCK;
                int i1 = Math.min(rows, (int) ((long) blocks * (grp + 1) / groups) * BLOCK);
                unit(q, i0, i1);
            }
        }

        /**
         * Panel q of T for the tiles that start at positions [i0, i1), k in blocks of KC so that the panel's block
         * of Wᵀ stays in cache.
         */
        private void unit(int q, int i0, int i1) {
            int vectors = vectors(m - q * NR);
            int height = TILE_ROWS[vectors];
            long[] at = bases;
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                long bByte = ((long) q * NR * k + (long) pc * NR) * Float.BYTES;
                boolean first = pc == 0;
                for (int i = i0; i < i1; i += height) {
                    int tAt = i * ldt + q * NR;
                    if (vectors == 3 && tapStep != 0 && at[i + 3] - at[i] == 3 * Float.BYTES) {
                        tile3Strided(x, at[i] + pc * tapStep, tapStep, kc, pb, bByte, tArray, tAt, ldt, first);
                    } else if (vectors == 3) {
                        tile3(x, at[i], at[i + 1], at[i + 2], at[i + 3], offsets, pc, kc, pb, bByte, tArray, tAt, ldt,
                                first);
                    } else if (vectors == 2) {
                        tile2(x, at[i], at[i + 1], at[i + 2], at[i + 3], at[i + 4], at[i + 5], offsets, pc, kc, pb,
                                bByte, tArray, tAt, ldt, first);
                    } else {
                        tile1(x, at[i], at[i + 1], at[i + 2], at[i + 3], at[i + 4], at[i + 5], at[i + 6], at[i + 7],
                                offsets, pc, kc, pb, bByte, tArray, tAt, ldt, first);
                    }
                }
            }
        }

        /**
         * out[b, c, i] = ep(T[b·P + i, c]), a vector of positions at a time gathered from T's rows; {@code ep} is
         * one the tile could apply ({@link ConvGrid#inTile}): a bias per channel, a residual laid out like out,
         * then a clamp.
         */
        private void transpose(MemorySegment out, ConvGeometry g, long p, Epilogue ep) {
            MemorySegment bias = ep.bias(), res = ep.residual();
            boolean clamp = ep.act() != Gemm.Act.NONE;
            FloatVector lo = FloatVector.broadcast(F, ep.clampLow()), hi = FloatVector.broadcast(F, ep.clampHigh());
            long outBytes = out.byteSize();
            int whole = (int) (p / L * L);
            for (int b = 0; b < g.batch; b++) {
                for (int c = 0; c < m; c++) {
                    float add = bias == null ? 0f : bias.getAtIndex(FL, ep.biasOff() + c * ep.biasRowStride());
                    long o = ((long) b * m + c) * p * Float.BYTES;
                    int t = b * (int) p * ldt + c;
                    for (int i = 0; i < p; i += L, o += (long) L * Float.BYTES, t += L * ldt) {
                        FloatVector v = FloatVector.fromArray(F, tArray, t, rowsApart, 0).add(add);
                        boolean full = i < whole;
                        if (full || o + (long) L * Float.BYTES <= outBytes) {
                            VectorMask<Float> in = full ? F.maskAll(true) : F.indexInRange(i, (int) p);
                            if (res != null) {
                                v = v.add(FloatVector.fromMemorySegment(F, res, o, NO, in));
                            }
                            if (clamp) {
                                v = v.max(lo).min(hi);
                            }
                            v.intoMemorySegment(out, o, NO, in);
                        } else {
                            // The output's last vector: a masked store across a segment's end is not intrinsified.
                            for (int j = 0; j < p - i; j++) {
                                float y = v.lane(j) + (res == null ? 0f : res.get(FL, o + (long) j * Float.BYTES));
                                out.set(FL, o + (long) j * Float.BYTES, clamp ? Math.min(Math.max(y, ep.clampLow()),
                                        ep.clampHigh()) : y);
                            }
                        }
                    }
                }
            }
        }
    }

    // ---- the hot spots: register tiles of positions × vectors of channels, A broadcast from the input at an offset
    // per k step ----
    // Written out, one method per shape, for the reasons given at Gemm's tile (a vector crossing a call is boxed; a
    // big method may never reach C2). B's rows are NR floats apart whatever the tile's width.
    private static void tile3(MemorySegment x, long a0, long a1, long a2, long a3, int[] off, int k0, int kc,
            MemorySegment b, long bByte, float[] t, int tAt, int ld, boolean first) {
        final long vb = (long) L * Float.BYTES;
        final int t1 = tAt + ld, t2 = t1 + ld, t3 = t2 + ld;
        FloatVector c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32;
        if (first) {
            c00 = FloatVector.zero(F);
            c01 = c00; c02 = c00; c10 = c00; c11 = c00; c12 = c00;
            c20 = c00; c21 = c00; c22 = c00; c30 = c00; c31 = c00; c32 = c00;
        } else {
            c00 = FloatVector.fromArray(F, t, tAt);
            c01 = FloatVector.fromArray(F, t, tAt + L);
            c02 = FloatVector.fromArray(F, t, tAt + 2 * L);
            c10 = FloatVector.fromArray(F, t, t1);
            c11 = FloatVector.fromArray(F, t, t1 + L);
            c12 = FloatVector.fromArray(F, t, t1 + 2 * L);
            c20 = FloatVector.fromArray(F, t, t2);
            c21 = FloatVector.fromArray(F, t, t2 + L);
            c22 = FloatVector.fromArray(F, t, t2 + 2 * L);
            c30 = FloatVector.fromArray(F, t, t3);
            c31 = FloatVector.fromArray(F, t, t3 + L);
            c32 = FloatVector.fromArray(F, t, t3 + 2 * L);
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
        c00.intoArray(t, tAt);
        c01.intoArray(t, tAt + L);
        c02.intoArray(t, tAt + 2 * L);
        c10.intoArray(t, t1);
        c11.intoArray(t, t1 + L);
        c12.intoArray(t, t1 + 2 * L);
        c20.intoArray(t, t2);
        c21.intoArray(t, t2 + L);
        c22.intoArray(t, t2 + 2 * L);
        c30.intoArray(t, t3);
        c31.intoArray(t, t3 + L);
        c32.intoArray(t, t3 + 2 * L);
    }

    /**
     * {@link #tile3} where tap p of the tile's four positions is four adjacent floats {@code step} bytes after tap
     * p - 1's (a 1×1 layer, positions in one image): one address per step instead of a table lookup and four
     * (TileProbe, outside the repository, 4 × 3 vectors, kc 256: 208 against 167 GFLOP/s).
     */
    private static void tile3Strided(MemorySegment x, long a0, long step, int kc, MemorySegment b, long bByte,
            float[] t, int tAt, int ld, boolean first) {
        final long vb = (long) L * Float.BYTES;
        final int t1 = tAt + ld, t2 = t1 + ld, t3 = t2 + ld;
        FloatVector c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32;
        if (first) {
            c00 = FloatVector.zero(F);
            c01 = c00; c02 = c00; c10 = c00; c11 = c00; c12 = c00;
            c20 = c00; c21 = c00; c22 = c00; c30 = c00; c31 = c00; c32 = c00;
        } else {
            c00 = FloatVector.fromArray(F, t, tAt);
            c01 = FloatVector.fromArray(F, t, tAt + L);
            c02 = FloatVector.fromArray(F, t, tAt + 2 * L);
            c10 = FloatVector.fromArray(F, t, t1);
            c11 = FloatVector.fromArray(F, t, t1 + L);
            c12 = FloatVector.fromArray(F, t, t1 + 2 * L);
            c20 = FloatVector.fromArray(F, t, t2);
            c21 = FloatVector.fromArray(F, t, t2 + L);
            c22 = FloatVector.fromArray(F, t, t2 + 2 * L);
            c30 = FloatVector.fromArray(F, t, t3);
            c31 = FloatVector.fromArray(F, t, t3 + L);
            c32 = FloatVector.fromArray(F, t, t3 + 2 * L);
        }
        long bp = bByte, ap = a0;
        for (int p = 0; p < kc; p++, bp += 3 * vb, ap += step) {
            FloatVector b0 = FloatVector.fromMemorySegment(F, b, bp, NO);
            FloatVector b1 = FloatVector.fromMemorySegment(F, b, bp + vb, NO);
            FloatVector b2 = FloatVector.fromMemorySegment(F, b, bp + 2 * vb, NO);
            FloatVector v = FloatVector.broadcast(F, x.get(FL, ap + 0));
            c00 = b0.fma(v, c00); c01 = b1.fma(v, c01); c02 = b2.fma(v, c02);
            v = FloatVector.broadcast(F, x.get(FL, ap + 4));
            c10 = b0.fma(v, c10); c11 = b1.fma(v, c11); c12 = b2.fma(v, c12);
            v = FloatVector.broadcast(F, x.get(FL, ap + 8));
            c20 = b0.fma(v, c20); c21 = b1.fma(v, c21); c22 = b2.fma(v, c22);
            v = FloatVector.broadcast(F, x.get(FL, ap + 12));
            c30 = b0.fma(v, c30); c31 = b1.fma(v, c31); c32 = b2.fma(v, c32);
        }
        c00.intoArray(t, tAt);
        c01.intoArray(t, tAt + L);
        c02.intoArray(t, tAt + 2 * L);
        c10.intoArray(t, t1);
        c11.intoArray(t, t1 + L);
        c12.intoArray(t, t1 + 2 * L);
        c20.intoArray(t, t2);
        c21.intoArray(t, t2 + L);
        c22.intoArray(t, t2 + 2 * L);
        c30.intoArray(t, t3);
        c31.intoArray(t, t3 + L);
        c32.intoArray(t, t3 + 2 * L);
    }

    /** {@link #tile3} for a panel of up to 2 vectors of channels: 6 positions × 2 vectors. */
    private static void tile2(MemorySegment x, long a0, long a1, long a2, long a3, long a4, long a5, int[] off, int k0,
            int kc, MemorySegment b, long bByte, float[] t, int tAt, int ld, boolean first) {
        final long vb = (long) L * Float.BYTES;
        final int t1 = tAt + ld, t2 = t1 + ld, t3 = t2 + ld, t4 = t3 + ld, t5 = t4 + ld;
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        if (first) {
            c00 = FloatVector.zero(F);
            c01 = c00; c10 = c00; c11 = c00; c20 = c00; c21 = c00;
            c30 = c00; c31 = c00; c40 = c00; c41 = c00; c50 = c00; c51 = c00;
        } else {
            c00 = FloatVector.fromArray(F, t, tAt);
            c01 = FloatVector.fromArray(F, t, tAt + L);
            c10 = FloatVector.fromArray(F, t, t1);
            c11 = FloatVector.fromArray(F, t, t1 + L);
            c20 = FloatVector.fromArray(F, t, t2);
            c21 = FloatVector.fromArray(F, t, t2 + L);
            c30 = FloatVector.fromArray(F, t, t3);
            c31 = FloatVector.fromArray(F, t, t3 + L);
            c40 = FloatVector.fromArray(F, t, t4);
            c41 = FloatVector.fromArray(F, t, t4 + L);
            c50 = FloatVector.fromArray(F, t, t5);
            c51 = FloatVector.fromArray(F, t, t5 + L);
        }
        long bp = bByte;
        for (int p = k0, end = k0 + kc; p < end; p++, bp += (long) NR * Float.BYTES) {
            long o = (long) off[p] << 2;
            FloatVector b0 = FloatVector.fromMemorySegment(F, b, bp, NO);
            FloatVector b1 = FloatVector.fromMemorySegment(F, b, bp + vb, NO);
            FloatVector v = FloatVector.broadcast(F, x.get(FL, a0 + o));
            c00 = b0.fma(v, c00); c01 = b1.fma(v, c01);
            v = FloatVector.broadcast(F, x.get(FL, a1 + o));
            c10 = b0.fma(v, c10); c11 = b1.fma(v, c11);
            v = FloatVector.broadcast(F, x.get(FL, a2 + o));
            c20 = b0.fma(v, c20); c21 = b1.fma(v, c21);
            v = FloatVector.broadcast(F, x.get(FL, a3 + o));
            c30 = b0.fma(v, c30); c31 = b1.fma(v, c31);
            v = FloatVector.broadcast(F, x.get(FL, a4 + o));
            c40 = b0.fma(v, c40); c41 = b1.fma(v, c41);
            v = FloatVector.broadcast(F, x.get(FL, a5 + o));
            c50 = b0.fma(v, c50); c51 = b1.fma(v, c51);
        }
        c00.intoArray(t, tAt);
        c01.intoArray(t, tAt + L);
        c10.intoArray(t, t1);
        c11.intoArray(t, t1 + L);
        c20.intoArray(t, t2);
        c21.intoArray(t, t2 + L);
        c30.intoArray(t, t3);
        c31.intoArray(t, t3 + L);
        c40.intoArray(t, t4);
        c41.intoArray(t, t4 + L);
        c50.intoArray(t, t5);
        c51.intoArray(t, t5 + L);
    }

    /** {@link #tile3} for a panel of up to one vector of channels: 8 positions × 1 vector. */
    private static void tile1(MemorySegment x, long a0, long a1, long a2, long a3, long a4, long a5, long a6, long a7,
            int[] off, int k0, int kc, MemorySegment b, long bByte, float[] t, int tAt, int ld, boolean first) {
        final int t1 = tAt + ld, t2 = t1 + ld, t3 = t2 + ld, t4 = t3 + ld, t5 = t4 + ld, t6 = t5 + ld, t7 = t6 + ld;
        FloatVector c0, c1, c2, c3, c4, c5, c6, c7;
        if (first) {
            c0 = FloatVector.zero(F);
            c1 = c0; c2 = c0; c3 = c0; c4 = c0; c5 = c0; c6 = c0; c7 = c0;
        } else {
            c0 = FloatVector.fromArray(F, t, tAt);
            c1 = FloatVector.fromArray(F, t, t1);
            c2 = FloatVector.fromArray(F, t, t2);
            c3 = FloatVector.fromArray(F, t, t3);
            c4 = FloatVector.fromArray(F, t, t4);
            c5 = FloatVector.fromArray(F, t, t5);
            c6 = FloatVector.fromArray(F, t, t6);
            c7 = FloatVector.fromArray(F, t, t7);
        }
        long bp = bByte;
        for (int p = k0, end = k0 + kc; p < end; p++, bp += (long) NR * Float.BYTES) {
            long o = (long) off[p] << 2;
            FloatVector b0 = FloatVector.fromMemorySegment(F, b, bp, NO);
            c0 = b0.fma(FloatVector.broadcast(F, x.get(FL, a0 + o)), c0);
            c1 = b0.fma(FloatVector.broadcast(F, x.get(FL, a1 + o)), c1);
            c2 = b0.fma(FloatVector.broadcast(F, x.get(FL, a2 + o)), c2);
            c3 = b0.fma(FloatVector.broadcast(F, x.get(FL, a3 + o)), c3);
            c4 = b0.fma(FloatVector.broadcast(F, x.get(FL, a4 + o)), c4);
            c5 = b0.fma(FloatVector.broadcast(F, x.get(FL, a5 + o)), c5);
            c6 = b0.fma(FloatVector.broadcast(F, x.get(FL, a6 + o)), c6);
            c7 = b0.fma(FloatVector.broadcast(F, x.get(FL, a7 + o)), c7);
        }
        c0.intoArray(t, tAt);
        c1.intoArray(t, t1);
        c2.intoArray(t, t2);
        c3.intoArray(t, t3);
        c4.intoArray(t, t4);
        c5.intoArray(t, t5);
        c6.intoArray(t, t6);
        c7.intoArray(t, t7);
    }

    private static long roundUp(long n, long to) {
        return (n + to - 1) / to * to;
    }
}
