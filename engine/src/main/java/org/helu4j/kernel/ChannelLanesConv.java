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
 * (8, 6 or 4 positions), so that 16 or 32 channels do not pay for a panel of 48. When the output's rows are a
 * multiple of 7 or 8 positions wide (and the machine has 32 vector registers), a tile of 2 or 3 vectors instead
 * covers runs of 7 or 8 positions of one output row, whose taps are adjacent floats: one table lookup and one
 * address per k step instead of one per position, and a taller tile (7 × 3, 8 × 3, 14 × 2 or 8 × 2 positions ×
 * vectors). T lives on the heap, so that one pass can gather a vector of positions of one channel from it, apply
 * the epilogue and store it into NCHW.
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
    /**
     * Row tiles ({@link #row7x3} and its kin) hold 16 to 28 accumulators: they need the 32 vector registers of
     * AVX-512 (and of NEON and SVE, untested); with AVX2's 16 they would spill.
     */
    private static final boolean ROW_TILES = Vectors.BITS == 512;
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
        if ((rows + 2 * TILE_ROWS[1] + L) * roundUp(g.outChannels, NR) >= Integer.MAX_VALUE - 16
                || (long) g.inChannels * ConvGrid.paddedChannel(g) >= Integer.MAX_VALUE) {
            return false;  // T is one float[] indexed by ints, and tap offsets are ints
        }
        double k = (double) g.inChannels * g.kernelSize();
        long p = g.outSpatial();
        if (run(g) != 0 && g.outChannels >= 2 * L) {
            // Row tiles run at the grid's speed or better; the choice is by measurement. ConvProbe (outside the
            // repository; one layer, one thread, median over 1 s after 1 s of warm-up, 512-bit, Zen 5), grid ->
            // this path, C -> M at H² (output), µs at batch 1: 3×3 16 -> 32 at 7² 5.8 -> 4.2, 32 -> 32 at 7² 10.6
            // -> 7.0, 512 -> 512 at 7² 2006 -> 1046, 256 -> 512 stride 2 to 7² 1016 -> 611, 128 -> 128 at 16² 465
            // -> 373, 64 -> 128 stride 2 to 28² 902 -> 713 (batch 8 alike); but 64 -> 64 at 32² 482 -> 489,
            // 16 -> 64 at 32² 111 -> 152, 64 -> 64 at 56² 1523 -> 1718, the 7×7 stem to 112² 1309 -> 1998.
            // 1×1: 256 -> 512 stride 2 to 7² 140 -> 94, 960 -> 160 at 7² 126 -> 90, 384 -> 64 at 14² 76 -> 67,
            // 128 -> 256 stride 2 to 14² 106 -> 107; but 96 -> 576 at 14² 139 -> 170, 144 -> 32 at 28² 38 -> 47,
            // 64 -> 128 stride 2 to 28² 106 -> 147.
            if (g.kernelSize() == 1) {
                return k >= 128 && g.outChannels >= NR && p <= 256;
            }
            return p <= 256 || p < 1024 && k >= 512;
        }
        // A plain 1×1 layer reads its taps through tile3Strided, faster than this cost model assumes. ConvProbe
        // (outside the repository; one layer, one thread, best over 2 s, 512-bit, Zen 5), grid -> this path, C -> M
        // at H²: 320 -> 1280 at 7² 370 -> 260 µs (batch 8: 3071 -> 1941); 160 -> 960 at 7² 134 -> 109 (b8 1082 ->
        // 871); 576 -> 96 at 14² 123 -> 100 (b8 1004 -> 898); 384 -> 64 at 14² 62 -> 64 (median 76 -> 66); but
        // 96 -> 576 at 14² 135 -> 170, 64 -> 384 at 14² 64 -> 89, 192 -> 32 at 28² 52 -> 78. Hence: at least 128
        // input channels, a whole panel of output channels, and the small maps measured.
        if (g.isPointwise() && k >= 128 && g.outChannels >= NR && p <= 256) {
            return true;
        }
        return k / laneUse(g.outChannels, rows, run(g)) + TRANSPOSE_MACS < k / ConvGrid.laneUse(g);
    }

    /**
     * The fraction of the tiles' multiply-adds that compute outputs, for m channels and {@code rows} positions in
     * runs of {@code run} ({@link #run}).
     */
    static double laneUse(int m, long rows, int run) {
        double done = 0;
        for (int c0 = 0; c0 < m; c0 += NR) {
            int vectors = vectors(m - c0);
            done += (double) vectors * L * roundUp(rows, height(vectors, run));
        }
        return (double) m * rows / done;
    }

    /**
     * Positions per run of a row tile for g: 7 or 8 when that divides the output's width (so that no run crosses
     * an output row, and a run's taps are adjacent floats of the padded, phase-split input), else 0: none.
     */
    static int run(ConvGeometry g) {
        return !ROW_TILES ? 0 : g.outW % 7 == 0 ? 7 : g.outW % 8 == 0 ? 8 : 0;
    }

    /**
     * Positions per tile of a panel {@code vectors} wide, given runs of {@code run}: a run for 3 vectors, two runs
     * of 7 or one of 8 for 2, and the gathering tiles' heights for 1 vector or without runs (run 0).
     */
    static int height(int vectors, int run) {
        if (run == 0 || vectors == 1) {
            return TILE_ROWS[vectors];
        }
        return vectors == 3 || run == 8 ? run : 2 * run;
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
        conv(out, in, pb, g, ep, null);
    }

    /**
     * {@link #conv(MemorySegment, MemorySegment, MemorySegment, ConvGeometry, Epilogue)} followed by the max pool
     * {@code pool} ({@link #pools}; null for none), into out in the pool's output layout: taken over T's rows,
     * vectors of channels, before the epilogue, which is monotonic and the same for a whole channel.
     */
    static void conv(MemorySegment out, MemorySegment in, MemorySegment pb, ConvGeometry g, Epilogue ep,
            ConvGeometry pool) {
        Job job = JOBS.get();
        try {
            job.run(out, in, pb, g, ep, pool);
        } finally {
            job.release();
        }
    }

    /**
     * True when {@link #conv} can take {@code pool}, a max pool without padding over g's output: an epilogue of a
     * bias per channel and at most a clamp (so that the pool may come first), and whole windows.
     */
    static boolean pools(ConvGeometry g, ConvGeometry pool, Epilogue ep) {
        return ConvGrid.inTile(ep) && ep.residual() == null && pool.kD == 1 && pool.inD == 1 && pool.outD == 1
                && pool.inH == g.outH && pool.inW == g.outW && pool.batch == g.batch
                && pool.inChannels == g.outChannels && pool.padH == 0 && pool.padW == 0 && pool.dilH == 1
                && pool.dilW == 1 && pool.outH > 0 && pool.outW > 0
                && (long) (pool.outH - 1) * pool.strideH + pool.kH <= g.outH
                && (long) (pool.outW - 1) * pool.strideW + pool.kW <= g.outW;
    }

    private static final ThreadLocal<Job> JOBS = ThreadLocal.withInitial(Job::new);

    /**
     * A call's arguments, offset tables, T and task split, reused per calling thread so that a call allocates
     * nothing. On several threads a call has three parallel phases: the padded copy (tasks: runs of input planes),
     * the tiles (task t: unit t, one panel of output channels over one group of that panel's tiles; a panel's
     * groups are adjacent, so that threads share its weights in cache) and the transposition (runs of channels).
     */
    private static final class Job implements Parallel.Body {
        private static final int COPY = 0, TILES = 1, TRANSPOSE = 2;
        private final PaddedPhases layout = new PaddedPhases();
        /** Tap k = (c, kh, kw) of any output position: this many floats after the position's base. */
        private int[] offsets = new int[0];
        /** Row i of T (output position i of all images, the last repeated up to whole tiles): its base, in bytes. */
        private long[] bases = new long[0];
        /** T [rows × ldt], on the heap for the gathers. */
        private float[] tArray = new float[0];
        /** The pooled T, when a pool is fused: [batch · pooled positions × ldt]. */
        private float[] pooled = new float[0];
        /** The fused max pool, or null. */
        private ConvGeometry pool;
        /** Lane j of a gather of T: row j, i.e. {@code j · ldt}. */
        private final int[] rowsApart = new int[L];
        /** offsets[p] = p · tapStep for every tap (a 1×1 layer), in bytes; 0 when they are not. */
        private long tapStep;
        private MemorySegment x, pb, in, out;
        private ConvGeometry g;
        /** The epilogue the transposition applies. */
        private Epilogue epT;
        private int phase, parts;
        private int k, rows, m, panels, groups, units;
        private int ldt;
        /** Positions per run of the row tiles ({@link ChannelLanesConv#run}); 0: none. */
        private int run;

        void run(MemorySegment out, MemorySegment in, MemorySegment pb, ConvGeometry g, Epilogue ep,
                ConvGeometry pool) {
            PaddedPhases l = layout.set(g);
            this.pool = pool;
            this.out = out;
            this.in = in;
            this.g = g;
            k = g.inChannels * g.kernelSize();
            m = g.outChannels;
            long p = g.outSpatial();
            rows = (int) (g.batch * p);
            run = ChannelLanesConv.run(g);
            panels = (m + NR - 1) / NR;
            ldt = panels * NR;
            fillTables(g, l, p);
            this.pb = pb;
            // A panel's last tile ends less than a tile's height (at most twice 8) past the rows; gathers at the last
            // rows read up to L - 1 rows past them.
            long tFloats = ((long) rows + 2 * TILE_ROWS[1] + L) * ldt;
            if (tArray.length < tFloats) {
                tArray = new float[(int) tFloats];
            }
            for (int j = 0; j < L; j++) {
                rowsApart[j] = j * ldt;
            }
            int want = Parallel.tasksFor((long) rows * m * k, Integer.MAX_VALUE);
            long planes = (long) g.batch * g.inChannels;
            boolean direct = g.strideH == 1 && g.strideW == 1 && g.padH == 0 && g.padW == 0 && l.ph == g.inH
                    && l.pw == g.inW;
            if (direct) {
                x = in;  // no padding and unit strides: the padded layout is the input itself
            } else {
                x = Scratch.get(SLOT_PADDED, Math.max(1, planes * l.channel) * Float.BYTES);
                inPhases(COPY, (int) Math.max(1, Math.min(want, planes)));  // no planes (a 0 batch): one empty task
            }
            int fewestTiles = rows;
            for (int q = 0; q < panels; q++) {
                fewestTiles = Math.min(fewestTiles, tiles(q));
            }
            groups = want <= 1 ? 1 : Math.min(fewestTiles, Math.max(1, (4 * want + panels - 1) / panels));
            units = panels * groups;
            inPhases(TILES, want <= 1 ? 1 : units);
            epT = ConvGrid.inTile(ep) ? ep : Epilogue.NONE;
            if (pool != null) {
                maxPool(pool);
            }
            inPhases(TRANSPOSE, Math.min(want, m));
            if (epT != ep) {
                for (int b = 0; b < g.batch; b++) {
                    Gemm.finish(out, (long) b * m * p, p, 0, 0, m, (int) p, ep);
                }
            }
        }

        /** Runs phase {@code ph} as {@code n} tasks. */
        private void inPhases(int ph, int n) {
            phase = ph;
            parts = n;
            if (n <= 1) {
                run(0);
            } else {
                Parallel.forEach(n, this);
            }
        }

        void release() {
            x = pb = in = out = null;
            g = pool = null;
            epT = null;
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
            int padded = rows + 2 * TILE_ROWS[1];
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
            if (phase == COPY) {
                long planes = (long) g.batch * g.inChannels, plane = (long) g.inH * g.inW;
                PaddedPhases l = layout;
                for (long c = planes * task / parts, end = planes * (task + 1) / parts; c < end; c++) {
                    l.copyChannel(x, c * l.channel, in, c * plane, g, false);
                }
            } else if (phase == TRANSPOSE) {
                transpose(pool == null ? tArray : pooled, pool == null ? g.outSpatial() : pool.outSpatial(),
                        (int) ((long) m * task / parts), (int) ((long) m * (task + 1) / parts));
            } else {
                int u0 = (int) ((long) units * task / parts), u1 = (int) ((long) units * (task + 1) / parts);
                for (int u = u0; u < u1; u++) {
                    int q = u / groups, grp = u % groups;
                    int height = height(q), tiles = tiles(q);
                    int i0 = (int) ((long) tiles * grp / groups) * height;
                    int i1 = Math.min(rows, (int) ((long) tiles * (grp + 1) / groups) * height);
                    unit(q, i0, i1);
                }
            }
        }

        /** Positions per tile of panel q. */
        private int height(int q) {
            return ChannelLanesConv.height(vectors(m - q * NR), run);
        }

        /** Tiles of panel q over all the rows. */
        private int tiles(int q) {
            return (rows + height(q) - 1) / height(q);
        }

        /**
         * Panel q of T for the tiles that start at positions [i0, i1), k in blocks of KC so that the panel's block
         * of Wᵀ stays in cache.
         */
        private void unit(int q, int i0, int i1) {
            int vectors = vectors(m - q * NR);
            int height = height(q);
            boolean rowTiles = run != 0 && vectors > 1;
            long[] at = bases;
            if (rowTiles && vectors == 2 && run == 7) {
                // Two runs a tile; with an odd number of runs the last tile's second run lies past the last row,
                // and repeats the first into T's spare rows rather than read past the input.
                for (int i = i0; i < i1; i += height) {
                    row14x2(x, at[i], i + 7 < rows ? at[i + 7] : at[i], offsets, k, pb, (long) q * NR * k * Float.BYTES,
                            tArray, i * ldt + q * NR, ldt);
                }
                return;
            }
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                long bByte = ((long) q * NR * k + (long) pc * NR) * Float.BYTES;
                boolean first = pc == 0;
                for (int i = i0; i < i1; i += height) {
                    int tAt = i * ldt + q * NR;
                    if (rowTiles) {
                        rowTile(vectors, i, pc, kc, bByte, tAt, first);
                    } else if (vectors == 3 && tapStep != 0 && at[i + 3] - at[i] == 3 * Float.BYTES) {
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

        /** The row tile for positions [i, i + its height) of a panel 3 vectors wide, or 2 with runs of 8. */
        private void rowTile(int vectors, int i, int pc, int kc, long bByte, int tAt, boolean first) {
            long a = bases[i];
            if (vectors == 3 && run == 7) {
                row7x3(x, a, offsets, pc, kc, pb, bByte, tArray, tAt, ldt, first);
            } else if (vectors == 3) {
                row8x3(x, a, offsets, pc, kc, pb, bByte, tArray, tAt, ldt, first);
            } else {
                row8x2(x, a, offsets, pc, kc, pb, bByte, tArray, tAt, ldt, first);
            }
        }

        /**
         * pooled[b·P' + i] = the max of T's rows in output position i's window (P': the pool's output positions),
         * a vector of channels at a time. Gathers at the last rows read up to L - 1 rows past them.
         */
        private void maxPool(ConvGeometry pl) {
            int pp = (int) pl.outSpatial(), p = (int) g.outSpatial();
            long floats = ((long) g.batch * pp + L) * ldt;
            if (pooled.length < floats) {
                pooled = new float[(int) floats];
            }
            for (int b = 0; b < g.batch; b++) {
                for (int py = 0; py < pl.outH; py++) {
                    for (int px = 0; px < pl.outW; px++) {
                        int first = b * p + py * pl.strideH * g.outW + px * pl.strideW;
                        int to = (b * pp + py * pl.outW + px) * ldt;
                        for (int c = 0; c < ldt; c += L) {
                            FloatVector max = FloatVector.fromArray(F, tArray, first * ldt + c);
                            for (int dy = 0; dy < pl.kH; dy++) {
                                for (int dx = 0; dx < pl.kW; dx++) {
                                    max = max.max(FloatVector.fromArray(F, tArray, (first + dy * g.outW + dx) * ldt + c));
                                }
                            }
                            max.intoArray(pooled, to + c);
                        }
                    }
                }
            }
        }

        /**
         * out[b, c, i] = epT(T[b·P + i, c]) for channels [c0, c1), T being {@code tArray} with p positions an image,
         * a vector of positions at a time gathered from its rows; epT is one the tile could apply ({@link ConvGrid#inTile}): a bias per channel, a residual laid out
         * like out, then a clamp.
         */
        private void transpose(float[] tArray, long p, int c0, int c1) {
            Epilogue ep = epT;
            MemorySegment bias = ep.bias(), res = ep.residual();
            boolean clamp = ep.act() != Gemm.Act.NONE;
            FloatVector lo = FloatVector.broadcast(F, ep.clampLow()), hi = FloatVector.broadcast(F, ep.clampHigh());
            long outBytes = out.byteSize();
            int whole = (int) (p / L * L);
            for (int b = 0; b < g.batch; b++) {
                for (int c = c0; c < c1; c++) {
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

    /** A run of 7 positions of one output row × 3 vectors of channels: their taps are adjacent floats. */
    private static void row7x3(MemorySegment x, long a0, int[] off, int k0, int kc, MemorySegment b,
            long bByte, float[] t, int tAt, int ld, boolean first) {
        final long vb = (long) L * Float.BYTES;
        FloatVector c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32,
                c40, c41, c42, c50, c51, c52, c60, c61, c62;
        if (first) {
            c00 = FloatVector.zero(F);
            c01 = c00; c02 = c00; c10 = c00; c11 = c00; c12 = c00; c20 = c00; c21 = c00; c22 = c00;
            c30 = c00; c31 = c00; c32 = c00; c40 = c00; c41 = c00; c42 = c00; c50 = c00; c51 = c00;
            c52 = c00; c60 = c00; c61 = c00; c62 = c00;
        } else {
            c00 = FloatVector.fromArray(F, t, tAt);
            c01 = FloatVector.fromArray(F, t, tAt + L);
            c02 = FloatVector.fromArray(F, t, tAt + 2 * L);
            c10 = FloatVector.fromArray(F, t, tAt + ld);
            c11 = FloatVector.fromArray(F, t, tAt + ld + L);
            c12 = FloatVector.fromArray(F, t, tAt + ld + 2 * L);
            c20 = FloatVector.fromArray(F, t, tAt + 2 * ld);
            c21 = FloatVector.fromArray(F, t, tAt + 2 * ld + L);
            c22 = FloatVector.fromArray(F, t, tAt + 2 * ld + 2 * L);
            c30 = FloatVector.fromArray(F, t, tAt + 3 * ld);
            c31 = FloatVector.fromArray(F, t, tAt + 3 * ld + L);
            c32 = FloatVector.fromArray(F, t, tAt + 3 * ld + 2 * L);
            c40 = FloatVector.fromArray(F, t, tAt + 4 * ld);
            c41 = FloatVector.fromArray(F, t, tAt + 4 * ld + L);
            c42 = FloatVector.fromArray(F, t, tAt + 4 * ld + 2 * L);
            c50 = FloatVector.fromArray(F, t, tAt + 5 * ld);
            c51 = FloatVector.fromArray(F, t, tAt + 5 * ld + L);
            c52 = FloatVector.fromArray(F, t, tAt + 5 * ld + 2 * L);
            c60 = FloatVector.fromArray(F, t, tAt + 6 * ld);
            c61 = FloatVector.fromArray(F, t, tAt + 6 * ld + L);
            c62 = FloatVector.fromArray(F, t, tAt + 6 * ld + 2 * L);
        }
        long bp = bByte;
        for (int p = k0, end = k0 + kc; p < end; p++, bp += (long) NR * Float.BYTES) {
            long o = (long) off[p] << 2;
            long o0 = a0 + o;
            FloatVector b0 = FloatVector.fromMemorySegment(F, b, bp, NO);
            FloatVector b1 = FloatVector.fromMemorySegment(F, b, bp + vb, NO);
            FloatVector b2 = FloatVector.fromMemorySegment(F, b, bp + 2 * vb, NO);
            FloatVector v;
            v = FloatVector.broadcast(F, x.get(FL, o0 + 0));
            c00 = b0.fma(v, c00); c01 = b1.fma(v, c01); c02 = b2.fma(v, c02);
            v = FloatVector.broadcast(F, x.get(FL, o0 + 4));
            c10 = b0.fma(v, c10); c11 = b1.fma(v, c11); c12 = b2.fma(v, c12);
            v = FloatVector.broadcast(F, x.get(FL, o0 + 8));
            c20 = b0.fma(v, c20); c21 = b1.fma(v, c21); c22 = b2.fma(v, c22);
            v = FloatVector.broadcast(F, x.get(FL, o0 + 12));
            c30 = b0.fma(v, c30); c31 = b1.fma(v, c31); c32 = b2.fma(v, c32);
            v = FloatVector.broadcast(F, x.get(FL, o0 + 16));
            c40 = b0.fma(v, c40); c41 = b1.fma(v, c41); c42 = b2.fma(v, c42);
            v = FloatVector.broadcast(F, x.get(FL, o0 + 20));
            c50 = b0.fma(v, c50); c51 = b1.fma(v, c51); c52 = b2.fma(v, c52);
            v = FloatVector.broadcast(F, x.get(FL, o0 + 24));
            c60 = b0.fma(v, c60); c61 = b1.fma(v, c61); c62 = b2.fma(v, c62);
        }
        c00.intoArray(t, tAt);
        c01.intoArray(t, tAt + L);
        c02.intoArray(t, tAt + 2 * L);
        c10.intoArray(t, tAt + ld);
        c11.intoArray(t, tAt + ld + L);
        c12.intoArray(t, tAt + ld + 2 * L);
        c20.intoArray(t, tAt + 2 * ld);
        c21.intoArray(t, tAt + 2 * ld + L);
        c22.intoArray(t, tAt + 2 * ld + 2 * L);
        c30.intoArray(t, tAt + 3 * ld);
        c31.intoArray(t, tAt + 3 * ld + L);
        c32.intoArray(t, tAt + 3 * ld + 2 * L);
        c40.intoArray(t, tAt + 4 * ld);
        c41.intoArray(t, tAt + 4 * ld + L);
        c42.intoArray(t, tAt + 4 * ld + 2 * L);
        c50.intoArray(t, tAt + 5 * ld);
        c51.intoArray(t, tAt + 5 * ld + L);
        c52.intoArray(t, tAt + 5 * ld + 2 * L);
        c60.intoArray(t, tAt + 6 * ld);
        c61.intoArray(t, tAt + 6 * ld + L);
        c62.intoArray(t, tAt + 6 * ld + 2 * L);
    }

    /** {@link #row7x3} for rows of a multiple of 8 positions: 8 × 3 vectors. */
    private static void row8x3(MemorySegment x, long a0, int[] off, int k0, int kc, MemorySegment b,
            long bByte, float[] t, int tAt, int ld, boolean first) {
        final long vb = (long) L * Float.BYTES;
        FloatVector c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32,
                c40, c41, c42, c50, c51, c52, c60, c61, c62, c70, c71, c72;
        if (first) {
            c00 = FloatVector.zero(F);
            c01 = c00; c02 = c00; c10 = c00; c11 = c00; c12 = c00; c20 = c00; c21 = c00; c22 = c00;
            c30 = c00; c31 = c00; c32 = c00; c40 = c00; c41 = c00; c42 = c00; c50 = c00; c51 = c00;
            c52 = c00; c60 = c00; c61 = c00; c62 = c00; c70 = c00; c71 = c00; c72 = c00;
        } else {
            c00 = FloatVector.fromArray(F, t, tAt);
            c01 = FloatVector.fromArray(F, t, tAt + L);
            c02 = FloatVector.fromArray(F, t, tAt + 2 * L);
            c10 = FloatVector.fromArray(F, t, tAt + ld);
            c11 = FloatVector.fromArray(F, t, tAt + ld + L);
            c12 = FloatVector.fromArray(F, t, tAt + ld + 2 * L);
            c20 = FloatVector.fromArray(F, t, tAt + 2 * ld);
            c21 = FloatVector.fromArray(F, t, tAt + 2 * ld + L);
            c22 = FloatVector.fromArray(F, t, tAt + 2 * ld + 2 * L);
            c30 = FloatVector.fromArray(F, t, tAt + 3 * ld);
            c31 = FloatVector.fromArray(F, t, tAt + 3 * ld + L);
            c32 = FloatVector.fromArray(F, t, tAt + 3 * ld + 2 * L);
            c40 = FloatVector.fromArray(F, t, tAt + 4 * ld);
            c41 = FloatVector.fromArray(F, t, tAt + 4 * ld + L);
            c42 = FloatVector.fromArray(F, t, tAt + 4 * ld + 2 * L);
            c50 = FloatVector.fromArray(F, t, tAt + 5 * ld);
            c51 = FloatVector.fromArray(F, t, tAt + 5 * ld + L);
            c52 = FloatVector.fromArray(F, t, tAt + 5 * ld + 2 * L);
            c60 = FloatVector.fromArray(F, t, tAt + 6 * ld);
            c61 = FloatVector.fromArray(F, t, tAt + 6 * ld + L);
            c62 = FloatVector.fromArray(F, t, tAt + 6 * ld + 2 * L);
            c70 = FloatVector.fromArray(F, t, tAt + 7 * ld);
            c71 = FloatVector.fromArray(F, t, tAt + 7 * ld + L);
            c72 = FloatVector.fromArray(F, t, tAt + 7 * ld + 2 * L);
        }
        long bp = bByte;
        for (int p = k0, end = k0 + kc; p < end; p++, bp += (long) NR * Float.BYTES) {
            long o = (long) off[p] << 2;
            long o0 = a0 + o;
            FloatVector b0 = FloatVector.fromMemorySegment(F, b, bp, NO);
            FloatVector b1 = FloatVector.fromMemorySegment(F, b, bp + vb, NO);
            FloatVector b2 = FloatVector.fromMemorySegment(F, b, bp + 2 * vb, NO);
            FloatVector v;
            v = FloatVector.broadcast(F, x.get(FL, o0 + 0));
            c00 = b0.fma(v, c00); c01 = b1.fma(v, c01); c02 = b2.fma(v, c02);
            v = FloatVector.broadcast(F, x.get(FL, o0 + 4));
            c10 = b0.fma(v, c10); c11 = b1.fma(v, c11); c12 = b2.fma(v, c12);
            v = FloatVector.broadcast(F, x.get(FL, o0 + 8));
            c20 = b0.fma(v, c20); c21 = b1.fma(v, c21); c22 = b2.fma(v, c22);
            v = FloatVector.broadcast(F, x.get(FL, o0 + 12));
            c30 = b0.fma(v, c30); c31 = b1.fma(v, c31); c32 = b2.fma(v, c32);
            v = FloatVector.broadcast(F, x.get(FL, o0 + 16));
            c40 = b0.fma(v, c40); c41 = b1.fma(v, c41); c42 = b2.fma(v, c42);
            v = FloatVector.broadcast(F, x.get(FL, o0 + 20));
            c50 = b0.fma(v, c50); c51 = b1.fma(v, c51); c52 = b2.fma(v, c52);
            v = FloatVector.broadcast(F, x.get(FL, o0 + 24));
            c60 = b0.fma(v, c60); c61 = b1.fma(v, c61); c62 = b2.fma(v, c62);
            v = FloatVector.broadcast(F, x.get(FL, o0 + 28));
            c70 = b0.fma(v, c70); c71 = b1.fma(v, c71); c72 = b2.fma(v, c72);
        }
        c00.intoArray(t, tAt);
        c01.intoArray(t, tAt + L);
        c02.intoArray(t, tAt + 2 * L);
        c10.intoArray(t, tAt + ld);
        c11.intoArray(t, tAt + ld + L);
        c12.intoArray(t, tAt + ld + 2 * L);
        c20.intoArray(t, tAt + 2 * ld);
        c21.intoArray(t, tAt + 2 * ld + L);
        c22.intoArray(t, tAt + 2 * ld + 2 * L);
        c30.intoArray(t, tAt + 3 * ld);
        c31.intoArray(t, tAt + 3 * ld + L);
        c32.intoArray(t, tAt + 3 * ld + 2 * L);
        c40.intoArray(t, tAt + 4 * ld);
        c41.intoArray(t, tAt + 4 * ld + L);
        c42.intoArray(t, tAt + 4 * ld + 2 * L);
        c50.intoArray(t, tAt + 5 * ld);
        c51.intoArray(t, tAt + 5 * ld + L);
        c52.intoArray(t, tAt + 5 * ld + 2 * L);
        c60.intoArray(t, tAt + 6 * ld);
        c61.intoArray(t, tAt + 6 * ld + L);
        c62.intoArray(t, tAt + 6 * ld + 2 * L);
        c70.intoArray(t, tAt + 7 * ld);
        c71.intoArray(t, tAt + 7 * ld + L);
        c72.intoArray(t, tAt + 7 * ld + 2 * L);
    }

    /**
     * Two runs of 7 positions (each within one output row, at {@code a0} and {@code a1}) × 2 vectors, over all k
     * taps at once: T is only written. Loading 28 accumulators as well made the method too big for C1 ("out of
     * virtual registers"), which left it on the Vector API's allocating fallback.
     */
    private static void row14x2(MemorySegment x, long a0, long a1, int[] off, int k, MemorySegment b, long bByte,
            float[] t, int tAt, int ld) {
        final long vb = (long) L * Float.BYTES;
        FloatVector c000, c001, c010, c011, c020, c021, c030, c031, c040, c041, c050, c051,
                c060, c061, c070, c071, c080, c081, c090, c091, c100, c101, c110, c111,
                c120, c121, c130, c131;
        c000 = FloatVector.zero(F);
        c001 = c000; c010 = c000; c011 = c000; c020 = c000; c021 = c000; c030 = c000; c031 = c000; c040 = c000;
        c041 = c000; c050 = c000; c051 = c000; c060 = c000; c061 = c000; c070 = c000; c071 = c000; c080 = c000;
        c081 = c000; c090 = c000; c091 = c000; c100 = c000; c101 = c000; c110 = c000; c111 = c000; c120 = c000;
        c121 = c000; c130 = c000; c131 = c000;
        long bp = bByte;
        for (int p = 0; p < k; p++, bp += (long) NR * Float.BYTES) {
            long o = (long) off[p] << 2;
            long o0 = a0 + o;
            long o1 = a1 + o;
            FloatVector b0 = FloatVector.fromMemorySegment(F, b, bp, NO);
            FloatVector b1 = FloatVector.fromMemorySegment(F, b, bp + vb, NO);
            FloatVector v;
            v = FloatVector.broadcast(F, x.get(FL, o0 + 0));
            c000 = b0.fma(v, c000); c001 = b1.fma(v, c001);
            v = FloatVector.broadcast(F, x.get(FL, o0 + 4));
            c010 = b0.fma(v, c010); c011 = b1.fma(v, c011);
            v = FloatVector.broadcast(F, x.get(FL, o0 + 8));
            c020 = b0.fma(v, c020); c021 = b1.fma(v, c021);
            v = FloatVector.broadcast(F, x.get(FL, o0 + 12));
            c030 = b0.fma(v, c030); c031 = b1.fma(v, c031);
            v = FloatVector.broadcast(F, x.get(FL, o0 + 16));
            c040 = b0.fma(v, c040); c041 = b1.fma(v, c041);
            v = FloatVector.broadcast(F, x.get(FL, o0 + 20));
            c050 = b0.fma(v, c050); c051 = b1.fma(v, c051);
            v = FloatVector.broadcast(F, x.get(FL, o0 + 24));
            c060 = b0.fma(v, c060); c061 = b1.fma(v, c061);
            v = FloatVector.broadcast(F, x.get(FL, o1 + 0));
            c070 = b0.fma(v, c070); c071 = b1.fma(v, c071);
            v = FloatVector.broadcast(F, x.get(FL, o1 + 4));
            c080 = b0.fma(v, c080); c081 = b1.fma(v, c081);
            v = FloatVector.broadcast(F, x.get(FL, o1 + 8));
            c090 = b0.fma(v, c090); c091 = b1.fma(v, c091);
            v = FloatVector.broadcast(F, x.get(FL, o1 + 12));
            c100 = b0.fma(v, c100); c101 = b1.fma(v, c101);
            v = FloatVector.broadcast(F, x.get(FL, o1 + 16));
            c110 = b0.fma(v, c110); c111 = b1.fma(v, c111);
            v = FloatVector.broadcast(F, x.get(FL, o1 + 20));
            c120 = b0.fma(v, c120); c121 = b1.fma(v, c121);
            v = FloatVector.broadcast(F, x.get(FL, o1 + 24));
            c130 = b0.fma(v, c130); c131 = b1.fma(v, c131);
        }
        c000.intoArray(t, tAt);
        c001.intoArray(t, tAt + L);
        c010.intoArray(t, tAt + ld);
        c011.intoArray(t, tAt + ld + L);
        c020.intoArray(t, tAt + 2 * ld);
        c021.intoArray(t, tAt + 2 * ld + L);
        c030.intoArray(t, tAt + 3 * ld);
        c031.intoArray(t, tAt + 3 * ld + L);
        c040.intoArray(t, tAt + 4 * ld);
        c041.intoArray(t, tAt + 4 * ld + L);
        c050.intoArray(t, tAt + 5 * ld);
        c051.intoArray(t, tAt + 5 * ld + L);
        c060.intoArray(t, tAt + 6 * ld);
        c061.intoArray(t, tAt + 6 * ld + L);
        c070.intoArray(t, tAt + 7 * ld);
        c071.intoArray(t, tAt + 7 * ld + L);
        c080.intoArray(t, tAt + 8 * ld);
        c081.intoArray(t, tAt + 8 * ld + L);
        c090.intoArray(t, tAt + 9 * ld);
        c091.intoArray(t, tAt + 9 * ld + L);
        c100.intoArray(t, tAt + 10 * ld);
        c101.intoArray(t, tAt + 10 * ld + L);
        c110.intoArray(t, tAt + 11 * ld);
        c111.intoArray(t, tAt + 11 * ld + L);
        c120.intoArray(t, tAt + 12 * ld);
        c121.intoArray(t, tAt + 12 * ld + L);
        c130.intoArray(t, tAt + 13 * ld);
        c131.intoArray(t, tAt + 13 * ld + L);
    }

    /** {@link #row7x3} for a panel of 2 vectors and rows of a multiple of 8 positions: 8 × 2 vectors. */
    private static void row8x2(MemorySegment x, long a0, int[] off, int k0, int kc, MemorySegment b,
            long bByte, float[] t, int tAt, int ld, boolean first) {
        final long vb = (long) L * Float.BYTES;
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51,
                c60, c61, c70, c71;
        if (first) {
            c00 = FloatVector.zero(F);
            c01 = c00; c10 = c00; c11 = c00; c20 = c00; c21 = c00; c30 = c00; c31 = c00; c40 = c00;
            c41 = c00; c50 = c00; c51 = c00; c60 = c00; c61 = c00; c70 = c00; c71 = c00;
        } else {
            c00 = FloatVector.fromArray(F, t, tAt);
            c01 = FloatVector.fromArray(F, t, tAt + L);
            c10 = FloatVector.fromArray(F, t, tAt + ld);
            c11 = FloatVector.fromArray(F, t, tAt + ld + L);
            c20 = FloatVector.fromArray(F, t, tAt + 2 * ld);
            c21 = FloatVector.fromArray(F, t, tAt + 2 * ld + L);
            c30 = FloatVector.fromArray(F, t, tAt + 3 * ld);
            c31 = FloatVector.fromArray(F, t, tAt + 3 * ld + L);
            c40 = FloatVector.fromArray(F, t, tAt + 4 * ld);
            c41 = FloatVector.fromArray(F, t, tAt + 4 * ld + L);
            c50 = FloatVector.fromArray(F, t, tAt + 5 * ld);
            c51 = FloatVector.fromArray(F, t, tAt + 5 * ld + L);
            c60 = FloatVector.fromArray(F, t, tAt + 6 * ld);
            c61 = FloatVector.fromArray(F, t, tAt + 6 * ld + L);
            c70 = FloatVector.fromArray(F, t, tAt + 7 * ld);
            c71 = FloatVector.fromArray(F, t, tAt + 7 * ld + L);
        }
        long bp = bByte;
        for (int p = k0, end = k0 + kc; p < end; p++, bp += (long) NR * Float.BYTES) {
            long o = (long) off[p] << 2;
            long o0 = a0 + o;
            FloatVector b0 = FloatVector.fromMemorySegment(F, b, bp, NO);
            FloatVector b1 = FloatVector.fromMemorySegment(F, b, bp + vb, NO);
            FloatVector v;
            v = FloatVector.broadcast(F, x.get(FL, o0 + 0));
            c00 = b0.fma(v, c00); c01 = b1.fma(v, c01);
            v = FloatVector.broadcast(F, x.get(FL, o0 + 4));
            c10 = b0.fma(v, c10); c11 = b1.fma(v, c11);
            v = FloatVector.broadcast(F, x.get(FL, o0 + 8));
            c20 = b0.fma(v, c20); c21 = b1.fma(v, c21);
            v = FloatVector.broadcast(F, x.get(FL, o0 + 12));
            c30 = b0.fma(v, c30); c31 = b1.fma(v, c31);
            v = FloatVector.broadcast(F, x.get(FL, o0 + 16));
            c40 = b0.fma(v, c40); c41 = b1.fma(v, c41);
            v = FloatVector.broadcast(F, x.get(FL, o0 + 20));
            c50 = b0.fma(v, c50); c51 = b1.fma(v, c51);
            v = FloatVector.broadcast(F, x.get(FL, o0 + 24));
            c60 = b0.fma(v, c60); c61 = b1.fma(v, c61);
            v = FloatVector.broadcast(F, x.get(FL, o0 + 28));
            c70 = b0.fma(v, c70); c71 = b1.fma(v, c71);
        }
        c00.intoArray(t, tAt);
        c01.intoArray(t, tAt + L);
        c10.intoArray(t, tAt + ld);
        c11.intoArray(t, tAt + ld + L);
        c20.intoArray(t, tAt + 2 * ld);
        c21.intoArray(t, tAt + 2 * ld + L);
        c30.intoArray(t, tAt + 3 * ld);
        c31.intoArray(t, tAt + 3 * ld + L);
        c40.intoArray(t, tAt + 4 * ld);
        c41.intoArray(t, tAt + 4 * ld + L);
        c50.intoArray(t, tAt + 5 * ld);
        c51.intoArray(t, tAt + 5 * ld + L);
        c60.intoArray(t, tAt + 6 * ld);
        c61.intoArray(t, tAt + 6 * ld + L);
        c70.intoArray(t, tAt + 7 * ld);
        c71.intoArray(t, tAt + 7 * ld + L);
    }


    private static long roundUp(long n, long to) {
        return (n + to - 1) / to * to;
    }
}
