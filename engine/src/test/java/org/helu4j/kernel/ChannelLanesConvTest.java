package org.helu4j.kernel;

import static org.helu4j.kernel.KernelTesting.SENTINEL;
import static org.helu4j.kernel.KernelTesting.assertClose;
import static org.helu4j.kernel.KernelTesting.epilogueReference;
import static org.helu4j.kernel.KernelTesting.filled;
import static org.helu4j.kernel.KernelTesting.onThreads;
import static org.helu4j.kernel.KernelTesting.random;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.helu4j.kernel.ConvTest.Case;
import org.helu4j.kernel.ref.ConvRef;
import org.helu4j.kernel.ref.PoolRef;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** {@link ChannelLanesConv} (output channels along the lanes) against {@link ConvRef}, and when {@link Conv} takes it. */
class ChannelLanesConvTest {
    private static final int NR = Gemm.NR;

    /**
     * Small maps: 'same' 3×3, strided 3×3 and 1×1 (through the padded, phase-split copy), a plain 1×1 (read
     * straight from the input), dilation and uneven padding; output channels that fill no whole panel (so tiles 1,
     * 2 and 3 vectors wide), positions that fill no whole tile, rows of 7 and 8 positions (row tiles), a batch;
     * every epilogue (bias or none, residual or none, ReLU, Clip); 1 and 2 threads.
     */
    @Test
    void matchesTheReference() {
        Case[] cases = {
            new Case(1, 24, NR + 5, 1, a(7, 7), a(3, 3), a(1, 1), a(1, 1), a(1, 1), a(1, 1), true, false, false),
            new Case(2, 19, 2 * NR, 1, a(7, 7), a(3, 3), a(1, 1), a(1, 1), a(1, 1), a(1, 1), true, false, false),
            new Case(1, 16, NR - 3, 1, a(14, 13), a(3, 3), a(2, 2), a(1, 1), a(1, 1), a(1, 1), false, false, false),
            new Case(3, 40, NR + 2, 1, a(7, 7), a(1, 1), a(1, 1), a(1, 1), a(0, 0), a(0, 0), true, false, false),
            new Case(1, 21, NR, 1, a(14, 14), a(1, 1), a(2, 2), a(1, 1), a(0, 0), a(0, 0), true, false, false),
            new Case(2, 9, NR + 1, 1, a(9, 8), a(3, 2), a(1, 1), a(2, 1), a(2, 0), a(1, 2), true, false, false),
            // Panels narrower than NR: 2 vectors of channels and 1 (the taller tiles), over a batch.
            new Case(1, 16, 2 * Vectors.LANES, 1, a(7, 7), a(3, 3), a(1, 1), a(1, 1), a(1, 1), a(1, 1), true, false, false),
            new Case(3, 8, Vectors.LANES, 1, a(6, 5), a(3, 3), a(1, 1), a(1, 1), a(1, 1), a(1, 1), false, false, false),
            new Case(2, 12, NR + 2 * Vectors.LANES - 3, 1, a(5, 5), a(1, 1), a(1, 1), a(1, 1), a(0, 0), a(0, 0), true, false, false),
            // Row tiles (512-bit): runs of 8 in panels 3 and 2 vectors wide; runs of 7 two to a tile, over three
            // images (tiles that cross from one image into the next, and an odd number of runs).
            new Case(2, 20, NR + 2 * Vectors.LANES, 1, a(8, 8), a(3, 3), a(1, 1), a(1, 1), a(1, 1), a(1, 1), true, false, false),
            new Case(1, 12, 2 * Vectors.LANES - 5, 1, a(32, 32), a(3, 3), a(2, 2), a(1, 1), a(1, 1), a(1, 1), false, false, false),
            new Case(3, 10, 2 * Vectors.LANES, 1, a(7, 7), a(3, 3), a(1, 1), a(1, 1), a(1, 1), a(1, 1), true, false, false),
        };
        try (Arena arena = Arena.ofShared()) {
            for (Case tc : cases) {
                ConvGeometry g = tc.geometry();
                Random rnd = new Random(tc.c() * 31 + tc.m());
                int k = tc.c() * g.kernelSize();
                long outN = (long) tc.n() * tc.m() * g.outSpatial();
                MemorySegment in = random(arena, (long) tc.n() * tc.c() * g.inSpatial(), rnd, false);
                MemorySegment w = random(arena, (long) tc.m() * k, rnd, false);
                MemorySegment bias = tc.bias() ? random(arena, tc.m(), rnd, false) : null;
                MemorySegment res = random(arena, outN, rnd, false);
                MemorySegment pb = arena.allocate(ChannelLanesConv.packedFloats(tc.m(), k) * 4, 64);
                ChannelLanesConv.packWeights(pb, w, tc.m(), k);
                MemorySegment plain = filled(arena, outN, SENTINEL);
                ConvRef.conv(plain, in, w, bias, g, false);
                for (Gemm.Act act : new Gemm.Act[] {Gemm.Act.NONE, Gemm.Act.RELU, Gemm.Act.CLIP}) {
                    for (boolean withResidual : new boolean[] {false, true}) {
                        MemorySegment expected = epilogueReference(arena, plain, withResidual ? res : null, outN, act);
                        Gemm.Epilogue ep = (bias == null ? Gemm.Epilogue.NONE : Gemm.Epilogue.rowBias(bias, 0, false))
                                .withAct(act, -0.5f, act == Gemm.Act.CLIP ? 0.5f : Float.POSITIVE_INFINITY);
                        if (withResidual) {
                            ep = ep.withResidual(res);
                        }
                        String what = tc + " " + act + (withResidual ? " + residual" : "");
                        MemorySegment actual = filled(arena, outN, SENTINEL);
                        Parallel.setParallelism(1);
                        ChannelLanesConv.conv(actual, in, pb, g, ep);
                        assertClose(expected, actual, outN, 1e-5, what);
                        MemorySegment twoThreads = filled(arena, outN, SENTINEL);
                        Gemm.Epilogue used = ep;
                        onThreads(2, () -> ChannelLanesConv.conv(twoThreads, in, pb, g, used));
                        assertEquals(-1L, actual.mismatch(twoThreads), what + " on 2 threads");
                    }
                }
            }
        }
    }

