package org.helu4j.kernel;

import java.lang.foreign.MemorySegment;
import org.helu4j.kernel.Gemm.Epilogue;
import org.helu4j.kernel.ref.ConvRef;
import org.helu4j.kernel.ref.GemmRef;

/**
 * Convolution (1-D, 2-D and 3-D through {@link ConvGeometry}'s normal form), NCHW, float32, as a GEMM:
 * out[M × P] = W[M × K] · col[K × P] per image and group, where P is the output positions and K the taps of
 * the group's input channels.
 *
 * <p>The weights are {@link Gemm#packA packed} into strips once, by the caller ({@link #packWeights}). 2-D
 * convolutions other than a plain 1×1 run on {@link ConvGrid}, which reads the columns from a padded copy of the
 * input without building them. Otherwise the columns are built straight into {@link Gemm} panels, a chunk of a
 * few panels at a time, so a chunk is packed while it is about to be used and stays in cache: a 1×1 convolution
 * with unit strides copies rows of its input, anything else (3-D) goes through {@link Im2col}. Chunks (and, when
 * they are few, row strips) are the units a multi-threaded session spreads across its workers. Depthwise
 * convolutions go to {@link DepthwiseConv}. Two kernels read a second layout of the weights, which the caller
 * makes once ({@link Transform}): {@link Winograd} for 3×3 layers on larger maps, and {@link ChannelLanesConv}
 * (output channels along the lanes) for small maps with many channels, where a grid's panels are mostly padding.
 * The epilogue indexes rows by output channel (bias) and shares the output's layout (residual).
 */
public final class Conv {
    /** Floats of columns per chunk (128 KiB): its panels stay in L2 while all the weight strips pass. */
    private static final long CHUNK_FLOATS = 1 << 15;
    /** The scratch slot of weights packed per call, when they were not packed at load. */
    private static final int SLOT_WEIGHTS = 4;
    /** The slots of a conv's output before a pool its kernel could not fuse, and of that pool's row buffer. */
    private static final int SLOT_UNPOOLED = 8, SLOT_POOL_ROW = 2;

    private Conv() {
    }

    /** Floats that {@link #packWeights} writes for {@code g}. */
    public static long packedWeightFloats(ConvGeometry g) {
        return packedWeightFloats(g.outChannels, g.group, (int) rows(g));
    }

    /** Floats that {@link #packWeights} writes for m output channels in {@code group} groups of k rows each. */
    public static long packedWeightFloats(int m, int group, int k) {
        return (long) group * Gemm.packedASize(m / group, k);
    }

    /** Packs w [M, C/group, k...] into {@link Gemm} strips, group after group, at {@code dst}'s start. */
    public static void packWeights(MemorySegment dst, MemorySegment w, ConvGeometry g) {
        packWeights(dst, w, g.outChannels, g.group, (int) rows(g));
    }

    /** Packs w [m, k] (k = C/group · taps) into strips, group after group: the layout {@link #conv} reads. */
    public static void packWeights(MemorySegment dst, MemorySegment w, int m, int group, int k) {
        int mg = m / group;
        for (int grp = 0; grp < group; grp++) {
            Gemm.packA(dst, grp * Gemm.packedASize(mg, k), w, (long) grp * mg * k, k, false, mg, k);
        }
    }

    /**
     * out = conv(in, w) + bias, then {@code max(., 0)} if {@code relu}. Layouts: in [N, C, D, H, W],
     * w [M, C/group, kD, kH, kW], bias [M] or null, out [N, M, oD, oH, oW], all float32 from offset 0.
     */
    public static void conv(MemorySegment out, MemorySegment in, MemorySegment w, MemorySegment bias,
            ConvGeometry g, boolean relu) {
        conv(out, in, w, null, g, bias == null ? Epilogue.scaled(1f, relu) : Epilogue.rowBias(bias, 0, relu));
    }

