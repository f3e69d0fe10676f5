package org.helu4j.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.helu4j.kernel.Gemm.Act;
import org.helu4j.kernel.Gemm.Epilogue;

/**
 * Winograd F(2×2, 3×3) for 3×3 convolutions with unit strides and dilations (Lavin and Gray, 2016): each 2×2
 * block of outputs is {@code Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A} for its 4×4 input tile d, so the multiply-adds become 16
 * independent GEMMs, one per position ξ of the 4×4 transform, of 16 instead of 36 multiply-adds per output block:
 * 2.25 times fewer. The weights are transformed once, by the caller ({@link #packWeights}).
 *
 * <p>The input tiles are read from a padded copy split by phase with stride 2 ({@link PaddedPhases}, as for a 4×4
 * window of stride 2): tap (i, j) of every tile of a row of tiles is then one contiguous read, and a vector of
 * tiles is transformed at once. The 16 GEMMs run as one grouped 1×1 convolution ({@link ConvGrid#pointwise}, group
 * ξ with weights U_ξ); the output transform adds the bias and residual and clamps, and interleaves each tile's two
 * columns into the output rows.
 */
final class Winograd {
    private static final VectorSpecies<Float> F = Vectors.F;
    private static final int L = Vectors.LANES;
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat FL = ValueLayout.JAVA_FLOAT;
    /** Scratch slots: the transformed input (V) and the GEMMs' output (M); the padded copy takes ConvGrid's. */
    private static final int SLOT_V = 3, SLOT_M = 7, SLOT_PADDED = 6;
    /** Lanes [0, L/2) of the first vector interleaved with those of the second, and lanes [L/2, L). */
    private static final VectorShuffle<Float> ZIP_LO, ZIP_HI;

    static {
        int[] lo = new int[L], hi = new int[L];
        for (int i = 0; i < L; i++) {
            lo[i] = i / 2 + (i % 2 == 0 ? 0 : L);
            hi[i] = L / 2 + i / 2 + (i % 2 == 0 ? 0 : L);
        }
        ZIP_LO = VectorShuffle.fromArray(F, lo, 0);
        ZIP_HI = VectorShuffle.fromArray(F, hi, 0);
    }

    private Winograd() {
    }

    /** A 3×3 window with unit strides and dilations, one group, enough channels: the weights are worth transforming. */
    static boolean eligible(int inChannels, int outChannels, int group, int kH, int kW) {
        // Below 32 channels the transforms cost more than the multiply-adds they save (measured: 16 -> 16 channels
        // on 14 x 14, 14 us direct, 21 us Winograd; 64 -> 64 on 56 x 56, 2.35 ms direct, 1.55 ms Winograd).
        return kH == 3 && kW == 3 && group == 1 && inChannels >= 32 && outChannels >= 32
                && inChannels <= ConvGrid.POINTWISE_MAX_K;
    }

    /**
     * True when {@link #conv} applies and pays: a 2-D {@link #eligible} geometry, an epilogue it applies itself
     * (bias per channel, residual, ReLU or clip), and a map big enough that the GEMMs over the tile grid (16 per
     * tile, the grid rounded up to whole tiles and vectors) do clearly fewer multiply-adds than the 9 per output
     * of the direct convolution.
     */
    static boolean pays(ConvGeometry g, Epilogue ep) {
        if (Vectors.SCALAR || !eligible(g.inChannels, g.outChannels, g.group, g.kH, g.kW) || g.kD != 1 || g.inD != 1
                || g.outD != 1 || g.strideH != 1 || g.strideW != 1 || g.dilH != 1 || g.dilW != 1 || g.outH < 2
                || g.outW < 2) {
            return false;
        }
        boolean simple = ep.alpha() == 1f && (ep.bias() == null || ep.beta() == 1f && ep.biasColStride() == 0)
                && (ep.act() == Act.NONE || ep.act() == Act.RELU || ep.act() == Act.CLIP);
        long tiles = roundUp(pitch(g), 2L * L);
        return simple && 16 * tiles * 10 < 9L * g.outH * g.outW * 6;
    }

    /** Floats of {@link #packWeights}' output: 16 GEMM A operands of M × C. */
    static long packedFloats(int outChannels, int inChannels) {
        return 16 * Gemm.packedASize(outChannels, inChannels);
    }