    /**
     * {@link Conv} takes this path for ResNet-18's 7×7 stage (3×3, and the strided 3×3 into it) and MobileNetV2's
     * 7×7 and 14×14 1×1 layers with at least 128 input channels (960 → 160, 160 → 960, 576 → 96), where a grid's
     * panels are a quarter padding or more and k is long enough to pay for the transposition; it keeps the grid for
     * a short k (MobileNetV2's 96 → 576 expansion at 14×14), a large map, a few output channels, and groups.
     */
    @Test
    void takenWhereTheGridWastesLanes() {
        boolean vector = !Vectors.SCALAR;
        Gemm.Epilogue ep = Gemm.Epilogue.NONE;
        assertEquals(vector, lanes(new Case(1, 512, 512, 1, a(7, 7), a(3, 3), a(1, 1), a(1, 1), a(1, 1), a(1, 1), true, true, false), ep));
        assertEquals(vector, lanes(new Case(1, 256, 512, 1, a(14, 14), a(3, 3), a(2, 2), a(1, 1), a(1, 1), a(1, 1), true, false, false), ep));
        assertEquals(vector, lanes(new Case(1, 960, 160, 1, a(7, 7), a(1, 1), a(1, 1), a(1, 1), a(0, 0), a(0, 0), true, false, false), ep));
        assertEquals(vector, lanes(new Case(1, 160, 960, 1, a(7, 7), a(1, 1), a(1, 1), a(1, 1), a(0, 0), a(0, 0), true, false, false), ep));
        assertEquals(vector, lanes(new Case(1, 576, 96, 1, a(14, 14), a(1, 1), a(1, 1), a(1, 1), a(0, 0), a(0, 0), true, false, false), ep));
        assertEquals(false, lanes(new Case(1, 96, 576, 1, a(14, 14), a(1, 1), a(1, 1), a(1, 1), a(0, 0), a(0, 0), true, false, false), ep));
        assertEquals(false, lanes(new Case(1, 192, 32, 1, a(28, 28), a(1, 1), a(1, 1), a(1, 1), a(0, 0), a(0, 0), true, false, false), ep));
        assertEquals(false, lanes(new Case(1, 64, 64, 1, a(56, 56), a(3, 3), a(1, 1), a(1, 1), a(1, 1), a(1, 1), true, true, false), ep));
        assertEquals(false, lanes(new Case(1, 8, 8, 1, a(7, 7), a(3, 3), a(1, 1), a(1, 1), a(1, 1), a(1, 1), true, true, false), ep));
        assertEquals(false, lanes(new Case(1, 64, 64, 2, a(7, 7), a(3, 3), a(1, 1), a(1, 1), a(1, 1), a(1, 1), true, true, false), ep));
    }