    /**
     * out = epilogue(conv(in, w)), where the epilogue's rows are output channels (a bias per channel is
     * {@link Epilogue#rowBias}) and its residual is laid out like out. {@code packedW} is w after
     * {@link #packWeights}, or null to pack it now.
     */
    public static void conv(MemorySegment out, MemorySegment in, MemorySegment w, MemorySegment packedW,
            ConvGeometry g, Epilogue ep) {
        conv(out, in, w, packedW, null, g, ep);
    }

    /**
     * {@link #conv(MemorySegment, MemorySegment, MemorySegment, MemorySegment, ConvGeometry, Epilogue)}, with w
     * also in the layout of {@link Transform#of Transform.of(g, ep)} in {@code transformedW} (or null): the kernel
     * that needs it runs then.
     */
    public static void conv(MemorySegment out, MemorySegment in, MemorySegment w, MemorySegment packedW,
            MemorySegment transformedW, ConvGeometry g, Epilogue ep) {
        conv(out, in, w, packedW, transformedW, g, ep, null);
    }

    /**
     * {@link #conv(MemorySegment, MemorySegment, MemorySegment, MemorySegment, MemorySegment, ConvGeometry, Epilogue)}
     * followed by a max pool without padding, {@code pool} (its input: this conv's output), into out, which then
     * has the pool's output layout; a null pool is none. The epilogue has no residual. On the grid path the pool is
     * taken while the grid is compacted, on {@link ChannelLanesConv}'s over its transposed rows; elsewhere the conv's
     * output goes to scratch and is pooled from there.
     */
    public static void conv(MemorySegment out, MemorySegment in, MemorySegment w, MemorySegment packedW,
            MemorySegment transformedW, ConvGeometry g, Epilogue ep, ConvGeometry pool) {
        if (pool != null && transformedW != null && Transform.of(g, ep) == Transform.CHANNEL_LANES
                && ChannelLanesConv.pools(g, pool, ep)) {
            ChannelLanesConv.conv(out, in, transformedW, g, ep, pool);
            return;
        }
        if (pool != null && !(ConvGrid.pools(g, pool, ep) && !usesDepthwise(g)
                && (transformedW == null || Transform.of(g, ep) == Transform.NONE))) {
            MemorySegment full = Scratch.get(SLOT_UNPOOLED, Math.max(1, (long) g.batch * g.outChannels * g.outSpatial())
                    * Float.BYTES);
            conv(full, in, w, packedW, transformedW, g, ep, null);
            long row = Pool.scratchFloats(pool);
            Pool.maxPool(out, full, pool, row == 0 ? MemorySegment.NULL : Scratch.get(SLOT_POOL_ROW, row * Float.BYTES));
            return;
        }
        long p = g.outSpatial();
        if (Vectors.SCALAR) {
            ConvRef.conv(out, in, w, null, g, false);
            for (int b = 0; b < g.batch; b++) {
                GemmRef.applyEpilogue(out, (long) b * g.outChannels * p, p, g.outChannels, (int) p, ep);
            }
            return;
        }
        if (p == 0) {
            return;
        }
        if (usesDepthwise(g)) {
            depthwise(out, in, w, g, ep);
            return;
        }
        Transform tf = transformedW == null ? Transform.NONE : Transform.of(g, ep);
        if (tf == Transform.WINOGRAD) {
            Winograd.conv(out, in, transformedW, g, ep);
            return;
        }
        if (tf == Transform.CHANNEL_LANES) {
            ChannelLanesConv.conv(out, in, transformedW, g, ep);
            return;
        }
        int k = (int) rows(g);
        MemorySegment pa = packedW;
        if (pa == null) {
            pa = Scratch.get(SLOT_WEIGHTS, packedWeightFloats(g) * Float.BYTES);
            packWeights(pa, w, g);
        }
        if (ConvGrid.applies(g)) {
            ConvGrid.conv(out, in, pa, g, ep, k, pool);
            return;
        }
        if (ConvGrid.appliesPointwise(g)) {
            ConvGrid.pointwise(out, in, pa, g, ep, k);
            return;
        }
        int mg = g.outChannels / g.group;
        int strips = (mg + Gemm.MR - 1) / Gemm.MR;
        int chunkPanels = (int) Math.max(1, CHUNK_FLOATS / ((long) Math.max(k, 1) * Gemm.NR));
        int chunkCols = chunkPanels * Gemm.NR;
        int chunks = (int) ((p + chunkCols - 1) / chunkCols);
        int units = g.batch * g.group * chunks;
        int want = Parallel.tasksFor((long) g.batch * g.outChannels * p * k, Integer.MAX_VALUE);
        // Few chunks (small images, many channels): also split the strips, so that every worker has work.
        int split = want <= 1 ? 1 : Math.max(1, Math.min(strips, (2 * want + units - 1) / units));
        int tasks = units * split;
        MemorySegment weights = pa;
        if (want <= 1) {
            for (int t = 0; t < tasks; t++) {
                task(out, in, weights, g, ep, k, chunks, chunkCols, split, strips, t);
            }
        } else {
            Tasks job = TASKS.get();
            job.set(out, in, weights, g, ep, k, chunks, chunkCols, split, strips);
            try {
                Parallel.forEach(tasks, job);
            } finally {
                job.set(null, null, null, null, null, 0, 0, 0, 0, 0);
            }
        }
    }

