package org.helu4j.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;
import org.helu4j.kernel.Gemm.Act;
import org.helu4j.kernel.Gemm.Epilogue;

/**
 * A 2-D convolution computed directly on the grid of its zero-padded, phase-split input ({@link PaddedPhases}), for
 * {@link Conv}. Row r = (c, kh, kw) of the im2col matrix is that input read from one offset, so the micro-kernel,
 * {@link Gemm}'s register tile (4 weight rows × 2 or 3 vectors of grid columns), reads B through a table of those
 * offsets instead of from a packed panel, and the input is never expanded. The price is {@code qw - outW} extra
 * columns per output row (and the grid rounded up to whole tiles), computed and dropped when the grid is compacted
 * into NCHW; the residual, and an activation the tile cannot apply, are applied in that same pass, and so is a
 * fused max pool ({@link #pools}). The same tile runs a plain 1×1 convolution straight on its input and output
 * ({@link #pointwise}), and Winograd's 16 GEMMs.
 */
final class ConvGrid {
    private static final VectorSpecies<Float> F = Vectors.F;
    private static final int L = Vectors.LANES;
    private static final int MR = Gemm.MR, NR = Gemm.NR;
    /** {@link #tile8}, two strips at once, holds 24 accumulators: for the 32 vector registers of AVX-512. */
    private static final boolean PAIRS = Vectors.BITS == 512;
    /** Per thread: the biases of the 8 rows of a {@link #tile8}, and its results. */
    private static final ThreadLocal<float[][]> PAIR = ThreadLocal.withInitial(
            () -> new float[][] {new float[2 * MR], new float[2 * MR * NR]});
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat FL = ValueLayout.JAVA_FLOAT;
    private static final int SLOT_STAGE = 0, SLOT_TILE = 5, SLOT_PADDED = 6, SLOT_GRID = 7;
    /** The most input (k rows of a block's columns) a block of panels reads: a part of L2. */
    private static final long BLOCK_BYTES = 256 << 10;
    /** The longest k computed in blocks of panels (see {@link Tasks#set}); beyond it, a panel at a time. */
    private static final int BLOCK_MAX_K = 63;

    private ConvGrid() {
    }

    /** 2-D (or 3-D with depth 1) and not a plain 1×1 (a GEMM on the input itself): the case this path covers. */
    static boolean applies(ConvGeometry g) {
        if (g.kD != 1 || g.inD != 1 || g.outD != 1 || g.isPointwise() || g.outH <= 0 || g.outW <= 0) {
            return false;
        }
        return (long) g.inChannels / g.group * paddedChannel(g) < Integer.MAX_VALUE;  // tap offsets are ints
    }

    /** Floats per channel of {@link PaddedPhases}' layout of g's input (without allocating one). */
    static long paddedChannel(ConvGeometry g) {
        long ph = (g.outH - 1L) * g.strideH + (g.kH - 1L) * g.dilH + 1;
        long pw = (g.outW - 1L) * g.strideW + (g.kW - 1L) * g.dilW + 1;
        return g.strideH * g.strideW * ((ph + g.strideH - 1) / g.strideH) * ((pw + g.strideW - 1) / g.strideW);
    }

    /**
     * The fraction of the tile's multiply-adds that compute outputs when {@link Conv} takes its usual path for g:
     * the rest goes to the grid's padding columns, and to rounding output channels up to strips of MR and
     * columns up to whole panels.
     */
    static double laneUse(ConvGeometry g) {
        long p = g.outSpatial();
        long cols;
        if (applies(g)) {
            long pw = (g.outW - 1L) * g.strideW + (g.kW - 1L) * g.dilW + 1;
            long grid = (g.outH - 1L) * ((pw + g.strideW - 1) / g.strideW) + g.outW;
            cols = roundUp(grid, panelCols(grid));
        } else if (appliesPointwise(g)) {
            cols = roundUp(p, panelCols(p));
        } else {
            cols = roundUp(p, NR);
        }
        int mg = g.outChannels / g.group;
        return (double) p / cols * mg / roundUp(mg, MR);
    }

    /** True when the tile applies the whole epilogue but the residual: a bias per channel and at most a clamp. */
    static boolean inTile(Epilogue ep) {
        return ep.inRegisters() && (ep.bias() == null || ep.biasColStride() == 0);
    }

    /**
     * out = epilogue(conv(in, w)), with w {@link Conv#packWeights packed} in {@code pa}; k rows per group. With
     * several images and threads, each task is one whole image (copy, tiles, compaction on one thread's scratch,
     * nothing serial left); otherwise the panels of the images are the tasks.
     */
    static void conv(MemorySegment out, MemorySegment in, MemorySegment pa, ConvGeometry g, Epilogue ep, int k) {
        conv(out, in, pa, g, ep, k, null);
    }

    /**
     * True when {@link #conv} can take {@code pool}, a max pool of g's output without padding, while compacting. What
     * the tile leaves undone of the epilogue (a GELU, and then the bias) runs over the grid's rows first.
     */
    static boolean pools(ConvGeometry g, ConvGeometry pool, Epilogue ep) {
        return !Vectors.SCALAR && applies(g) && ep.residual() == null && pool.kD == 1 && pool.inD == 1 && pool.outD == 1
                && pool.inH == g.outH && pool.inW == g.outW && pool.batch == g.batch
                && pool.inChannels == g.outChannels && pool.padH == 0 && pool.padW == 0 && pool.dilH == 1
                && pool.dilW == 1 && pool.strideW <= L / 2 && pool.outH > 0 && pool.outW > 0
                && (long) (pool.outH - 1) * pool.strideH + pool.kH <= g.outH
                && (long) (pool.outW - 1) * pool.strideW + pool.kW <= g.outW;
    }