    /**
     * With row tiles (512-bit), also fashion-cnn's 7×7 layers (16 → 32, 32 → 32), a strided 3×3 onto 28×28 with a
     * long k, and a strided 1×1 into 7×7; not a 3×3 onto 32×32 or larger, nor 16 output channels (one vector: no
     * row tile).
     */
    @Test
    void rowTilesWidenTheChoice() {
        Assumptions.assumeTrue(Vectors.BITS == 512, "row tiles are for 512-bit vectors");
        Gemm.Epilogue ep = Gemm.Epilogue.NONE;
        assertEquals(true, lanes(new Case(1, 16, 32, 1, a(7, 7), a(3, 3), a(1, 1), a(1, 1), a(1, 1), a(1, 1), true, true, false), ep));
        assertEquals(true, lanes(new Case(1, 32, 32, 1, a(7, 7), a(3, 3), a(1, 1), a(1, 1), a(1, 1), a(1, 1), true, true, false), ep));
        assertEquals(true, lanes(new Case(1, 64, 128, 1, a(56, 56), a(3, 3), a(2, 2), a(1, 1), a(1, 1), a(1, 1), true, false, false), ep));
        assertEquals(true, lanes(new Case(1, 256, 512, 1, a(14, 14), a(1, 1), a(2, 2), a(1, 1), a(0, 0), a(0, 0), true, false, false), ep));
        assertEquals(false, lanes(new Case(1, 64, 64, 1, a(32, 32), a(3, 3), a(1, 1), a(1, 1), a(1, 1), a(1, 1), true, true, false), ep));
        assertEquals(false, lanes(new Case(1, 16, 16, 1, a(14, 14), a(3, 3), a(1, 1), a(1, 1), a(1, 1), a(1, 1), true, true, false), ep));
    }