    /** U_ξ = (G g Gᵀ)_ξ for w [M, C, 3, 3], packed as 16 groups of {@link Gemm} strips (the grouped GEMM's A). */
    static void packWeights(MemorySegment dst, MemorySegment w, int outChannels, int inChannels) {
        // A strip's U for a block of channels is made on the heap, then copied out as 16 runs, one per ξ. (U built
        // whole on the heap and packed after, 16 times, took 6 ms for a 256 × 256 layer, of which ResNet-18 has
        // three; writing each value to its place, 4.4 ms: the 16 places are a power of two apart, on one L1 set.)
        long size = Gemm.packedASize(outChannels, inChannels);
        int mr = Gemm.MR;
        int run = PACK_CHANNELS * mr;
        float[] gg = new float[12];
        float[] u = new float[16 * run];
        for (int m0 = 0; m0 < outChannels; m0 += mr) {
            for (int c0 = 0; c0 < inChannels; c0 += PACK_CHANNELS) {
                int cn = Math.min(PACK_CHANNELS, inChannels - c0);
                Arrays.fill(u, 0f);  // rows past M stay zero, as packA leaves them
                for (int m = m0; m < Math.min(outChannels, m0 + mr); m++) {
                    for (int c = c0; c < c0 + cn; c++) {
                        long base = ((long) m * inChannels + c) * 9;
                        // G g: 4×3, G = [[1,0,0],[1/2,1/2,1/2],[1/2,-1/2,1/2],[0,0,1]]
                        for (int j = 0; j < 3; j++) {
                            float g0 = w.getAtIndex(FL, base + j), g1 = w.getAtIndex(FL, base + 3 + j);
                            float g2 = w.getAtIndex(FL, base + 6 + j);
                            gg[j] = g0;
                            gg[3 + j] = 0.5f * (g0 + g1 + g2);
                            gg[6 + j] = 0.5f * (g0 - g1 + g2);
                            gg[9 + j] = g2;
                        }
                        // (G g) Gᵀ: 4×4, ξ = 4 i + j; in the run of ξ, at (c - c0)·MR + m % MR
                        int at = (c - c0) * mr + m - m0;
                        for (int i = 0; i < 4; i++) {
                            float a = gg[3 * i], b = gg[3 * i + 1], c2 = gg[3 * i + 2];
                            u[(4 * i) * run + at] = a;
                            u[(4 * i + 1) * run + at] = 0.5f * (a + b + c2);
                            u[(4 * i + 2) * run + at] = 0.5f * (a - b + c2);
                            u[(4 * i + 3) * run + at] = c2;
                        }
                    }
                }
                long to = (long) m0 * inChannels + (long) c0 * mr;
                for (int xi = 0; xi < 16; xi++) {
                    MemorySegment.copy(u, xi * run, dst, FL, (xi * size + to) * Float.BYTES, cn * mr);
                }
            }
        }
    }

    /** Input channels per block of {@link #packWeights}. */
    private static final int PACK_CHANNELS = 64;

    /**
     * Floats per (ξ, channel) row of V and M: the tiles' grid columns (rows of tiles {@code qw = tilesW + 1} apart,
     * see {@link PaddedPhases}), in whole vectors. (Transforming and multiplying a few rows of tiles at a time, to
     * keep V and M in L2, measured slower: the weights U are then read once per chunk.)
     */
    private static long pitch(ConvGeometry g) {
        int tilesH = (g.outH + 1) / 2, tilesW = (g.outW + 1) / 2;
        return roundUp((long) (tilesH - 1) * (tilesW + 1) + tilesW, L);
    }

    private static long roundUp(long n, long to) {
        return (n + to - 1) / to * to;
    }

    private static final ThreadLocal<Geometries> GEOMETRIES = ThreadLocal.withInitial(Geometries::new);