    /** {@link #conv}, then {@code pool} ({@link #pools}; null for none) applied in the compaction. */
    static void conv(MemorySegment out, MemorySegment in, MemorySegment pa, ConvGeometry g, Epilogue ep, int k,
            ConvGeometry pool) {
        long work = (long) g.batch * g.outChannels * g.outSpatial() * k;
        int split = g.batch == 1 && g.group == 1 && work < SPLIT_MAX_WORK
                ? Parallel.tasksFor(work, strips(g), SPLIT_MIN_WORK) : 1;
        int want = Parallel.tasksFor(work, Integer.MAX_VALUE);
        if (split <= 1 && (want <= 1 || g.batch == 1)) {
            images(out, in, pa, g, ep, k, 0, g.batch, want, pool);
            return;
        }
        Whole job = WHOLE.get();
        job.set(out, in, pa, g, ep, k, split > 1 ? split : 0, pool);
        try {
            Parallel.forEach(split > 1 ? split : g.batch, job);
        } finally {
            job.set(null, null, null, null, null, 0, 0, null);
        }
    }

    /** Strips of MR output channels per group. */
    private static int strips(ConvGeometry g) {
        return (g.outChannels / g.group + MR - 1) / MR;
    }

    /**
     * Below this many multiply-adds, a single image splits by output channels ({@link Whole}); above it, by panels,
     * whose tasks are many and balance themselves.
     */
    private static final long SPLIT_MAX_WORK = 1L << 22;
    /**
     * Multiply-adds worth a channel split (measured on fashion-wrn's 1×1 shortcuts and first conv, 8k-56k: 20-35%
     * faster on two threads, where 32k kept them serial): a single hand-over and nothing serial, against
     * {@link Parallel#MIN_PARALLEL_WORK} for the three hand-overs of a split by panels.
     */
    private static final long SPLIT_MIN_WORK = 1L << 13;

    private static final ThreadLocal<Whole> WHOLE = ThreadLocal.withInitial(Whole::new);

    /**
     * The arguments of a {@link #conv} whose tasks each run {@link #images} whole, on their own thread's scratch, so
     * that the threads meet once, at the end: task t is image t of a batch, or, with {@code parts} set, the t-th
     * share of the strips of a single small image (fashion-cnn's layers: 14 us of work each). A strip share makes
     * its own padded copy of the input, computes its strips over every panel and compacts their rows: the copy is
     * done twice, which costs less than the two extra hand-overs a shared copy and compaction would need.
     */
    private static final class Whole implements Parallel.Body {
        private MemorySegment out, in, pa;
        private ConvGeometry g, pool;
        private Epilogue ep;
        private int k, parts;

        void set(MemorySegment out, MemorySegment in, MemorySegment pa, ConvGeometry g, Epilogue ep, int k,
                int parts, ConvGeometry pool) {
            this.out = out;
            this.in = in;
            this.pa = pa;
            this.g = g;
            this.ep = ep;
            this.k = k;
            this.parts = parts;
            this.pool = pool;
        }

        @Override
        public void run(int t) {
            if (parts == 0) {
                images(out, in, pa, g, ep, k, t, t + 1, 1, pool);
            } else {
                int strips = strips(g);
                images(out, in, pa, g, ep, k, 0, 1, 1, strips * t / parts, strips * (t + 1) / parts, pool);
            }
        }
    }

    /** Images [b0, b1) of {@link #conv}, their panels split into up to {@code want} threads' tasks. */
    private static void images(MemorySegment out, MemorySegment in, MemorySegment pa, ConvGeometry g, Epilogue ep,
            int k, int b0, int b1, int want, ConvGeometry pool) {
        images(out, in, pa, g, ep, k, b0, b1, want, 0, strips(g), pool);
    }

    /** {@link #images} for the strips [s0, s1) of output channels only (one group). */
    private static void images(MemorySegment out, MemorySegment in, MemorySegment pa, ConvGeometry g, Epilogue ep,
            int k, int b0, int b1, int want, int s0, int s1, ConvGeometry pool) {
        Tasks job = TASKS.get();
        PaddedPhases l = job.layout.set(g);
        long planes = (long) (b1 - b0) * g.inChannels;
        long gridCols = l.gridCols(g);
        int panelCols = panelCols(gridCols);
        int panels = (int) ((gridCols + panelCols - 1) / panelCols);
        long ldg = (long) panels * panelCols;
        // Tiles past the grid's last column read at most ldg - gridCols past the last channel (the last real
        // column's widest tap is inside it); a vector more for the splitting's masked stores.
        long slack = ldg - gridCols + 2L * L;
        MemorySegment padded = Scratch.get(SLOT_PADDED, (planes * l.channel + slack) * Float.BYTES);
        // A pool's last vector of windows reads up to a vector and a window past a channel's grid.
        MemorySegment grid = Scratch.get(SLOT_GRID, ((long) (b1 - b0) * g.outChannels * ldg + 4L * L) * Float.BYTES);
        long rows = (long) (b1 - b0) * g.outChannels;
        Passes passes = want > 1 ? PASSES.get() : null;
        if (passes == null) {
            l.copy(padded, in, g, (long) b0 * g.inChannels, planes, slack);
        } else {
            PaddedPhases.fill(padded, planes * l.channel, slack);
            passes.run(true, out, in, padded, grid, g, ep, l.qw, ldg, b0, planes, null);
        }
        job.set(grid, ldg, ldg, padded, l.channel, false, pa, g, ep, k, panelCols, s0, s1, b0, b1 - b0, want);
        job.run();
        if (s1 - s0 < strips(g)) {
            compact(out, grid, g, l.qw, ldg, ep, b0, (long) s0 * MR, Math.min(rows, (long) s1 * MR), pool);
        } else if (passes == null) {
            compact(out, grid, g, l.qw, ldg, ep, b0, 0, rows, pool);
        } else {
            passes.run(false, out, in, padded, grid, g, ep, l.qw, ldg, b0, rows, pool);
        }
    }