    private static final ThreadLocal<Tasks> TASKS = ThreadLocal.withInitial(Tasks::new);

    /** The arguments of a parallel {@link #conv}, reused per thread so that its dispatch allocates nothing. */
    private static final class Tasks implements Parallel.Body {
        private MemorySegment out, in, pa;
        private ConvGeometry g;
        private Epilogue ep;
        private int k, chunks, chunkCols, split, strips;

        void set(MemorySegment out, MemorySegment in, MemorySegment pa, ConvGeometry g, Epilogue ep, int k,
                int chunks, int chunkCols, int split, int strips) {
            this.out = out;
            this.in = in;
            this.pa = pa;
            this.g = g;
            this.ep = ep;
            this.k = k;
            this.chunks = chunks;
            this.chunkCols = chunkCols;
            this.split = split;
            this.strips = strips;
        }

        @Override
        public void run(int t) {
            task(out, in, pa, g, ep, k, chunks, chunkCols, split, strips, t);
        }
    }

    /** One unit of work: pack chunk {@code t / split}'s columns, multiply them by strip group {@code t % split}. */
    private static void task(MemorySegment out, MemorySegment in, MemorySegment pa, ConvGeometry g, Epilogue ep,
            int k, int chunks, int chunkCols, int split, int strips, int t) {
        int unit = t / split;
        int sg = t % split;
        int chunk = unit % chunks;
        int grp = unit / chunks % g.group;
        int b = unit / chunks / g.group;
        int cg = g.inChannels / g.group;
        int mg = g.outChannels / g.group;
        long p = g.outSpatial();
        long col0 = (long) chunk * chunkCols;
        int cols = (int) Math.min(chunkCols, p - col0);
        int panels = (cols + Gemm.NR - 1) / Gemm.NR;
        MemorySegment panel = Scratch.get(0, (long) panels * Gemm.NR * k * Float.BYTES);
        long inOff = ((long) b * g.inChannels + (long) grp * cg) * g.inSpatial();
        for (int q = 0; q < panels; q++) {
            long first = col0 + (long) q * Gemm.NR;
            int w = (int) Math.min(Gemm.NR, p - first);
            long dst = (long) q * Gemm.NR * k;
            if (g.isPointwise()) {
                Gemm.packPanel(panel, dst, in, inOff + first, p, false, 0, w, k);
            } else {
                Im2col.fill(panel, dst, Gemm.NR, in, inOff, g, cg, first, w);
            }
        }
        int s0 = (int) ((long) strips * sg / split);
        int s1 = (int) ((long) strips * (sg + 1) / split);
        Gemm.block(out, (long) b * g.outChannels * p, p, grp * mg, mg, (int) col0, cols,
                pa, grp * Gemm.packedASize(mg, k), s0, s1, panel, 0, 0, panels, k, ep);
    }