    /**
     * A max pool taken over the transposed rows, before the epilogue (fashion-cnn's last conv: 32 -> 32 at 7×7,
     * 2×2 stride 2; a 3×3 stride-2 window over a 3-vector panel and a 1-vector one, two images), on 1 and 2
     * threads, against the reference conv, epilogue and pool; and through {@link Conv} with the weights it packs.
     */
    @Test
    void poolsInItsTransposition() {
        Case[] cases = {
            new Case(1, 32, 32, 1, a(7, 7), a(3, 3), a(1, 1), a(1, 1), a(1, 1), a(1, 1), true, true, false),
            new Case(2, 20, NR + 5, 1, a(8, 8), a(3, 3), a(1, 1), a(1, 1), a(1, 1), a(1, 1), true, true, false),
        };
        int[][] windows = {{2, 2}, {3, 2}};
        try (Arena arena = Arena.ofShared()) {
            for (int n = 0; n < cases.length; n++) {
                Case tc = cases[n];
                ConvGeometry g = tc.geometry();
                int kp = windows[n][0], sp = windows[n][1];
                int ph = (g.outH - kp) / sp + 1, pw = (g.outW - kp) / sp + 1;
                ConvGeometry pool = new ConvGeometry(g.batch, g.outChannels, g.outChannels, 1, a(g.outH, g.outW),
                        a(kp, kp), a(sp, sp), a(1, 1), a(0, 0), a(0, 0), a(ph, pw));
                Random rnd = new Random(n);
                int k = tc.c() * g.kernelSize();
                long convN = (long) tc.n() * tc.m() * g.outSpatial(), outN = (long) tc.n() * tc.m() * ph * pw;
                MemorySegment in = random(arena, (long) tc.n() * tc.c() * g.inSpatial(), rnd, false);
                MemorySegment w = random(arena, (long) tc.m() * k, rnd, false);
                MemorySegment bias = random(arena, tc.m(), rnd, false);
                MemorySegment plain = filled(arena, convN, SENTINEL);
                ConvRef.conv(plain, in, w, bias, g, false);
                MemorySegment expected = filled(arena, outN, SENTINEL);
                PoolRef.maxPool(expected, null, epilogueReference(arena, plain, null, convN, Gemm.Act.RELU), pool, false);
                Gemm.Epilogue ep = Gemm.Epilogue.rowBias(bias, 0, true);
                assertEquals(true, ChannelLanesConv.pools(g, pool, ep), tc.toString());
                MemorySegment pb = arena.allocate(ChannelLanesConv.packedFloats(tc.m(), k) * 4, 64);
                ChannelLanesConv.packWeights(pb, w, tc.m(), k);
                MemorySegment actual = filled(arena, outN, SENTINEL);
                Parallel.setParallelism(1);
                ChannelLanesConv.conv(actual, in, pb, g, ep, pool);
                assertClose(expected, actual, outN, 1e-5, tc + " pooled");
                MemorySegment twoThreads = filled(arena, outN, SENTINEL);
                onThreads(2, () -> ChannelLanesConv.conv(twoThreads, in, pb, g, ep, pool));
                assertEquals(-1L, actual.mismatch(twoThreads), tc + " pooled, on 2 threads");
                Conv.Transform tf = Conv.Transform.of(g, ep);
                MemorySegment tw = tf == Conv.Transform.NONE ? null : arena.allocate(tf.floats(g) * 4 + 64, 64);
                if (tw != null) {
                    tf.pack(tw, w, g);
                }
                MemorySegment packed = arena.allocate(Conv.packedWeightFloats(g) * 4 + 64, 64);
                Conv.packWeights(packed, w, g);
                MemorySegment viaConv = filled(arena, outN, SENTINEL);
                Conv.conv(viaConv, in, w, packed, tw, g, ep, pool);
                assertClose(expected, viaConv, outN, 1e-5, tc + " pooled, through Conv (" + tf + ")");
            }
        }
    }

    /** No images (a batch of 0, which a fuzzed model produced): nothing to do, on one thread and two. */
    @Test
    void noImagesIsNothingToDo() {
        ConvGeometry g = new Case(0, 16, 32, 1, a(7, 7), a(3, 3), a(1, 1), a(1, 1), a(1, 1), a(1, 1), true, true, false)
                .geometry();
        int k = 16 * 9;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment pb = arena.allocate(ChannelLanesConv.packedFloats(32, k) * 4, 64);
            MemorySegment none = arena.allocate(64, 64);
            Parallel.setParallelism(1);
            ChannelLanesConv.conv(none, none, pb, g, Gemm.Epilogue.NONE);
            onThreads(2, () -> ChannelLanesConv.conv(none, none, pb, g, Gemm.Epilogue.NONE));
        }
    }

    private static boolean lanes(Case tc, Gemm.Epilogue ep) {
        return Conv.Transform.of(tc.geometry(), ep) == Conv.Transform.CHANNEL_LANES;
    }

    private static int[] a(int... v) {
        return v;
    }
}