    private static final ThreadLocal<Passes> PASSES = ThreadLocal.withInitial(Passes::new);

    /**
     * The padded copy of the input, or the compaction of the grid, split by channel over the session's threads:
     * serial, they are what keeps a parallel conv on one image from scaling (a tenth to a third of its time).
     */
    private static final class Passes implements Parallel.Body {
        private static final int MAX_PARTS = 16;
        private boolean copy;
        private MemorySegment out, in, padded, grid;
        private ConvGeometry g, pool;
        private Epilogue ep;
        private int qw, b0, parts;
        private long ldg, count;

        void run(boolean copy, MemorySegment out, MemorySegment in, MemorySegment padded, MemorySegment grid,
                ConvGeometry g, Epilogue ep, int qw, long ldg, int b0, long count, ConvGeometry pool) {
            this.copy = copy;
            this.pool = pool;
            this.out = out;
            this.in = in;
            this.padded = padded;
            this.grid = grid;
            this.g = g;
            this.ep = ep;
            this.qw = qw;
            this.ldg = ldg;
            this.b0 = b0;
            this.count = count;
            this.parts = (int) Math.min(count, MAX_PARTS);
            try {
                Parallel.forEach(parts, this);
            } finally {
                this.out = this.in = this.padded = this.grid = null;
                this.g = this.pool = null;
                this.ep = null;
            }
        }

        @Override
        public void run(int part) {
            long r0 = count * part / parts, r1 = count * (part + 1) / parts;
            if (copy) {
                PaddedPhases l = TASKS.get().layout.set(g);
                long first = (long) b0 * g.inChannels;
                for (long c = r0; c < r1; c++) {
                    l.copyChannel(padded, c * l.channel, in, (first + c) * g.inH * g.inW, g, false);
                }
            } else {
                compact(out, grid, g, qw, ldg, ep, b0, r0, r1, pool);
            }
        }
    }

    /**
     * A plain 1×1 convolution over few input channels: the GEMM out[M × P] = W · in[C × P], with B read from the
     * input itself (row c at float {@code c·P}) and C written straight into the output, the accumulators starting
     * at the bias. Nothing is packed, copied or seeded: with a short k, packing B and seeding C in memory cost more
     * than the multiply-adds. The last, partial panel stages its columns of B and computes in a tile of its own.
     */
    static boolean appliesPointwise(ConvGeometry g) {
        long p = g.outSpatial();
        int cg = g.inChannels / g.group;
        return g.isPointwise() && cg <= POINTWISE_MAX_K && p > 0 && (long) cg * p < Integer.MAX_VALUE;
    }

    /** Input channels up to which {@link #pointwise} beats packing (measured on MobileNetV2's 1×1 layers). */
    static final int POINTWISE_MAX_K = 512;

    static void pointwise(MemorySegment out, MemorySegment in, MemorySegment pa, ConvGeometry g, Epilogue ep, int k) {
        long p = g.outSpatial();
        int panelCols = panelCols(p);
        Tasks job = TASKS.get();
        job.set(out, p, p, in, p, true, pa, g, ep, k, panelCols, 0, strips(g), 0, g.batch,
                Parallel.tasksFor((long) g.batch * g.outChannels * p * k, Integer.MAX_VALUE));
        job.run();
    }

    private static final ThreadLocal<Tasks> TASKS = ThreadLocal.withInitial(Tasks::new);

    /**
     * A call's arguments and its tap offset tables, reused per calling thread so that a call allocates nothing;
     * task t computes units [t·units/tasks, (t+1)·units/tasks), a unit being a block of panels of one image and
     * group.
     */
    private static final class Tasks implements Parallel.Body {
        private MemorySegment c, b, pa;
        private ConvGeometry g;
        private Epilogue ep;
        /** C's row pitch and valid columns; floats per input channel of B. */
        private long ldc, cols, bChannel;
        /** C is the output itself (pointwise): the tile applies all it can, finish() the rest, per tile. */
        private boolean direct;
        private boolean tileBias, clamp;
        private int k, panelCols, panels, blockPanels, blocks, firstStrip, strips, b0, units, tasks;
        private final PaddedPhases layout = new PaddedPhases();
        private int[] offsets = new int[0];
        private int[] edgeOffsets = new int[0];

        void set(MemorySegment c, long ldc, long cols, MemorySegment b, long bChannel, boolean direct,
                MemorySegment pa, ConvGeometry g, Epilogue ep, int k, int panelCols, int firstStrip, int strips, int b0,
                int images, int want) {
            this.c = c;
            this.ldc = ldc;
            this.cols = cols;
            this.b = b;
            this.bChannel = bChannel;
            this.direct = direct;
            this.pa = pa;
            this.g = g;
            this.ep = ep;
            this.k = k;
            this.panelCols = panelCols;
            this.firstStrip = firstStrip;
            this.strips = strips;
            this.panels = (int) ((cols + panelCols - 1) / panelCols);
            this.b0 = b0;
            // Blocks for a short k only, where stores outweigh the multiply-adds (MobileNetV2's first layers, k 16
            // and 27: 922 -> 715 and 621 -> 486 us); with a longer k, a panel's input in L1 is worth more (k 144:
            // +6%). A block's input (k rows of its columns) fits in L2. In parallel, at least 16 blocks per image
            // where there are panels enough, taken from a shared counter, so that a thread slowed down by the other
            // (or by anything else on the machine) does less of the work (measured: 8 tasks 1.6x, 68 tasks 1.78x).
            int fit = k > BLOCK_MAX_K ? 1 : (int) Math.max(1, BLOCK_BYTES / ((long) k * panelCols * Float.BYTES));
            this.blockPanels = want <= 1 ? fit : Math.max(1, Math.min(fit, panels / 16));
            this.blocks = (panels + blockPanels - 1) / blockPanels;
            this.units = images * g.group * blocks;
            this.tasks = want <= 1 ? 1 : units;
            boolean all = inTile(ep) && ep.residual() == null;
            this.tileBias = direct ? all : inTile(ep);
            this.clamp = all && ep.act() != Act.NONE;
            if (offsets.length < k) {
                offsets = new int[k];
                edgeOffsets = new int[k];
            }
            if (direct) {
                for (int r = 0; r < k; r++) {
                    offsets[r] = (int) (r * bChannel);
                    edgeOffsets[r] = r * panelCols;  // B's rows in a staged last panel
                }
            } else {
                layout.tapOffsets(g, g.inChannels / g.group, offsets);
            }
        }

