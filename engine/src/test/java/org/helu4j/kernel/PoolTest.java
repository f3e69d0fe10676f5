package org.helu4j.kernel;

import static org.helu4j.kernel.KernelTesting.SENTINEL;
import static org.helu4j.kernel.KernelTesting.assertClose;
import static org.helu4j.kernel.KernelTesting.filled;
import static org.helu4j.kernel.KernelTesting.onThreads;
import static org.helu4j.kernel.KernelTesting.random;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.helu4j.kernel.ref.PoolRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link Pool} against {@link PoolRef}: max and average, strides, pads, dilations, ceil mode, specials. */
class PoolTest {
    private static final int T = Vectors.LANES;

    record Case(int n, int c, int[] in, int[] k, int[] s, int[] d, int[] pb, int[] pe, boolean ceil, boolean specials) {
        ConvGeometry geometry() {
            int[] out = new int[in.length];
            for (int i = 0; i < in.length; i++) {
                out[i] = (int) ConvGeometry.outputSize(in[i], k[i], s[i], d[i], pb[i], pe[i], ceil);
            }
            return new ConvGeometry(n, c, c, 1, in, k, s, d, pb, pe, out);
        }

        @Override
        public String toString() {
            return "N" + n + " C" + c + " in" + Arrays.toString(in) + " k" + Arrays.toString(k) + " s" + Arrays.toString(s)
                    + " d" + Arrays.toString(d) + " pads" + Arrays.toString(pb) + Arrays.toString(pe)
                    + (ceil ? " ceil" : "") + (specials ? " specials" : "");
        }
    }

    static Stream<Case> cases() {
        List<Case> list = new ArrayList<>();
        int[] widths = {Math.max(T - 1, 1), T, T + 1, 3 * T + 1};
        for (int w : widths) {
            for (int c : new int[] {1, 3, 5, 17}) {
                list.add(new Case(1, c, a(4, w + 2), a(3, 3), a(1, 1), a(1, 1), a(1, 1), a(1, 1), false, false));
            }
            for (int st : new int[] {1, 2, 3}) {
                for (int dl : new int[] {1, 2}) {
                    for (boolean ceil : new boolean[] {false, true}) {
                        list.add(new Case(2, 3, a(7, w + 4), a(3, 2), a(st, st), a(dl, dl), a(1, 0), a(2, 1), ceil, false));
                    }
                }
            }
            list.add(new Case(2, 3, a(w + 1), a(3), a(2), a(1), a(1), a(1), true, false));
            list.add(new Case(1, 5, a(w + 2), a(4), a(1), a(2), a(0), a(3), false, false));
            list.add(new Case(2, 2, a(3, 4, w + 2), a(2, 2, 3), a(1, 2, 1), a(1, 1, 1), a(0, 1, 1), a(1, 0, 1), true, false));
            list.add(new Case(1, 3, a(5, w + 3), a(3, 3), a(2, 2), a(1, 1), a(1, 1), a(1, 1), true, true));
            list.add(new Case(1, 3, a(5, w + 3), a(2, 4), a(1, 1), a(1, 1), a(0, 2), a(1, 1), false, true));
            // No W padding: the row-buffer-free path (every window inside the W extent).
            list.add(new Case(2, 3, a(w + 3, w + 1), a(2, 2), a(2, 2), a(1, 1), a(0, 0), a(0, 0), false, true));
            list.add(new Case(1, 5, a(6, 2 * w + 1), a(3, 3), a(2, 2), a(1, 1), a(1, 0), a(1, 0), false, false));
            list.add(new Case(1, 2, a(5, 3 * w + 2), a(2, 3), a(1, 3), a(1, 2), a(0, 0), a(0, 0), false, false));
            list.add(new Case(1, 2, a(4, w + 5), a(2, 4), a(1, 1), a(1, 1), a(0, 0), a(0, 0), false, true));
            list.add(new Case(1, 2, a(3, 4, w + 2), a(2, 2, 2), a(2, 1, 2), a(1, 1, 1), a(1, 0, 0), a(0, 1, 0), false, false));
        }
        return list.stream();
    }

    private static int[] a(int... v) {
        return v;
    }