    /**
     * The two geometries a call works through: the 4×4, stride-2 window whose padded phases hold the input tiles,
     * and the grouped 1×1 convolution of the 16 GEMMs over the tile grid. Made once per conv geometry and kept in
     * it, so that steady-state calls allocate nothing.
     */
    private static Derived derived(ConvGeometry g) {
        Derived d = g.winograd;
        if (d == null) {
            int tilesH = (g.outH + 1) / 2, tilesW = (g.outW + 1) / 2;
            int ph = 2 * tilesH + 2, pw = 2 * tilesW + 2;
            int cols = (int) pitch(g);
            d = new Derived(
                    new ConvGeometry(1, g.inChannels, g.inChannels, 1, new int[] {g.inH, g.inW}, new int[] {4, 4},
                            new int[] {2, 2}, new int[] {1, 1}, new int[] {g.padH, g.padW},
                            new int[] {Math.max(0, ph - g.inH - g.padH), Math.max(0, pw - g.inW - g.padW)},
                            new int[] {tilesH, tilesW}),
                    new ConvGeometry(1, 16 * g.inChannels, 16 * g.outChannels, 16, new int[] {1, cols},
                            new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, new int[] {0, 0}, new int[] {0, 0},
                            new int[] {1, cols}));
            g.winograd = d;
        }
        return d;
    }

    /** {@link #derived}'s pair; final fields, so a thread that reads it unsynchronized sees it whole. */
    record Derived(ConvGeometry tiles, ConvGeometry gemms) {
    }

    /** A thread's padded-tile layout and tap offsets for the geometry of its last call: reset without allocating. */
    private static final class Geometries {
        ConvGeometry of, tiles, gemms;
        final PaddedPhases layout = new PaddedPhases();
        final long[] taps = new long[16];