        /** Runs the call's tasks, then lets go of its segments. */
        void run() {
            try {
                if (tasks == 1) {
                    run(0);
                } else {
                    Parallel.forEach(tasks, this);
                }
            } finally {
                c = b = pa = null;
                g = null;
                ep = null;
            }
        }

        @Override
        public void run(int t) {
            int u0 = (int) ((long) units * t / tasks);
            int u1 = (int) ((long) units * (t + 1) / tasks);
            for (int u = u0; u < u1; u++) {
                int blk = u % blocks;
                block(u / blocks / g.group, u / blocks % g.group, blk * blockPanels,
                        Math.min(panels, (blk + 1) * blockPanels));
            }
        }

        /**
         * Panels [q0, q1) of image b0 + rel, strip after strip. One panel: its input stays in L1 while the weight
         * strips pass over it. Several (a short k): the block's input stays in L2 and a strip's weights in L1 while
         * the strip's output rows are written in runs of the whole block, a few rows at a time, the way the hardware
         * prefetches (a panel at a time, a 112×112 map's 96 output rows were each written 192 bytes at a time, and
         * the stores waited on memory). The scratch holds images from b0 on; the input and output of a direct call
         * are the whole batch.
         */
        private void block(int rel, int grp, int q0, int q1) {
            int img = direct ? b0 + rel : rel;
            int mg = g.outChannels / g.group;
            int cg = g.inChannels / g.group;
            long bBase = (((long) img * g.inChannels + (long) grp * cg) * bChannel) * Float.BYTES;
            long lastCol = (long) (q1 - 1) * panelCols;
            int lastW = (int) Math.min(panelCols, cols - lastCol);
            MemorySegment stage = null;
            if (lastW < panelCols) {
                // The last panel of a direct call: its columns of B staged, zeros after, so no read leaves the input.
                stage = Scratch.get(SLOT_STAGE, (long) k * panelCols * Float.BYTES);
                PaddedPhases.fill(stage, 0, (long) k * panelCols);
                for (int r = 0; r < k; r++) {
                    MemorySegment.copy(b, bBase + (lastCol + (long) r * bChannel) * Float.BYTES, stage,
                            (long) r * panelCols * Float.BYTES, (long) lastW * Float.BYTES);
                }
            }
            long aBase = (long) grp * Gemm.packedASize(mg, k);
            long cOff = (long) img * g.outChannels * ldc;
            float[][] own = PAIR.get();  // this thread's: blocks of one call run on several
            float[] pairBias = own[0], pairTile = own[1];
            for (int s = firstStrip; s < strips; s++) {
                // Two whole strips at a time where the 8-row tile fits; a last panel narrower than the others still
                // goes strip by strip.
                boolean pair = PAIRS && s + 1 < strips && (s + 2) * MR <= mg;
                int channel = grp * mg + s * MR;
                for (int r = 0; pair && r < 2 * MR; r++) {
                    pairBias[r] = bias(channel, 2 * MR, r);
                }
                for (int q = q0; q < q1; q++) {
                    long col = (long) q * panelCols;
                    boolean staged = stage != null && q == q1 - 1;
                    if (pair && !staged) {
                        long aByte = (aBase + (long) s * MR * k) * Float.BYTES;
                        long cByte = (cOff + channel * ldc + col) * Float.BYTES;
                        long a1Byte = aByte + (long) MR * k * Float.BYTES, bByte = bBase + col * Float.BYTES;
                        if (panelCols == NR) {
                            tile8(pa, aByte, a1Byte, b, bByte, offsets, k, pairTile, pairBias);
                        } else {
                            tile8x2(pa, aByte, a1Byte, b, bByte, offsets, k, pairTile, pairBias);
                        }
                        flush8(pairTile, panelCols, c, cByte, ldc * Float.BYTES, clamp, ep.clampLow(), ep.clampHigh());
                        if (direct && !tileBias) {
                            Gemm.finish(c, cOff, ldc, channel, (int) col, 2 * MR, panelCols, ep);
                        }
                    } else {
                        for (int t = s; t < (pair ? s + 2 : s + 1); t++) {
                            strip(t, grp, mg, q, staged ? stage : null, staged ? lastW : panelCols, aBase, bBase, cOff);
                        }
                    }
                }
                if (pair) {
                    s++;
                }
            }
        }