    @ParameterizedTest
    @MethodSource("cases")
    void maxMatchesReference(Case tc) {
        check(tc, 0);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void averageMatchesReference(Case tc) {
        check(tc, 1);
        check(tc, 2);
    }

    /** kind 0: max, 1: average, 2: average counting the padding. */
    private static void check(Case tc, int kind) {
        ConvGeometry g = tc.geometry();
        Random rnd = new Random(Arrays.hashCode(tc.in) + 31 * tc.s[0] + kind);
        try (Arena arena = Arena.ofConfined()) {
            long outN = (long) tc.n * tc.c * g.outSpatial();
            MemorySegment in = random(arena, (long) tc.n * tc.c * g.inSpatial(), rnd, tc.specials);
            MemorySegment expected = filled(arena, outN, SENTINEL);
            MemorySegment actual = filled(arena, outN, SENTINEL);
            MemorySegment scratch = filled(arena, Pool.scratchFloats(g), Float.NaN);
            if (kind == 0) {
                PoolRef.maxPool(expected, null, in, g, false);
                Pool.maxPool(actual, in, g, scratch);
            } else {
                PoolRef.avgPool(expected, in, g, kind == 2);
                Pool.avgPool(actual, in, g, kind == 2, scratch);
            }
            assertClose(expected, actual, outN, 1e-5, (kind == 0 ? "max " : kind == 1 ? "avg " : "avg+pad ") + tc);
        }
    }

    /** Big enough to be split over threads: both paths (row buffer, direct) give the reference's values on 2 threads. */
    @Test
    void parallelPoolsMatchTheReference() {
        Case[] cases = {
            new Case(2, 64, a(56, 57), a(3, 3), a(2, 2), a(1, 1), a(1, 1), a(1, 1), false, false),
            new Case(2, 64, a(56, 56), a(2, 2), a(2, 2), a(1, 1), a(0, 0), a(0, 0), false, false),
        };
        try (Arena arena = Arena.ofShared()) {
            for (Case tc : cases) {
                ConvGeometry g = tc.geometry();
                long outN = (long) tc.n * tc.c * g.outSpatial();
                MemorySegment in = random(arena, (long) tc.n * tc.c * g.inSpatial(), new Random(7), false);
                MemorySegment scratch = filled(arena, Pool.scratchFloats(g), Float.NaN);
                for (int kind = 0; kind < 3; kind++) {
                    MemorySegment expected = filled(arena, outN, SENTINEL);
                    MemorySegment actual = filled(arena, outN, SENTINEL);
                    int k = kind;
                    onThreads(2, () -> {
                        if (k == 0) {
                            PoolRef.maxPool(expected, null, in, g, false);
                            Pool.maxPool(actual, in, g, scratch);
                        } else {
                            PoolRef.avgPool(expected, in, g, k == 2);
                            Pool.avgPool(actual, in, g, k == 2, scratch);
                        }
                    });
                    assertClose(expected, actual, outN, 1e-5, "kind " + kind + " " + tc);
                }
            }
        }
    }

    @Test
    void globalPoolsMatchReference() {
        for (int spatial : new int[] {1, Math.max(T - 1, 1), T, T + 1, 3 * T + 1, 49}) {
            for (int planes : new int[] {1, 3, 5}) {
                for (boolean specials : new boolean[] {false, true}) {
                    Random rnd = new Random(spatial * 7L + planes);
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment in = random(arena, (long) spatial * planes, rnd, specials);
                        MemorySegment expected = filled(arena, planes, SENTINEL);
                        MemorySegment actual = filled(arena, planes, SENTINEL);
                        String what = "spatial " + spatial + " planes " + planes + (specials ? " specials" : "");
                        PoolRef.globalAvg(expected, in, planes, spatial);
                        Pool.globalAvg(actual, in, planes, spatial);
                        assertClose(expected, actual, planes, 1e-5, "global avg " + what);
                        PoolRef.globalMax(expected, in, planes, spatial);
                        Pool.globalMax(actual, in, planes, spatial);
                        assertClose(expected, actual, planes, 0, "global max " + what);
                    }
                }
            }
        }
    }

    @Test
    void maxIndicesRowAndColumnMajor() {
        // One 3x4 plane (batch 1, 2 channels), 2x2 windows, stride 2: the max of each window is its last element.
        float[] x = new float[24];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
        }
        ConvGeometry g = new ConvGeometry(1, 2, 2, 1, a(3, 4), a(2, 2), a(2, 2), a(1, 1), a(0, 0), a(0, 0), a(1, 2));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(24 * 4, 64);
            MemorySegment.copy(x, 0, in, ValueLayout.JAVA_FLOAT, 0, 24);
            MemorySegment out = arena.allocate(4 * 4, 64);
            MemorySegment idx = arena.allocate(4 * 8, 64);
            Pool.maxPoolWithIndices(out, idx, in, g, false);
            assertEquals("[5, 7, 17, 19]", Arrays.toString(idx.toArray(ValueLayout.JAVA_LONG)));
            assertEquals("[5.0, 7.0, 17.0, 19.0]", Arrays.toString(out.toArray(ValueLayout.JAVA_FLOAT)));
            Pool.maxPoolWithIndices(out, idx, in, g, true);
            // Column-major within the plane: (h, w) -> h + 3 * w.
            assertEquals("[4, 10, 16, 22]", Arrays.toString(idx.toArray(ValueLayout.JAVA_LONG)));
        }
    }

    @Test
    void absurdPaddingNeedsNoScratch() {
        // A 1-element row padded by a million on each side, stride a million: three windows, one of them on data.
        ConvGeometry g = new ConvGeometry(1, 1, 1, 1, a(1), a(1), a(1_000_000), a(1), a(1_000_000), a(1_000_000), a(3));
        assertEquals(0, Pool.scratchFloats(g));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = filled(arena, 1, 2.5f);
            MemorySegment out = filled(arena, 3, SENTINEL);
            Pool.maxPool(out, in, g, MemorySegment.NULL);
            assertEquals("[-Infinity, 2.5, -Infinity]", Arrays.toString(out.toArray(ValueLayout.JAVA_FLOAT)));
            Pool.avgPool(out, in, g, true, MemorySegment.NULL);
            assertEquals("[0.0, 2.5, 0.0]", Arrays.toString(out.toArray(ValueLayout.JAVA_FLOAT)));
        }
    }
}