        void set(ConvGeometry g) {
            if (g == of) {
                return;
            }
            Derived d = derived(g);
            tiles = d.tiles();
            gemms = d.gemms();
            layout.set(tiles);
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    taps[i * 4 + j] = layout.tap(tiles, i, j) * Float.BYTES;
                }
            }
            of = g;
        }
    }

    /** out = epilogue(conv(in, w)) for a geometry that {@link #pays}, with U from {@link #packWeights}. */
    static void conv(MemorySegment out, MemorySegment in, MemorySegment u, ConvGeometry g, Epilogue ep) {
        Geometries geo = GEOMETRIES.get();
        geo.set(g);
        PaddedPhases l = geo.layout;
        int c = g.inChannels, m = g.outChannels;
        long cols = pitch(g);
        int tilesH = (g.outH + 1) / 2, qw = (g.outW + 1) / 2 + 1;
        // The last vector of tiles reads up to the pitch's rounding, plus a vector, past the channel's last tap.
        long slack = cols - l.gridCols(geo.tiles) + 2L * L;
        MemorySegment padded = Scratch.get(SLOT_PADDED, ((long) c * l.channel + slack) * Float.BYTES);
        MemorySegment v = Scratch.get(SLOT_V, 16L * c * cols * Float.BYTES);
        MemorySegment mm = Scratch.get(SLOT_M, (16L * m * cols + L) * Float.BYTES);
        // The transforms, split by channels, are a third of a call on 64 channels: serial, they held 2 threads to
        // 1.3x on WRN-16-4's first group.
        boolean parallel = Parallel.tasksFor(16L * m * c * cols, Integer.MAX_VALUE) > 1;
        Transforms job = parallel ? TRANSFORMS.get() : null;
        for (int b = 0; b < g.batch; b++) {
            if (!parallel) {
                l.copy(padded, in, geo.tiles, (long) b * c, c, slack);
                transformInput(v, padded, l, geo.taps, c, 0, c, cols);
                ConvGrid.pointwise(mm, v, u, geo.gemms, Epilogue.NONE, c);
                transformOutput(out, mm, g, ep, b, tilesH, cols, qw, 0, m);
                continue;
            }
            PaddedPhases.fill(padded, (long) c * l.channel, slack);
            try {
                job.set(true, out, in, padded, v, mm, g, ep, b, c);
                Parallel.forEach(job.parts, job);
                ConvGrid.pointwise(mm, v, u, geo.gemms, Epilogue.NONE, c);
                job.set(false, out, in, padded, v, mm, g, ep, b, m);
                Parallel.forEach(job.parts, job);
            } finally {
                job.set(false, null, null, null, null, null, null, null, 0, 0);
            }
        }
    }

    private static final ThreadLocal<Transforms> TRANSFORMS = ThreadLocal.withInitial(Transforms::new);

    /**
     * One image's input transform (with its padded copy) or output transform, split into parts by channel; a part
     * works with its own thread's geometries, over the calling thread's scratch. Reused per calling thread.
     */
    private static final class Transforms implements Parallel.Body {
        private static final int MAX_PARTS = 16;
        private boolean input;
        private MemorySegment out, in, padded, v, mm;
        private ConvGeometry g;
        private Epilogue ep;
        private int b, channels, parts;

        void set(boolean input, MemorySegment out, MemorySegment in, MemorySegment padded, MemorySegment v,
                MemorySegment mm, ConvGeometry g, Epilogue ep, int b, int channels) {
            this.input = input;
            this.out = out;
            this.in = in;
            this.padded = padded;
            this.v = v;
            this.mm = mm;
            this.g = g;
            this.ep = ep;
            this.b = b;
            this.channels = channels;
            this.parts = Math.min(channels, MAX_PARTS);
        }

        @Override
        public void run(int part) {
            Geometries geo = GEOMETRIES.get();
            geo.set(g);
            int c0 = (int) ((long) channels * part / parts), c1 = (int) ((long) channels * (part + 1) / parts);
            long cols = pitch(g);
            if (input) {
                PaddedPhases l = geo.layout;
                for (int ch = c0; ch < c1; ch++) {
                    l.copyChannel(padded, ch * l.channel, in, ((long) b * g.inChannels + ch) * g.inH * g.inW,
                            geo.tiles, false);
                }
                transformInput(v, padded, l, geo.taps, g.inChannels, c0, c1, cols);
            } else {
                transformOutput(out, mm, g, ep, b, (g.outH + 1) / 2, cols, (g.outW + 1) / 2 + 1, c0, c1);
            }
        }
    }

    /**
     * V[ξ, c, t] = (Bᵀ d B)_ξ for the tile at grid column t of channel c, a vector of tiles at a time;
     * Bᵀ = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,1,0,-1]]. Lanes past the grid's end land in the row's rounding.
     */
    private static void transformInput(MemorySegment v, MemorySegment padded, PaddedPhases l, long[] taps, int c,
            int c0, int c1, long cols) {
        long plane = cols * Float.BYTES;      // V's row of one (ξ, c)
        long xiStride = (long) c * plane;    // from one ξ to the next
        long t00 = taps[0], t01 = taps[1], t02 = taps[2], t03 = taps[3], t10 = taps[4], t11 = taps[5];
        long t12 = taps[6], t13 = taps[7], t20 = taps[8], t21 = taps[9], t22 = taps[10], t23 = taps[11];
        long t30 = taps[12], t31 = taps[13], t32 = taps[14], t33 = taps[15];
        for (int ch = c0; ch < c1; ch++) {
            long src = ch * l.channel * Float.BYTES;
            long dst = ch * plane;
            for (long t = 0; t < cols; t += L) {
                long s = src + t * Float.BYTES;
                // Rows: r_i = Bᵀ-combination of input rows i, per tap column j.
                FloatVector d00 = FloatVector.fromMemorySegment(F, padded, s + t00, NO);
                FloatVector d01 = FloatVector.fromMemorySegment(F, padded, s + t01, NO);
                FloatVector d02 = FloatVector.fromMemorySegment(F, padded, s + t02, NO);
                FloatVector d03 = FloatVector.fromMemorySegment(F, padded, s + t03, NO);
                FloatVector d10 = FloatVector.fromMemorySegment(F, padded, s + t10, NO);
                FloatVector d11 = FloatVector.fromMemorySegment(F, padded, s + t11, NO);
                FloatVector d12 = FloatVector.fromMemorySegment(F, padded, s + t12, NO);
                FloatVector d13 = FloatVector.fromMemorySegment(F, padded, s + t13, NO);
                FloatVector d20 = FloatVector.fromMemorySegment(F, padded, s + t20, NO);
                FloatVector d21 = FloatVector.fromMemorySegment(F, padded, s + t21, NO);
                FloatVector d22 = FloatVector.fromMemorySegment(F, padded, s + t22, NO);
                FloatVector d23 = FloatVector.fromMemorySegment(F, padded, s + t23, NO);
                FloatVector d30 = FloatVector.fromMemorySegment(F, padded, s + t30, NO);
                FloatVector d31 = FloatVector.fromMemorySegment(F, padded, s + t31, NO);
                FloatVector d32 = FloatVector.fromMemorySegment(F, padded, s + t32, NO);
                FloatVector d33 = FloatVector.fromMemorySegment(F, padded, s + t33, NO);
                // Bᵀ d: rows 0-3
                FloatVector e00 = d00.sub(d20), e01 = d01.sub(d21), e02 = d02.sub(d22), e03 = d03.sub(d23);
                FloatVector e10 = d10.add(d20), e11 = d11.add(d21), e12 = d12.add(d22), e13 = d13.add(d23);
                FloatVector e20 = d20.sub(d10), e21 = d21.sub(d11), e22 = d22.sub(d12), e23 = d23.sub(d13);
                FloatVector e30 = d10.sub(d30), e31 = d11.sub(d31), e32 = d12.sub(d32), e33 = d13.sub(d33);
                // (Bᵀ d) B: columns, and store V_ξ for ξ = 4i + j
                long o = dst + t * Float.BYTES;
                // Written out, not through a helper: a vector that crosses a call the JIT does not inline is boxed.
                e00.sub(e02).intoMemorySegment(v, o, NO);
                e01.add(e02).intoMemorySegment(v, o + xiStride, NO);
                e02.sub(e01).intoMemorySegment(v, o + 2 * xiStride, NO);
                e01.sub(e03).intoMemorySegment(v, o + 3 * xiStride, NO);
                e10.sub(e12).intoMemorySegment(v, o + 4 * xiStride, NO);
                e11.add(e12).intoMemorySegment(v, o + 5 * xiStride, NO);
                e12.sub(e11).intoMemorySegment(v, o + 6 * xiStride, NO);
                e11.sub(e13).intoMemorySegment(v, o + 7 * xiStride, NO);
                e20.sub(e22).intoMemorySegment(v, o + 8 * xiStride, NO);
                e21.add(e22).intoMemorySegment(v, o + 9 * xiStride, NO);
                e22.sub(e21).intoMemorySegment(v, o + 10 * xiStride, NO);
                e21.sub(e23).intoMemorySegment(v, o + 11 * xiStride, NO);
                e30.sub(e32).intoMemorySegment(v, o + 12 * xiStride, NO);
                e31.add(e32).intoMemorySegment(v, o + 13 * xiStride, NO);
                e32.sub(e31).intoMemorySegment(v, o + 14 * xiStride, NO);
                e31.sub(e33).intoMemorySegment(v, o + 15 * xiStride, NO);
            }
        }
    }

    /**
     * out[b, m, 2·th + a, 2·tw + e] = clamp(bias[m] + (Aᵀ M A)[a, e] + residual) for the tile at grid column
     * th·qw + tw; Aᵀ = [[1,1,1,0],[0,1,-1,-1]]. A vector of tiles of one row of tiles at a time, its two output
     * columns interleaved; the row's last vector, and a second output row past the map (odd H), are cut off.
     */
    private static void transformOutput(MemorySegment out, MemorySegment mm, ConvGeometry g, Epilogue ep, int b,
            int tilesH, long cols, int qw, int ch0, int ch1) {
        int m = g.outChannels;
        int tilesW = (g.outW + 1) / 2;
        long plane = cols * Float.BYTES;
        long xiStride = (long) m * plane;
        MemorySegment bias = ep.bias();
        MemorySegment res = ep.residual();
        boolean clamp = ep.act() != Act.NONE;
        float lo = ep.act() == Act.NONE ? Float.NEGATIVE_INFINITY : ep.clampLow(), hi = ep.clampHigh();
        long outPlane = (long) g.outH * g.outW;
        long vb = (long) L * Float.BYTES;
        long outBytes = out.byteSize();
        for (int ch = ch0; ch < ch1; ch++) {
            FloatVector z = FloatVector.broadcast(F, bias == null ? 0f
                    : bias.getAtIndex(FL, ep.biasOff() + (long) ch * ep.biasRowStride()));
            long base = (long) ch * plane;
            long outBase = ((long) b * m + ch) * outPlane;
            for (int th = 0; th < tilesH; th++) {
                for (int tw = 0; tw < tilesW; tw += L) {
                    long at = base + ((long) th * qw + tw) * Float.BYTES;
                    FloatVector m0 = FloatVector.fromMemorySegment(F, mm, at, NO);
                    FloatVector m1 = FloatVector.fromMemorySegment(F, mm, at + xiStride, NO);
                    FloatVector m2 = FloatVector.fromMemorySegment(F, mm, at + 2 * xiStride, NO);
                    FloatVector m3 = FloatVector.fromMemorySegment(F, mm, at + 3 * xiStride, NO);
                    FloatVector m4 = FloatVector.fromMemorySegment(F, mm, at + 4 * xiStride, NO);
                    FloatVector m5 = FloatVector.fromMemorySegment(F, mm, at + 5 * xiStride, NO);
                    FloatVector m6 = FloatVector.fromMemorySegment(F, mm, at + 6 * xiStride, NO);
                    FloatVector m7 = FloatVector.fromMemorySegment(F, mm, at + 7 * xiStride, NO);
                    FloatVector m8 = FloatVector.fromMemorySegment(F, mm, at + 8 * xiStride, NO);
                    FloatVector m9 = FloatVector.fromMemorySegment(F, mm, at + 9 * xiStride, NO);
                    FloatVector m10 = FloatVector.fromMemorySegment(F, mm, at + 10 * xiStride, NO);
                    FloatVector m11 = FloatVector.fromMemorySegment(F, mm, at + 11 * xiStride, NO);
                    FloatVector m12 = FloatVector.fromMemorySegment(F, mm, at + 12 * xiStride, NO);
                    FloatVector m13 = FloatVector.fromMemorySegment(F, mm, at + 13 * xiStride, NO);
                    FloatVector m14 = FloatVector.fromMemorySegment(F, mm, at + 14 * xiStride, NO);
                    FloatVector m15 = FloatVector.fromMemorySegment(F, mm, at + 15 * xiStride, NO);
                    // Aᵀ M: two rows of four
                    FloatVector r00 = m0.add(m4).add(m8), r01 = m1.add(m5).add(m9);
                    FloatVector r02 = m2.add(m6).add(m10), r03 = m3.add(m7).add(m11);
                    FloatVector r10 = m4.sub(m8).sub(m12), r11 = m5.sub(m9).sub(m13);
                    FloatVector r12 = m6.sub(m10).sub(m14), r13 = m7.sub(m11).sub(m15);
                    // (Aᵀ M) A: the 2×2 outputs
                    FloatVector y00 = r00.add(r01).add(r02).add(z), y01 = r01.sub(r02).sub(r03).add(z);
                    FloatVector y10 = r10.add(r11).add(r12).add(z), y11 = r11.sub(r12).sub(r13).add(z);
                    int n = Math.min(L, tilesW - tw);  // tiles in this vector
                    long col = 2L * tw;
                    int width = (int) Math.min(2L * n, g.outW - col);  // output columns they cover
                    long at0 = (outBase + (2L * th) * g.outW + col) * Float.BYTES, at1 = at0 + vb;
                    long at2 = at0 + (long) g.outW * Float.BYTES, at3 = at2 + vb;
                    boolean second = 2 * th + 1 < g.outH;  // an odd map's last row of tiles has one output row
                    VectorMask<Float> k0 = F.indexInRange(0, width), k1 = F.indexInRange(L, width);
                    // Written out, not through a helper: a vector that crosses a call the JIT does not inline is
                    // boxed (measured: the input transform ran three times slower through one).
                    FloatVector o0 = y00.rearrange(ZIP_LO, y01), o1 = y00.rearrange(ZIP_HI, y01);
                    FloatVector o2 = y10.rearrange(ZIP_LO, y11), o3 = y10.rearrange(ZIP_HI, y11);
                    if ((second ? at3 : at1) + vb > outBytes) {
                        // The output's very end: a masked load or store there is not intrinsified (it allocates
                        // and is slow), so these last tiles are transformed again, one value at a time.
                        lastTiles(out, mm, at, xiStride, z.lane(0), at0 / Float.BYTES, g.outW, width, second);
                        continue;
                    }
                    o0.intoMemorySegment(out, at0, NO, k0);
                    if (width > L) {
                        o1.intoMemorySegment(out, at1, NO, k1);
                    }
                    if (second) {
                        o2.intoMemorySegment(out, at2, NO, k0);
                        if (width > L) {
                            o3.intoMemorySegment(out, at3, NO, k1);
                        }
                    }
                }
            }
            if (res != null || clamp) {
                residualAndClamp(out, outBase, outPlane, res, clamp, lo, hi);
            }
        }
    }

    /**
     * The tiles of one vector at the output's very end, in scalar code: tile i's 16 values are {@code mm} at
     * {@code at + 4i + ξ·xiStride}; its 2×2 outputs go to {@code out} from float {@code idx} on (rows {@code outW}
     * apart, {@code width} columns, the second row only when {@code second}). Kept out of
     * {@link #transformOutput}, whose size C1 could not always compile (leaving it interpreted, Vector API and all).
     */
    private static void lastTiles(MemorySegment out, MemorySegment mm, long at, long xiStride, float bias, long idx,
            int outW, int width, boolean second) {
        for (int i = 0; 2 * i < width; i++) {
            long t = at + 4L * i;
            float m0 = mm.get(FL, t), m1 = mm.get(FL, t + xiStride), m2 = mm.get(FL, t + 2 * xiStride);
            float m3 = mm.get(FL, t + 3 * xiStride), m4 = mm.get(FL, t + 4 * xiStride);
            float m5 = mm.get(FL, t + 5 * xiStride), m6 = mm.get(FL, t + 6 * xiStride);
            float m7 = mm.get(FL, t + 7 * xiStride), m8 = mm.get(FL, t + 8 * xiStride);
            float m9 = mm.get(FL, t + 9 * xiStride), m10 = mm.get(FL, t + 10 * xiStride);
            float m11 = mm.get(FL, t + 11 * xiStride), m12 = mm.get(FL, t + 12 * xiStride);
            float m13 = mm.get(FL, t + 13 * xiStride), m14 = mm.get(FL, t + 14 * xiStride);
            float m15 = mm.get(FL, t + 15 * xiStride);
            float r00 = m0 + m4 + m8, r01 = m1 + m5 + m9, r02 = m2 + m6 + m10, r03 = m3 + m7 + m11;
            float r10 = m4 - m8 - m12, r11 = m5 - m9 - m13, r12 = m6 - m10 - m14, r13 = m7 - m11 - m15;
            long o = idx + 2L * i;
            boolean both = 2 * i + 1 < width;
            out.setAtIndex(FL, o, r00 + r01 + r02 + bias);
            if (both) {
                out.setAtIndex(FL, o + 1, r01 - r02 - r03 + bias);
            }
            if (second) {
                out.setAtIndex(FL, o + outW, r10 + r11 + r12 + bias);
                if (both) {
                    out.setAtIndex(FL, o + outW + 1, r11 - r12 - r13 + bias);
                }
            }
        }
    }

    /**
     * The residual and the clamp on one output plane, after the transform has written it: a second pass over data
     * still in cache, which keeps {@link #transformOutput} small enough for C1 to compile.
     */
    private static void residualAndClamp(MemorySegment out, long from, long n, MemorySegment res, boolean clamp,
            float lo, float hi) {
        long i = 0;
        for (; i + L <= n; i += L) {
            long at = (from + i) * Float.BYTES;
            FloatVector v = FloatVector.fromMemorySegment(F, out, at, NO);
            if (res != null) {
                v = v.add(FloatVector.fromMemorySegment(F, res, at, NO));
            }
            if (clamp) {
                v = v.max(lo).min(hi);
            }
            v.intoMemorySegment(out, at, NO);
        }
        for (; i < n; i++) {  // scalar: a masked access at the output's end is not intrinsified
            float v = out.getAtIndex(FL, from + i) + (res == null ? 0f : res.getAtIndex(FL, from + i));
            out.setAtIndex(FL, from + i, clamp ? Math.min(Math.max(v, lo), hi) : v);
        }
    }
}