        /**
         * Strip s of group grp over panel q (of w columns; {@code stage} holds its columns of B when it is the
         * staged last panel of a direct call, else null).
         */
        private void strip(int s, int grp, int mg, int q, MemorySegment stage, int w, long aBase, long bBase,
                long cOff) {
            int row = s * MR;
            int h = Math.min(MR, mg - row);
            int channel = grp * mg + row;
            long aByte = (aBase + (long) s * MR * k) * Float.BYTES;
            float b0 = bias(channel, h, 0), b1 = bias(channel, h, 1), b2 = bias(channel, h, 2), b3 = bias(channel, h, 3);
            float lo = ep.clampLow(), hi = ep.clampHigh();
            long col = (long) q * panelCols;
            MemorySegment bSrc = stage != null ? stage : b;
            long bByte = stage != null ? 0 : bBase + col * Float.BYTES;
            int[] off = stage != null ? edgeOffsets : offsets;
            long cByte = (cOff + channel * ldc + col) * Float.BYTES;
            MemorySegment t = c;
            long tAt = cByte, rowBytes = ldc * Float.BYTES;
            if (h < MR || w < panelCols) {
                // A last strip of fewer rows (its packed rows are zeros) or a last panel: a tile of its own.
                t = Scratch.get(SLOT_TILE, (long) MR * NR * Float.BYTES);
                tAt = 0;
                rowBytes = (long) panelCols * Float.BYTES;
            }
            if (panelCols == NR) {
                tile(pa, aByte, bSrc, bByte, off, k, t, tAt, rowBytes, b0, b1, b2, b3, clamp, lo, hi);
            } else {
                tile2(pa, aByte, bSrc, bByte, off, k, t, tAt, rowBytes, b0, b1, b2, b3, clamp, lo, hi);
            }
            for (int r = 0; t != c && r < h; r++) {
                MemorySegment.copy(t, r * rowBytes, c, cByte + r * ldc * Float.BYTES, (long) w * Float.BYTES);
            }
            if (direct && !tileBias) {
                Gemm.finish(c, cOff, ldc, channel, (int) col, h, w, ep);
            }
        }

        /** The value row r of a strip starts from: its channel's bias (0 without one, or past the strip's end). */
        private float bias(int channel, int h, int r) {
            MemorySegment bias = ep.bias();
            if (bias == null || r >= h || !tileBias) {
                return 0f;
            }
            return bias.getAtIndex(FL, ep.biasOff() + (channel + r) * ep.biasRowStride());
        }
    }

    // ---- the hot spot: Gemm's MR×NRV register tile, B read at an offset per k step ----
    // Written out in one method for the reasons given at Gemm's tile (a vector crossing a call is boxed; a big
    // method may never reach C2). The accumulators start at the row's bias and stay in registers for all of k.
    private static void tile(MemorySegment a, long aByte, MemorySegment b, long bByte, int[] off, int k,
            MemorySegment c, long cByte, long rowBytes, float bias0, float bias1, float bias2, float bias3,
            boolean clamp, float lo, float hi) {
        final long vb = (long) L * Float.BYTES;
        FloatVector c00 = FloatVector.broadcast(F, bias0), c01 = c00, c02 = c00;
        FloatVector c10 = FloatVector.broadcast(F, bias1), c11 = c10, c12 = c10;
        FloatVector c20 = FloatVector.broadcast(F, bias2), c21 = c20, c22 = c20;
        FloatVector c30 = FloatVector.broadcast(F, bias3), c31 = c30, c32 = c30;
        long ap = aByte;
        for (int p = 0; p < k; p++, ap += MR * Float.BYTES) {
            long bp = bByte + ((long) off[p] << 2);
            FloatVector b0 = FloatVector.fromMemorySegment(F, b, bp, NO);
            FloatVector b1 = FloatVector.fromMemorySegment(F, b, bp + vb, NO);
            FloatVector b2 = FloatVector.fromMemorySegment(F, b, bp + 2 * vb, NO);
            FloatVector x = FloatVector.broadcast(F, a.get(FL, ap));
            c00 = b0.fma(x, c00); c01 = b1.fma(x, c01); c02 = b2.fma(x, c02);
            x = FloatVector.broadcast(F, a.get(FL, ap + 4));
            c10 = b0.fma(x, c10); c11 = b1.fma(x, c11); c12 = b2.fma(x, c12);
            x = FloatVector.broadcast(F, a.get(FL, ap + 8));
            c20 = b0.fma(x, c20); c21 = b1.fma(x, c21); c22 = b2.fma(x, c22);
            x = FloatVector.broadcast(F, a.get(FL, ap + 12));
            c30 = b0.fma(x, c30); c31 = b1.fma(x, c31); c32 = b2.fma(x, c32);
        }
        if (clamp) {
            // ReLU and HeLU share this forward: one branch-free max per accumulator, still in registers.
            FloatVector z = FloatVector.broadcast(F, lo);
            c00 = c00.max(z); c01 = c01.max(z); c02 = c02.max(z); c10 = c10.max(z); c11 = c11.max(z); c12 = c12.max(z);
            c20 = c20.max(z); c21 = c21.max(z); c22 = c22.max(z); c30 = c30.max(z); c31 = c31.max(z); c32 = c32.max(z);
            if (hi != Float.POSITIVE_INFINITY) {  // ReLU6 / Clip
                z = FloatVector.broadcast(F, hi);
                c00 = c00.min(z); c01 = c01.min(z); c02 = c02.min(z); c10 = c10.min(z); c11 = c11.min(z); c12 = c12.min(z);
                c20 = c20.min(z); c21 = c21.min(z); c22 = c22.min(z); c30 = c30.min(z); c31 = c31.min(z); c32 = c32.min(z);
            }
        }
        long c1 = cByte + rowBytes, c2 = c1 + rowBytes, c3 = c2 + rowBytes;
        c00.intoMemorySegment(c, cByte, NO);
        c01.intoMemorySegment(c, cByte + vb, NO);
        c02.intoMemorySegment(c, cByte + 2 * vb, NO);
        c10.intoMemorySegment(c, c1, NO);
        c11.intoMemorySegment(c, c1 + vb, NO);
        c12.intoMemorySegment(c, c1 + 2 * vb, NO);
        c20.intoMemorySegment(c, c2, NO);
        c21.intoMemorySegment(c, c2 + vb, NO);
        c22.intoMemorySegment(c, c2 + 2 * vb, NO);
        c30.intoMemorySegment(c, c3, NO);
        c31.intoMemorySegment(c, c3 + vb, NO);
        c32.intoMemorySegment(c, c3 + 2 * vb, NO);
    }