    /**
     * True when {@link #conv} reads the strips for g (given no {@link Transform}ed weights): every kernel but the
     * scalar reference and the depthwise one, which read w as it is.
     */
    public static boolean readsStrips(ConvGeometry g) {
        return !Vectors.SCALAR && !usesDepthwise(g);
    }

    /** {@link DepthwiseConv} applies a bias and a clamp (ReLU, ReLU6, Clip) itself; anything more runs as a pass. */
    private static void depthwise(MemorySegment out, MemorySegment in, MemorySegment w, ConvGeometry g, Epilogue ep) {
        boolean clampOnly = ep.act() == Gemm.Act.NONE || ep.act() == Gemm.Act.RELU || ep.act() == Gemm.Act.CLIP;
        boolean own = ep.alpha() == 1f && ep.residual() == null && clampOnly
                && (ep.bias() == null || ep.beta() == 1f && ep.biasRowStride() == 1 && ep.biasColStride() == 0
                        && ep.biasOff() == 0);
        if (own) {
            float lo = ep.act() == Gemm.Act.NONE ? Float.NEGATIVE_INFINITY : ep.clampLow();
            DepthwiseConv.conv(out, in, w, ep.bias(), g, lo, ep.clampHigh());
            return;
        }
        DepthwiseConv.conv(out, in, w, null, g, false);
        long p = g.outSpatial();
        for (int b = 0; b < g.batch; b++) {
            Gemm.applyEpilogue(out, (long) b * g.outChannels * p, p, g.outChannels, (int) p, ep);
        }
    }

    static boolean usesDepthwise(ConvGeometry g) {
        return g.isDepthwise() && (g.strideW == 1 || DepthwiseConv.usesPadded(g));
    }

    /**
     * A second layout of a conv's weights, besides the strips, that a faster kernel reads for some geometries;
     * made once per conv (by the caller, who keeps it) and passed to {@link #conv} as {@code transformedW}.
     */
    public enum Transform {
        /** The strips are all the kernel needs. */
        NONE,
        /** Winograd F(2×2, 3×3): 16 GEMM operands of M × C ({@link Winograd}). */
        WINOGRAD,
        /** Wᵀ in panels of output channels ({@link ChannelLanesConv}: small maps, many channels). */
        CHANNEL_LANES;

        /** The layout the fastest kernel for this call reads, given the weights in it. */
        public static Transform of(ConvGeometry g, Epilogue ep) {
            if (Vectors.SCALAR || g.outSpatial() == 0 || usesDepthwise(g)) {
                return NONE;
            }
            if (Winograd.pays(g, ep)) {
                return WINOGRAD;
            }
            return ChannelLanesConv.pays(g) ? CHANNEL_LANES : NONE;
        }

        /** Floats of the weights of g in this layout. */
        public long floats(ConvGeometry g) {
            return switch (this) {
                case NONE -> 0;
                case WINOGRAD -> Winograd.packedFloats(g.outChannels, g.inChannels);
                case CHANNEL_LANES -> ChannelLanesConv.packedFloats(g.outChannels, (int) rows(g));
            };
        }

        /** Writes w [M, C/group, k...] of g in this layout at {@code dst}'s start. */
        public void pack(MemorySegment dst, MemorySegment w, ConvGeometry g) {
            switch (this) {
                case NONE -> { }
                case WINOGRAD -> Winograd.packWeights(dst, w, g.outChannels, g.inChannels);
                case CHANNEL_LANES -> ChannelLanesConv.packWeights(dst, w, g.outChannels, (int) rows(g));
            }
        }
    }

    /** Rows of the im2col matrix: one per (input channel of the group, tap). */
    static long rows(ConvGeometry g) {
        return (long) (g.inChannels / g.group) * g.kernelSize();
    }
}
