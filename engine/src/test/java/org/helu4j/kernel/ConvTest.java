package org.helu4j.kernel;

import static org.helu4j.kernel.KernelTesting.SENTINEL;
import static org.helu4j.kernel.KernelTesting.assertClose;
import static org.helu4j.kernel.KernelTesting.epilogueReference;
import static org.helu4j.kernel.KernelTesting.filled;
import static org.helu4j.kernel.KernelTesting.onThreads;
import static org.helu4j.kernel.KernelTesting.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.helu4j.kernel.ref.ActivationRef;
import org.helu4j.kernel.ref.ConvRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link Conv} (im2col + GEMM, pointwise, depthwise) against {@link ConvRef}, around the vector length. */
class ConvTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;
    private static final int T = Vectors.LANES;

    /** One convolution: spatial arrays are outermost first and of equal length 1 to 3. */
    record Case(int n, int c, int m, int group, int[] in, int[] k, int[] s, int[] d, int[] pb, int[] pe,
            boolean bias, boolean relu, boolean specials) {
        ConvGeometry geometry() {
            int[] out = new int[in.length];
            for (int i = 0; i < in.length; i++) {
                out[i] = (int) ConvGeometry.outputSize(in[i], k[i], s[i], d[i], pb[i], pe[i], false);
            }
            return new ConvGeometry(n, c, m, group, in, k, s, d, pb, pe, out);
        }

        @Override
        public String toString() {
            return "N" + n + " C" + c + " M" + m + " g" + group + " in" + Arrays.toString(in) + " k" + Arrays.toString(k)
                    + " s" + Arrays.toString(s) + " d" + Arrays.toString(d) + " pads" + Arrays.toString(pb)
                    + Arrays.toString(pe) + (bias ? " bias" : "") + (relu ? " relu" : "") + (specials ? " specials" : "");
        }
    }

    static Stream<Case> cases() {
        List<Case> list = new ArrayList<>();
        int[] widths = {Math.max(T - 1, 1), T, T + 1, 3 * T + 1};
        int[] chans = {1, 3, 5, 17};
        // 2-D, groups 1: every width and odd channel count, with a 3x3 kernel, pad 1, bias, sometimes ReLU.
        for (int w : widths) {
            for (int c : chans) {
                list.add(new Case(1, c, 5, 1, a(3, w), a(3, 3), a(1, 1), a(1, 1), a(1, 1), a(1, 1), true, c % 2 == 1, false));
            }
        }
        // Stride, dilation and asymmetric padding combinations, batch 2.
        for (int w : widths) {
            for (int st : new int[] {1, 2, 3}) {
                for (int dl : new int[] {1, 2}) {
                    list.add(new Case(2, 3, 6, 1, a(5, w + 4), a(2, 3), a(st, st), a(dl, dl), a(0, 2), a(1, 0), st != 2, dl == 2, false));
                }
            }
        }
        // Pointwise (1x1, unit stride, no pad): the input is the column matrix.
        for (int w : widths) {
            list.add(new Case(2, 17, 9, 1, a(2, w), a(1, 1), a(1, 1), a(1, 1), a(0, 0), a(0, 0), true, false, false));
            // grouped, and many channels with every panel full (P = 96 columns)
            list.add(new Case(2, 6, 8, 2, a(3, w), a(1, 1), a(1, 1), a(1, 1), a(0, 0), a(0, 0), true, false, false));
            list.add(new Case(1, 40, 12, 1, a(6, 16), a(1, 1), a(1, 1), a(1, 1), a(0, 0), a(0, 0), w % 2 == 0, false, false));
        }
        // Groups: 2, and depthwise (group == C) with multipliers 1 and 2, at strides 1 and 2.
        for (int w : widths) {
            list.add(new Case(2, 6, 10, 2, a(4, w), a(3, 3), a(1, 1), a(1, 1), a(1, 1), a(1, 1), true, false, false));
            for (int c : new int[] {3, 5, 17}) {
                for (int st : new int[] {1, 2}) {
                    list.add(new Case(2, c, c, c, a(5, w), a(3, 3), a(st, st), a(1, 1), a(1, 1), a(1, 1), true, st == 1, false));
                }
            }
            list.add(new Case(1, 3, 6, 3, a(4, w), a(3, 5), a(1, 1), a(2, 1), a(2, 2), a(0, 3), false, false, false));
            list.add(new Case(1, 5, 5, 5, a(3, w), a(1, 2 * w), a(1, 1), a(1, 1), a(0, w), a(0, w), true, false, false));
        }
        // 1-D and 3-D.
        for (int w : widths) {
            list.add(new Case(2, 3, 4, 1, a(w), a(3), a(1), a(1), a(1), a(2), true, false, false));
            list.add(new Case(1, 4, 4, 2, a(w + 3), a(2), a(2), a(3), a(0), a(0), false, true, false));
            list.add(new Case(2, 3, 2, 1, a(3, 4, w), a(2, 3, 3), a(1, 2, 1), a(1, 1, 2), a(1, 0, 1), a(0, 1, 2), true, false, false));
            list.add(new Case(1, 4, 4, 4, a(3, 3, w), a(3, 3, 3), a(1, 1, 1), a(1, 1, 1), a(1, 1, 1), a(1, 1, 1), true, false, false));
        }
        // Special values in the input: NaN, +-Inf, +-0 must propagate as the reference says.
        for (int w : widths) {
            list.add(new Case(1, 3, 5, 1, a(3, w), a(3, 3), a(1, 1), a(1, 1), a(1, 1), a(1, 1), true, true, true));
            list.add(new Case(1, 5, 5, 5, a(3, w), a(3, 3), a(1, 1), a(1, 1), a(1, 1), a(1, 1), true, false, true));
            list.add(new Case(1, 4, 3, 1, a(2, w), a(1, 1), a(1, 1), a(1, 1), a(0, 0), a(0, 0), false, false, true));
        }
        return list.stream();
    }

    private static int[] a(int... v) {
        return v;
    }

    @ParameterizedTest
    @MethodSource("cases")
    void matchesReference(Case tc) {
        ConvGeometry g = tc.geometry();
        Random rnd = new Random(Arrays.hashCode(new int[] {tc.c, tc.m, tc.in[tc.in.length - 1], tc.group, tc.s[0]}));
        try (Arena arena = Arena.ofConfined()) {
            long inN = (long) tc.n * tc.c * g.inSpatial();
            long wN = (long) tc.m * (tc.c / tc.group) * g.kernelSize();
            long outN = (long) tc.n * tc.m * g.outSpatial();
            MemorySegment in = random(arena, inN, rnd, tc.specials);
            MemorySegment w = random(arena, wN, rnd, false);
            MemorySegment bias = tc.bias ? random(arena, tc.m, rnd, false) : null;
            MemorySegment expected = filled(arena, outN, SENTINEL);
            MemorySegment actual = filled(arena, outN, SENTINEL);
            ConvRef.conv(expected, in, w, bias, g, tc.relu);
            Conv.conv(actual, in, w, bias, g, tc.relu);
            assertClose(expected, actual, outN, 1e-5, tc.toString());
            // The same with the weights packed ahead, as a model's constant weights are at load time.
            MemorySegment packed = filled(arena, Conv.packedWeightFloats(g), Float.NaN);
            Conv.packWeights(packed, w, g);
            MemorySegment prepacked = filled(arena, outN, SENTINEL);
            Gemm.Epilogue ep = bias == null ? Gemm.Epilogue.scaled(1f, tc.relu) : Gemm.Epilogue.rowBias(bias, 0, tc.relu);
            Conv.conv(prepacked, in, w, packed, g, ep);
            assertClose(expected, prepacked, outN, 1e-5, tc + " prepacked");
        }
    }

    /**
     * Every fused epilogue (residual add, then LeakyReLU, Sigmoid, GELU) against the unfused sequence: the plain
     * reference convolution, then the residual add, then the reference activation.
     */
    @ParameterizedTest
    @MethodSource("cases")
    void fusedEpiloguesMatchTheUnfusedSequence(Case tc) {
        ConvGeometry g = tc.geometry();
        Random rnd = new Random(Arrays.hashCode(new int[] {tc.m, tc.c, tc.group, 7}));
        try (Arena arena = Arena.ofConfined()) {
            long inN = (long) tc.n * tc.c * g.inSpatial();
            long wN = (long) tc.m * (tc.c / tc.group) * g.kernelSize();
            long outN = (long) tc.n * tc.m * g.outSpatial();
            MemorySegment in = random(arena, inN, rnd, false);
            MemorySegment w = random(arena, wN, rnd, false);
            MemorySegment bias = random(arena, tc.m, rnd, false);
            MemorySegment res = random(arena, outN, rnd, false);
            MemorySegment plain = filled(arena, outN, SENTINEL);
            ConvRef.conv(plain, in, w, bias, g, false);
            for (long i = 0; i < outN; i++) {
                plain.setAtIndex(F32, i, plain.getAtIndex(F32, i) + res.getAtIndex(F32, i));
            }
            for (Gemm.Act act : Gemm.Act.values()) {
                MemorySegment expected = filled(arena, outN, SENTINEL);
                switch (act) {
                    case NONE -> MemorySegment.copy(plain, 0, expected, 0, outN * 4);
                    case RELU -> ActivationRef.relu(expected, 0, plain, 0, outN);
                    case LEAKY_RELU -> ActivationRef.leakyRelu(expected, 0, plain, 0, outN, 0.1f);
                    case SIGMOID -> ActivationRef.sigmoid(expected, 0, plain, 0, outN);
                    case GELU -> ActivationRef.gelu(expected, 0, plain, 0, outN);
                    case GELU_TANH -> ActivationRef.geluTanh(expected, 0, plain, 0, outN);
                    case CLIP -> ActivationRef.clip(expected, 0, plain, 0, outN, 0.1f, 0.6f);
                }
                MemorySegment actual = filled(arena, outN, SENTINEL);
                Conv.conv(actual, in, w, null, g, Gemm.Epilogue.rowBias(bias, 0, false).withAct(act, 0.1f, act == Gemm.Act.CLIP ? 0.6f : Float.POSITIVE_INFINITY).withResidual(res));
                assertClose(expected, actual, outN, 1e-5, tc + " " + act + " + residual");
            }
        }
    }

    @Test
    void depthwiseKernelMatchesReferenceAtAnyStride() {
        for (int st = 1; st <= 3; st++) {
            Case tc = new Case(2, 5, 10, 5, a(6, 3 * T + 1), a(3, 3), a(st, st), a(1, 2), a(1, 2), a(2, 1), true, true, true);
            ConvGeometry g = tc.geometry();
            Random rnd = new Random(st);
            try (Arena arena = Arena.ofConfined()) {
                long outN = (long) tc.n * tc.m * g.outSpatial();
                MemorySegment in = random(arena, (long) tc.n * tc.c * g.inSpatial(), rnd, true);
                MemorySegment w = random(arena, (long) tc.m * g.kernelSize(), rnd, false);
                MemorySegment bias = random(arena, tc.m, rnd, false);
                MemorySegment expected = filled(arena, outN, SENTINEL);
                MemorySegment actual = filled(arena, outN, SENTINEL);
                ConvRef.conv(expected, in, w, bias, g, true);
                DepthwiseConv.conv(actual, in, w, bias, g, true);
                assertClose(expected, actual, outN, 1e-5, tc.toString());
            }
        }
    }

    /**
     * The depthwise flat path (3×3, unit stride, same-size output, small planes): planes of exactly a vector, of a
     * vector and a bit (the last vector overlaps), wider and narrower than a vector, symmetric and one-sided pads, channel
     * multipliers 1 and 2, ReLU6, and NaN/Inf inputs next to the padding; the first and last planes' border
     * vectors take the one-output-at-a-time path.
     */
    @Test
    void depthwiseFlatPathMatchesReference() {
        int[][] sizes = {a(1, T), a(2, T / 2 + 1), a(3, T + 1), a(7, 7), a(14, 14)};
        int[][][] pads = {{a(1, 1), a(1, 1)}, {a(2, 0), a(0, 2)}, {a(0, 2), a(2, 0)}};
        int seed = 0;
        for (int[] hw : sizes) {
            for (int[][] pad : pads) {
                for (int mult : new int[] {1, 2}) {
                    Case tc = new Case(2, 3, 3 * mult, 3, hw, a(3, 3), a(1, 1), a(1, 1), pad[0], pad[1], true, false,
                            seed % 2 == 0);
                    ConvGeometry g = tc.geometry();
                    if (hw[0] * hw[1] < T) {
                        continue;
                    }
                    assertTrue(DepthwiseConv.usesFlat(g), tc.toString());
                    assertDepthwiseReLU6MatchesReference(tc, ++seed);
                }
            }
        }
    }

    /**
     * The depthwise halving path (3×3, stride 2): output rows of exactly a vector and of a vector and a bit, even
     * and odd input sizes, pads on both sides, before only and after only, channel multipliers 1 and 2, ReLU6,
     * and NaN/Inf inputs next to the padding.
     */
    @Test
    void depthwiseHalvingPathMatchesReference() {
        int[][] sizes = {a(3, 2 * T), a(4, 2 * T + 1), a(7, 2 * T + 5), a(2, 6 * T + 3)};
        int[][][] pads = {{a(1, 1), a(1, 1)}, {a(0, 0), a(1, 1)}, {a(1, 1), a(0, 0)}};
        int seed = 100;
        for (int[] hw : sizes) {
            for (int[][] pad : pads) {
                for (int mult : new int[] {1, 2}) {
                    Case tc = new Case(2, 3, 3 * mult, 3, hw, a(3, 3), a(2, 2), a(1, 1), pad[0], pad[1], true, false,
                            seed % 2 == 0);
                    ConvGeometry g = tc.geometry();
                    if (g.outW < T) {
                        continue;
                    }
                    assertTrue(DepthwiseConv.usesHalving(g), tc.toString());
                    assertDepthwiseReLU6MatchesReference(tc, ++seed);
                }
            }
        }
    }

    /** {@link DepthwiseConv} with a bias and ReLU6 on random input (NaN/Inf if {@code tc.specials}) against the reference. */
    private static void assertDepthwiseReLU6MatchesReference(Case tc, long seed) {
        ConvGeometry g = tc.geometry();
        Random rnd = new Random(seed);
        try (Arena arena = Arena.ofConfined()) {
            long outN = (long) tc.n * tc.m * g.outSpatial();
            MemorySegment in = random(arena, (long) tc.n * tc.c * g.inSpatial(), rnd, tc.specials);
            MemorySegment w = random(arena, (long) tc.m * g.kernelSize(), rnd, false);
            MemorySegment bias = random(arena, tc.m, rnd, false);
            MemorySegment expected = filled(arena, outN, SENTINEL);
            ConvRef.conv(expected, in, w, bias, g, false);
            ActivationRef.clip(expected, 0, expected, 0, outN, 0f, 0.6f);
            MemorySegment actual = filled(arena, outN, SENTINEL);
            DepthwiseConv.conv(actual, in, w, bias, g, 0f, 0.6f);
            assertClose(expected, actual, outN, 1e-5, tc.toString());
        }
    }

    /** ReLU6/Clip and ReLU applied inside the depthwise kernel (no residual) against the reference then a clamp. */
    @Test
    void depthwiseClampsInTheKernel() {
        for (int st = 1; st <= 2; st++) {
            for (int[] k : new int[][] {a(3, 3), a(5, 5), a(2, 3)}) {
                Case tc = new Case(2, 6, 6, 6, a(7, 2 * T + 3), k, a(st, st), a(1, 1), a(1, 2), a(2, 1), true, false, false);
                ConvGeometry g = tc.geometry();
                Random rnd = new Random(31 * st + k[0]);
                try (Arena arena = Arena.ofConfined()) {
                    long outN = (long) tc.n * tc.m * g.outSpatial();
                    MemorySegment in = random(arena, (long) tc.n * tc.c * g.inSpatial(), rnd, false);
                    MemorySegment w = random(arena, (long) tc.m * g.kernelSize(), rnd, false);
                    MemorySegment bias = random(arena, tc.m, rnd, false);
                    MemorySegment plain = filled(arena, outN, SENTINEL);
                    ConvRef.conv(plain, in, w, bias, g, false);
                    for (Gemm.Act act : new Gemm.Act[] {Gemm.Act.CLIP, Gemm.Act.RELU, Gemm.Act.NONE}) {
                        MemorySegment expected = filled(arena, outN, SENTINEL);
                        switch (act) {
                            case CLIP -> ActivationRef.clip(expected, 0, plain, 0, outN, -0.2f, 0.6f);
                            case RELU -> ActivationRef.relu(expected, 0, plain, 0, outN);
                            default -> MemorySegment.copy(plain, 0, expected, 0, outN * 4);
                        }
                        MemorySegment actual = filled(arena, outN, SENTINEL);
                        Conv.conv(actual, in, w, null, g, Gemm.Epilogue.rowBias(bias, 0, false).withAct(act, -0.2f,
                                act == Gemm.Act.CLIP ? 0.6f : Float.POSITIVE_INFINITY));
                        assertClose(expected, actual, outN, 1e-5, tc + " " + act);
                    }
                }
            }
        }
    }

    /**
     * Every path (grid at strides 1 and 2, the direct 1×1, depthwise, 3-D im2col), with a bias, a residual and
     * ReLU, gives the same bits on 2 and 3 threads as on one: batches go image by image, single images panel by
     * panel, or, when small, by output channels.
     */
    @Test
    void threadsDoNotChangeTheBits() {
        Case[] cases = {
            new Case(3, 8, 12, 1, a(20, 21), a(3, 3), a(1, 1), a(1, 1), a(1, 1), a(1, 1), true, false, false),
            new Case(1, 8, 12, 1, a(40, 41), a(3, 3), a(1, 1), a(1, 1), a(1, 1), a(1, 1), true, false, false),
            // Small single images, split by output channels: a last strip of 2 rows, a stride, a strided 1×1.
            new Case(1, 6, 10, 1, a(15, 17), a(3, 3), a(2, 2), a(1, 1), a(1, 1), a(1, 1), true, false, false),
            new Case(1, 8, 20, 1, a(9, 9), a(1, 1), a(2, 2), a(1, 1), a(0, 0), a(0, 0), true, false, false),
            new Case(3, 8, 12, 1, a(21, 20), a(3, 3), a(2, 2), a(1, 1), a(1, 1), a(1, 1), true, false, false),
            new Case(3, 16, 32, 1, a(30, 31), a(1, 1), a(1, 1), a(1, 1), a(0, 0), a(0, 0), true, false, false),
            new Case(3, 24, 24, 24, a(32, 33), a(3, 3), a(1, 1), a(1, 1), a(1, 1), a(1, 1), true, false, false),
            new Case(2, 6, 8, 1, a(6, 9, 10), a(3, 3, 3), a(1, 1, 1), a(1, 1, 1), a(1, 1, 1), a(1, 1, 1), true, false, false),
        };
        try (Arena arena = Arena.ofShared()) {
            for (Case tc : cases) {
                ConvGeometry g = tc.geometry();
                Random rnd = new Random(tc.c * 131 + tc.m);
                long outN = (long) tc.n * tc.m * g.outSpatial();
                MemorySegment in = random(arena, (long) tc.n * tc.c * g.inSpatial(), rnd, false);
                MemorySegment w = random(arena, (long) tc.m * (tc.c / tc.group) * g.kernelSize(), rnd, false);
                MemorySegment bias = random(arena, tc.m, rnd, false);
                MemorySegment res = random(arena, outN, rnd, false);
                // ReLU is applied in the tile, GELU in the compaction, after the residual.
                Gemm.Epilogue relu = Gemm.Epilogue.rowBias(bias, 0, true).withResidual(res);
                Gemm.Epilogue gelu = Gemm.Epilogue.rowBias(bias, 0, false).withAct(Gemm.Act.GELU, 0f, 0f)
                        .withResidual(res);
                for (Gemm.Epilogue ep : new Gemm.Epilogue[] {relu, gelu}) {
                    MemorySegment one = filled(arena, outN, SENTINEL);
                    Parallel.setParallelism(1);
                    Conv.conv(one, in, w, null, g, ep);
                    for (int threads = 2; threads <= 3; threads++) {
                        MemorySegment many = filled(arena, outN, SENTINEL);
                        onThreads(threads, () -> Conv.conv(many, in, w, null, g, ep));
                        assertEquals(-1L, one.mismatch(many), tc + " " + ep.act() + " on " + threads + " threads");
                    }
                }
            }
        }
    }

    /**
     * Short-k convolutions on larger maps, which the grid computes in blocks of panels, strip after strip: the
     * last panel staged (a direct 1×1) or cut, a last strip of fewer rows, bias and residual applied per tile, and
     * on 2 threads (several blocks per image) the same result.
     */
    @Test
    void blocksOfPanelsMatchTheReference() {
        Case[] cases = {
            new Case(1, 16, 21, 1, a(40, 37), a(1, 1), a(1, 1), a(1, 1), a(0, 0), a(0, 0), true, true, false),
            new Case(2, 3, 10, 1, a(45, 43), a(3, 3), a(2, 2), a(1, 1), a(1, 1), a(1, 1), true, true, false),
            new Case(1, 5, 6, 1, a(33, 3 * T + 5), a(3, 3), a(1, 1), a(1, 1), a(1, 1), a(1, 1), true, false, false),
        };
        try (Arena arena = Arena.ofShared()) {
            for (Case tc : cases) {
                ConvGeometry g = tc.geometry();
                Random rnd = new Random(tc.c * 13 + tc.m);
                long outN = (long) tc.n * tc.m * g.outSpatial();
                MemorySegment in = random(arena, (long) tc.n * tc.c * g.inSpatial(), rnd, false);
                MemorySegment w = random(arena, (long) tc.m * tc.c * g.kernelSize(), rnd, false);
                MemorySegment bias = random(arena, tc.m, rnd, false);
                MemorySegment res = random(arena, outN, rnd, false);
                MemorySegment expected = filled(arena, outN, SENTINEL);
                ConvRef.conv(expected, in, w, bias, g, false);
                for (long i = 0; i < outN; i++) {
                    float v = expected.getAtIndex(F32, i) + res.getAtIndex(F32, i);
                    expected.setAtIndex(F32, i, tc.relu ? Math.max(v, 0f) : v);
                }
                Gemm.Epilogue ep = Gemm.Epilogue.rowBias(bias, 0, tc.relu).withResidual(res);
                MemorySegment one = filled(arena, outN, SENTINEL);
                Parallel.setParallelism(1);
                Conv.conv(one, in, w, null, g, ep);
                assertClose(expected, one, outN, 1e-5, tc.toString());
                MemorySegment two = filled(arena, outN, SENTINEL);
                onThreads(2, () -> Conv.conv(two, in, w, null, g, ep));
                assertEquals(-1L, one.mismatch(two), tc + " on 2 threads");
            }
        }
    }

    /**
     * Channels of the padded, phase-split input copied by different threads (a strided grid conv, and Winograd's
     * stride-2 tiles), with no padding, so that each channel's last phase row ends right where the next channel
     * starts: a store spilling past it clobbered a neighbour now and then. Repeated, since it was a race.
     */
    @Test
    void parallelPaddedCopiesKeepToTheirChannels() {
        Case[] cases = {
            new Case(1, 48, 32, 1, a(2 * T + 2, 2 * T + 2), a(3, 3), a(2, 2), a(1, 1), a(0, 0), a(0, 0), true, false, false),
            new Case(1, 40, 32, 1, a(12, 3 * T + 5), a(3, 3), a(1, 1), a(1, 1), a(0, 0), a(0, 0), true, false, false),
        };
        try (Arena arena = Arena.ofShared()) {
            for (Case tc : cases) {
                ConvGeometry g = tc.geometry();
                Random rnd = new Random(tc.c);
                long outN = (long) tc.n * tc.m * g.outSpatial();
                MemorySegment in = random(arena, (long) tc.n * tc.c * g.inSpatial(), rnd, false);
                MemorySegment w = random(arena, (long) tc.m * tc.c * 9, rnd, false);
                MemorySegment bias = random(arena, tc.m, rnd, false);
                MemorySegment u = arena.allocate(Winograd.packedFloats(tc.m, tc.c) * 4, 64);
                Winograd.packWeights(u, w, tc.m, tc.c);
                MemorySegment uOrNull = Winograd.pays(g, Gemm.Epilogue.NONE) ? u : null;
                Gemm.Epilogue ep = Gemm.Epilogue.rowBias(bias, 0, false);
                MemorySegment one = filled(arena, outN, SENTINEL);
                Parallel.setParallelism(1);
                Conv.conv(one, in, w, null, uOrNull, g, ep);
                for (int run = 0; run < 30; run++) {
                    MemorySegment two = filled(arena, outN, SENTINEL);
                    onThreads(2, () -> Conv.conv(two, in, w, null, uOrNull, g, ep));
                    assertEquals(-1L, one.mismatch(two), tc + " on 2 threads, run " + run);
                }
            }
        }
    }

    /**
     * Winograd F(2×2, 3×3) against the reference: even and odd maps, 'same' and 'valid' and uneven padding,
     * channel counts that are not multiples of the tile (nor of the weight packing's block), a batch, and every epilogue it applies (bias, residual,
     * ReLU, Clip). Its rounding differs from the direct sum's, hence the looser tolerance.
     */
    @Test
    void winogradMatchesTheReference() {
        Case[] cases = {
            new Case(2, 32, 32, 1, a(14, 14), a(3, 3), a(1, 1), a(1, 1), a(1, 1), a(1, 1), true, false, false),
            new Case(1, 33, 34, 1, a(13, 15), a(3, 3), a(1, 1), a(1, 1), a(1, 1), a(1, 1), true, false, false),
            new Case(1, 40, 32, 1, a(12, 3 * T + 5), a(3, 3), a(1, 1), a(1, 1), a(0, 0), a(0, 0), true, false, false),
            new Case(2, 32, 36, 1, a(11, 2 * T + 2), a(3, 3), a(1, 1), a(1, 1), a(2, 0), a(1, 2), true, false, false),
            new Case(1, 32, 38, 1, a(32, 30), a(3, 3), a(1, 1), a(1, 1), a(1, 1), a(1, 1), true, false, false),
            // more input channels than packWeights' block of 64, the last block partial
            new Case(1, 150, 33, 1, a(20, 22), a(3, 3), a(1, 1), a(1, 1), a(1, 1), a(1, 1), true, false, false),
        };
        try (Arena arena = Arena.ofShared()) {
            for (Case tc : cases) {
                ConvGeometry g = tc.geometry();
                Random rnd = new Random(tc.c * 7 + tc.m);
                long outN = (long) tc.n * tc.m * g.outSpatial();
                MemorySegment in = random(arena, (long) tc.n * tc.c * g.inSpatial(), rnd, false);
                MemorySegment w = random(arena, (long) tc.m * tc.c * 9, rnd, false);
                MemorySegment bias = random(arena, tc.m, rnd, false);
                MemorySegment res = random(arena, outN, rnd, false);
                MemorySegment u = arena.allocate(Winograd.packedFloats(tc.m, tc.c) * 4, 64);
                Winograd.packWeights(u, w, tc.m, tc.c);
                MemorySegment plain = filled(arena, outN, SENTINEL);
                ConvRef.conv(plain, in, w, bias, g, false);
                for (Gemm.Act act : new Gemm.Act[] {Gemm.Act.NONE, Gemm.Act.RELU, Gemm.Act.CLIP}) {
                    for (boolean withResidual : new boolean[] {false, true}) {
                        MemorySegment expected = epilogueReference(arena, plain, withResidual ? res : null, outN, act);
                        Gemm.Epilogue ep = Gemm.Epilogue.rowBias(bias, 0, false).withAct(act, -0.5f,
                                act == Gemm.Act.CLIP ? 0.5f : Float.POSITIVE_INFINITY);
                        if (withResidual) {
                            ep = ep.withResidual(res);
                        }
                        assertEquals(!Vectors.SCALAR, Winograd.pays(g, ep), tc + " should take the Winograd path");
                        MemorySegment actual = filled(arena, outN, SENTINEL);
                        Conv.conv(actual, in, w, null, u, g, ep);
                        assertClose(expected, actual, outN, 2e-5, tc + " " + act + (withResidual ? " + residual" : ""));
                        MemorySegment twoThreads = filled(arena, outN, SENTINEL);
                        Gemm.Epilogue used = ep;
                        onThreads(2, () -> Conv.conv(twoThreads, in, w, null, u, g, used));
                        assertEquals(-1L, actual.mismatch(twoThreads), tc + " on 2 threads");
                    }
                }
            }
        }
    }

    @Test
    void outputSizeArithmetic() {
        assertEquals(3, ConvGeometry.outputSize(5, 3, 1, 1, 0, 0, false));
        assertEquals(5, ConvGeometry.outputSize(5, 3, 1, 1, 1, 1, false));
        assertEquals(3, ConvGeometry.outputSize(7, 3, 2, 1, 0, 0, false));
        assertEquals(1, ConvGeometry.outputSize(4, 3, 2, 1, 0, 0, false));
        assertEquals(2, ConvGeometry.outputSize(4, 3, 2, 1, 0, 0, true));
        // ceil_mode never starts a window in the trailing padding: 5 + 1 + 1 - 2 = 5, ceil(5/2)+1 = 4 -> 3.
        assertEquals(3, ConvGeometry.outputSize(5, 2, 2, 1, 1, 1, true));
        assertEquals(0, ConvGeometry.outputSize(2, 3, 1, 1, 0, 0, false));
        assertEquals(3, ConvGeometry.outputSize(7, 3, 1, 2, 0, 0, false));
        assertEquals(Arrays.toString(new long[] {1, 1}), Arrays.toString(ConvGeometry.samePads(5, 3, 1, 1, true)));
        assertEquals(Arrays.toString(new long[] {0, 1}), Arrays.toString(ConvGeometry.samePads(4, 3, 2, 1, true)));
        assertEquals(Arrays.toString(new long[] {1, 0}), Arrays.toString(ConvGeometry.samePads(4, 3, 2, 1, false)));
        assertEquals(Arrays.toString(new long[] {0, 0}), Arrays.toString(ConvGeometry.samePads(6, 1, 3, 1, true)));
        assertEquals(2, ConvGeometry.tapsInside(-1, 3, 1, 0, 5));
        assertEquals(1, ConvGeometry.tapsInside(-2, 2, 2, 0, 5));
        assertEquals(0, ConvGeometry.tapsInside(-3, 2, 1, 0, 5));
    }
}