    /**
     * {@link #tile} over two strips at once, 8 × 3 accumulators (for the 32 vector registers of AVX-512): the
     * offset lookup and B's three loads per k step serve 24 multiply-adds instead of 12. The strips' packed rows
     * are {@code a0Byte} and {@code a1Byte}. It writes the 8 × NR results to {@code t}, on the heap, for
     * {@link #flush8} to clamp and store: with its own clamp and stores to C the method was too big for C1 ("out of
     * virtual registers"), which left it on the Vector API's allocating fallback.
     */
    private static void tile8(MemorySegment a, long a0Byte, long a1Byte, MemorySegment b, long bByte, int[] off,
            int k, float[] t, float[] bias) {
        final long vb = (long) L * Float.BYTES;
        FloatVector c00 = FloatVector.broadcast(F, bias[0]), c01 = c00, c02 = c00;
        FloatVector c10 = FloatVector.broadcast(F, bias[1]), c11 = c10, c12 = c10;
        FloatVector c20 = FloatVector.broadcast(F, bias[2]), c21 = c20, c22 = c20;
        FloatVector c30 = FloatVector.broadcast(F, bias[3]), c31 = c30, c32 = c30;
        FloatVector c40 = FloatVector.broadcast(F, bias[4]), c41 = c40, c42 = c40;
        FloatVector c50 = FloatVector.broadcast(F, bias[5]), c51 = c50, c52 = c50;
        FloatVector c60 = FloatVector.broadcast(F, bias[6]), c61 = c60, c62 = c60;
        FloatVector c70 = FloatVector.broadcast(F, bias[7]), c71 = c70, c72 = c70;
        long ap = a0Byte, aq = a1Byte;
        for (int p = 0; p < k; p++, ap += MR * Float.BYTES, aq += MR * Float.BYTES) {
            long bp = bByte + ((long) off[p] << 2);
            FloatVector b0 = FloatVector.fromMemorySegment(F, b, bp, NO);
            FloatVector b1 = FloatVector.fromMemorySegment(F, b, bp + vb, NO);
            FloatVector b2 = FloatVector.fromMemorySegment(F, b, bp + 2 * vb, NO);
            FloatVector x = FloatVector.broadcast(F, a.get(FL, ap));
            c00 = b0.fma(x, c00); c01 = b1.fma(x, c01); c02 = b2.fma(x, c02);
            x = FloatVector.broadcast(F, a.get(FL, ap + 4));
            c10 = b0.fma(x, c10); c11 = b1.fma(x, c11); c12 = b2.fma(x, c12);
            x = FloatVector.broadcast(F, a.get(FL, ap + 8));
            c20 = b0.fma(x, c20); c21 = b1.fma(x, c21); c22 = b2.fma(x, c22);
            x = FloatVector.broadcast(F, a.get(FL, ap + 12));
            c30 = b0.fma(x, c30); c31 = b1.fma(x, c31); c32 = b2.fma(x, c32);
            x = FloatVector.broadcast(F, a.get(FL, aq));
            c40 = b0.fma(x, c40); c41 = b1.fma(x, c41); c42 = b2.fma(x, c42);
            x = FloatVector.broadcast(F, a.get(FL, aq + 4));
            c50 = b0.fma(x, c50); c51 = b1.fma(x, c51); c52 = b2.fma(x, c52);
            x = FloatVector.broadcast(F, a.get(FL, aq + 8));
            c60 = b0.fma(x, c60); c61 = b1.fma(x, c61); c62 = b2.fma(x, c62);
            x = FloatVector.broadcast(F, a.get(FL, aq + 12));
            c70 = b0.fma(x, c70); c71 = b1.fma(x, c71); c72 = b2.fma(x, c72);
        }
        c00.intoArray(t, 0 * NR);
        c01.intoArray(t, 0 * NR + L);
        c02.intoArray(t, 0 * NR + 2 * L);
        c10.intoArray(t, 1 * NR);
        c11.intoArray(t, 1 * NR + L);
        c12.intoArray(t, 1 * NR + 2 * L);
        c20.intoArray(t, 2 * NR);
        c21.intoArray(t, 2 * NR + L);
        c22.intoArray(t, 2 * NR + 2 * L);
        c30.intoArray(t, 3 * NR);
        c31.intoArray(t, 3 * NR + L);
        c32.intoArray(t, 3 * NR + 2 * L);
        c40.intoArray(t, 4 * NR);
        c41.intoArray(t, 4 * NR + L);
        c42.intoArray(t, 4 * NR + 2 * L);
        c50.intoArray(t, 5 * NR);
        c51.intoArray(t, 5 * NR + L);
        c52.intoArray(t, 5 * NR + 2 * L);
        c60.intoArray(t, 6 * NR);
        c61.intoArray(t, 6 * NR + L);
        c62.intoArray(t, 6 * NR + 2 * L);
        c70.intoArray(t, 7 * NR);
        c71.intoArray(t, 7 * NR + L);
        c72.intoArray(t, 7 * NR + 2 * L);
    }

    /** {@link #tile8} two vectors wide: 8 × 2 accumulators, for the panels {@link #tile2} serves. */
    private static void tile8x2(MemorySegment a, long a0Byte, long a1Byte, MemorySegment b, long bByte, int[] off,
            int k, float[] t, float[] bias) {
        final long vb = (long) L * Float.BYTES;
        FloatVector c00 = FloatVector.broadcast(F, bias[0]), c01 = c00;
        FloatVector c10 = FloatVector.broadcast(F, bias[1]), c11 = c10;
        FloatVector c20 = FloatVector.broadcast(F, bias[2]), c21 = c20;
        FloatVector c30 = FloatVector.broadcast(F, bias[3]), c31 = c30;
        FloatVector c40 = FloatVector.broadcast(F, bias[4]), c41 = c40;
        FloatVector c50 = FloatVector.broadcast(F, bias[5]), c51 = c50;
        FloatVector c60 = FloatVector.broadcast(F, bias[6]), c61 = c60;
        FloatVector c70 = FloatVector.broadcast(F, bias[7]), c71 = c70;
        long ap = a0Byte, aq = a1Byte;
        for (int p = 0; p < k; p++, ap += MR * Float.BYTES, aq += MR * Float.BYTES) {
            long bp = bByte + ((long) off[p] << 2);
            FloatVector b0 = FloatVector.fromMemorySegment(F, b, bp, NO);
            FloatVector b1 = FloatVector.fromMemorySegment(F, b, bp + vb, NO);
            FloatVector x = FloatVector.broadcast(F, a.get(FL, ap));
            c00 = b0.fma(x, c00); c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(F, a.get(FL, ap + 4));
            c10 = b0.fma(x, c10); c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(F, a.get(FL, ap + 8));
            c20 = b0.fma(x, c20); c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(F, a.get(FL, ap + 12));
            c30 = b0.fma(x, c30); c31 = b1.fma(x, c31);
            x = FloatVector.broadcast(F, a.get(FL, aq));
            c40 = b0.fma(x, c40); c41 = b1.fma(x, c41);
            x = FloatVector.broadcast(F, a.get(FL, aq + 4));
            c50 = b0.fma(x, c50); c51 = b1.fma(x, c51);
            x = FloatVector.broadcast(F, a.get(FL, aq + 8));
            c60 = b0.fma(x, c60); c61 = b1.fma(x, c61);
            x = FloatVector.broadcast(F, a.get(FL, aq + 12));
            c70 = b0.fma(x, c70); c71 = b1.fma(x, c71);
        }
        c00.intoArray(t, 0 * NR);
        c01.intoArray(t, 0 * NR + L);
        c10.intoArray(t, 1 * NR);
        c11.intoArray(t, 1 * NR + L);
        c20.intoArray(t, 2 * NR);
        c21.intoArray(t, 2 * NR + L);
        c30.intoArray(t, 3 * NR);
        c31.intoArray(t, 3 * NR + L);
        c40.intoArray(t, 4 * NR);
        c41.intoArray(t, 4 * NR + L);
        c50.intoArray(t, 5 * NR);
        c51.intoArray(t, 5 * NR + L);
        c60.intoArray(t, 6 * NR);
        c61.intoArray(t, 6 * NR + L);
        c70.intoArray(t, 7 * NR);
        c71.intoArray(t, 7 * NR + L);
    }

    /**
     * C's 8 rows × {@code cols} columns at cByte (rows rowBytes apart) = t's (rows NR apart), clamped to [lo, hi]
     * if {@code clamp}.
     */
    private static void flush8(float[] t, int cols, MemorySegment c, long cByte, long rowBytes, boolean clamp,
            float lo, float hi) {
        FloatVector z = FloatVector.broadcast(F, lo), u = FloatVector.broadcast(F, hi);
        boolean capped = clamp && hi != Float.POSITIVE_INFINITY;  // ReLU6 / Clip; ReLU is the max alone
        for (int r = 0; r < 2 * MR; r++) {
            for (int j = 0; j < NR; j += L) {  // a constant trip count, which C2 unrolls (a loop to cols was slower)
                if (j < cols) {
                    FloatVector v = FloatVector.fromArray(F, t, r * NR + j);
                    if (clamp) {
                        v = v.max(z);
                    }
                    if (capped) {
                        v = v.min(u);
                    }
                    v.intoMemorySegment(c, cByte + r * rowBytes + (long) j * Float.BYTES, NO);
                }
            }
        }
    }

    /** {@link #tile} two vectors wide: 4 × 2 accumulators, for grids that 3-vector panels would round up more. */
    private static void tile2(MemorySegment a, long aByte, MemorySegment b, long bByte, int[] off, int k,
            MemorySegment c, long cByte, long rowBytes, float bias0, float bias1, float bias2, float bias3,
            boolean clamp, float lo, float hi) {
        final long vb = (long) L * Float.BYTES;
        FloatVector c00 = FloatVector.broadcast(F, bias0), c01 = c00;
        FloatVector c10 = FloatVector.broadcast(F, bias1), c11 = c10;
        FloatVector c20 = FloatVector.broadcast(F, bias2), c21 = c20;
        FloatVector c30 = FloatVector.broadcast(F, bias3), c31 = c30;
        long ap = aByte;
        for (int p = 0; p < k; p++, ap += MR * Float.BYTES) {
            long bp = bByte + ((long) off[p] << 2);
            FloatVector b0 = FloatVector.fromMemorySegment(F, b, bp, NO);
            FloatVector b1 = FloatVector.fromMemorySegment(F, b, bp + vb, NO);
            FloatVector x = FloatVector.broadcast(F, a.get(FL, ap));
            c00 = b0.fma(x, c00); c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(F, a.get(FL, ap + 4));
            c10 = b0.fma(x, c10); c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(F, a.get(FL, ap + 8));
            c20 = b0.fma(x, c20); c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(F, a.get(FL, ap + 12));
            c30 = b0.fma(x, c30); c31 = b1.fma(x, c31);
        }
        if (clamp) {
            FloatVector z = FloatVector.broadcast(F, lo);
            c00 = c00.max(z); c01 = c01.max(z); c10 = c10.max(z); c11 = c11.max(z);
            c20 = c20.max(z); c21 = c21.max(z); c30 = c30.max(z); c31 = c31.max(z);
            if (hi != Float.POSITIVE_INFINITY) {
                z = FloatVector.broadcast(F, hi);
                c00 = c00.min(z); c01 = c01.min(z); c10 = c10.min(z); c11 = c11.min(z);
                c20 = c20.min(z); c21 = c21.min(z); c30 = c30.min(z); c31 = c31.min(z);
            }
        }
        long c1 = cByte + rowBytes, c2 = c1 + rowBytes, c3 = c2 + rowBytes;
        c00.intoMemorySegment(c, cByte, NO);
        c01.intoMemorySegment(c, cByte + vb, NO);
        c10.intoMemorySegment(c, c1, NO);
        c11.intoMemorySegment(c, c1 + vb, NO);
        c20.intoMemorySegment(c, c2, NO);
        c21.intoMemorySegment(c, c2 + vb, NO);
        c30.intoMemorySegment(c, c3, NO);
        c31.intoMemorySegment(c, c3 + vb, NO);
    }

    /**
     * Panels of 3 vectors (the better tile), or of 2 when 3 would round the columns up by a tenth more (a 7×7
     * map's 61 grid columns: 64, not 96).
     */
    private static int panelCols(long cols) {
        return roundUp(cols, 2 * L) * 11 < roundUp(cols, 3 * L) * 10 ? 2 * L : 3 * L;
    }

    private static long roundUp(long n, long to) {
        return (n + to - 1) / to * to;
    }

    /**
     * out[b, m, oh, ow] = grid[b - b0, m, oh·pw + ow] for images [b0, b1) (pw: the grid's row pitch), dropping the padding columns, with what the tile left undone:
     * a residual and a clamp are applied on the way, any other epilogue as a pass over the result.
     */
    private static void compact(MemorySegment out, MemorySegment grid, ConvGeometry g, int pw, long ldg, Epilogue ep,
            int b0, long r0, long r1, ConvGeometry pool) {
        long first = (long) b0 * g.outChannels;  // the grid's first row is this output row
        if (pool != null) {
            if (!inTile(ep)) {
                // Over every column of each grid row, junk ones included: a row is rarely whole vectors, and GELU's
                // ragged end costs one more vector, not a scalar tail (with one, this was slower than the conv
                // into scratch and a separate pool: fashion-cnn-gelu 0.112 ms against 0.101).
                int cols = (int) ((long) (g.outH - 1) * pw + g.outW);
                for (long r = r0; r < r1; r++) {
                    int channel = (int) ((first + r) % g.outChannels);
                    Gemm.finish(grid, (r - channel) * ldg, ldg, channel, 0, 1, cols, ep);
                }
            }
            compactPooled(out, grid, g, pw, ldg, b0, r0, r1, pool);
            return;
        }
        long p = g.outSpatial();
        MemorySegment res = ep.residual();
        if (!inTile(ep)) {
            for (long r = r0; r < r1; r++) {
                for (int oh = 0; oh < g.outH; oh++) {
                    MemorySegment.copy(grid, (r * ldg + (long) oh * pw) * Float.BYTES, out,
                            ((first + r) * p + (long) oh * g.outW) * Float.BYTES, (long) g.outW * Float.BYTES);
                }
                // The epilogue of this output row: its image's channel (first + r) % outChannels.
                long row = first + r;
                Gemm.finish(out, row / g.outChannels * g.outChannels * p, p, (int) (row % g.outChannels), 0, 1,
                        (int) p, ep);
            }
            return;
        }
        boolean clamp = res != null && ep.act() != Act.NONE;
        FloatVector lo = FloatVector.broadcast(F, ep.clampLow()), hi = FloatVector.broadcast(F, ep.clampHigh());
        for (long r = r0; r < r1; r++) {
            for (int oh = 0; oh < g.outH; oh++) {
                long src = (r * ldg + (long) oh * pw) * Float.BYTES;
                long dst = ((first + r) * p + (long) oh * g.outW) * Float.BYTES;
                if (res == null) {
                    MemorySegment.copy(grid, src, out, dst, (long) g.outW * Float.BYTES);
                    continue;
                }
                for (int j = 0; j < g.outW; j += L) {
                    VectorMask<Float> m = F.indexInRange(j, g.outW);
                    long o = (long) j * Float.BYTES;
                    FloatVector v = FloatVector.fromMemorySegment(F, grid, src + o, NO, m)
                            .add(FloatVector.fromMemorySegment(F, res, dst + o, NO, m));
                    if (clamp) {
                        v = v.max(lo).min(hi);
                    }
                    v.intoMemorySegment(out, dst + o, NO, m);
                }
            }
        }
    }

    /**
     * {@link #compact} through a max pool without padding ({@link #pools}), once the epilogue is applied: each
     * vector of pool windows of an output row is the max of its kH·kW shifted loads from the grid, and its window
     * starts (every strideW-th lane) are compressed into consecutive outputs, as {@link Pool} does.
     */
    private static void compactPooled(MemorySegment out, MemorySegment grid, ConvGeometry g, int pw, long ldg,
            int b0, long r0, long r1, ConvGeometry pool) {
        long first = (long) b0 * g.outChannels;
        long pp = pool.outSpatial();
        int s = pool.strideW;
        int perVector = (L + s - 1) / s;
        VectorMask<Float> pick = VectorMask.fromLong(F, Vectors.everyNthLane(s));
        for (long r = r0; r < r1; r++) {
            long src = r * ldg;
            long dst = (first + r) * pp;
            for (int oh = 0; oh < pool.outH; oh++) {
                long top = src + (long) oh * pool.strideH * pw;
                for (int ow = 0; ow < pool.outW; ow += perVector) {
                    long at = top + (long) ow * s;
                    FloatVector acc = FloatVector.fromMemorySegment(F, grid, at * Float.BYTES, NO);
                    for (int kh = 0; kh < pool.kH; kh++) {
                        for (int kw = kh == 0 ? 1 : 0; kw < pool.kW; kw++) {
                            acc = acc.max(FloatVector.fromMemorySegment(F, grid,
                                    (at + (long) kh * pw + kw) * Float.BYTES, NO));
                        }
                    }
                    if (s > 1) {
                        acc = acc.compress(pick);
                    }
                    acc.intoMemorySegment(out, (dst + (long) oh * pool.outW + ow) * Float.BYTES, NO,
                            F.indexInRange(0, Math.min(perVector, pool.outW - ow)));
                }
            }
        }
    }
}
