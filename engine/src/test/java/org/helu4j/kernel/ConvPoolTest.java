package org.helu4j.kernel;

import static org.helu4j.kernel.KernelTesting.SENTINEL;
import static org.helu4j.kernel.KernelTesting.assertClose;
import static org.helu4j.kernel.KernelTesting.filled;
import static org.helu4j.kernel.KernelTesting.onThreads;
import static org.helu4j.kernel.KernelTesting.random;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.helu4j.kernel.ref.PoolRef;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A conv with a fused max pool ({@link Conv#conv} with a pool geometry) gives the very bits of the conv followed by
 * the reference pool (GELU: to within a last bit), on the grid path (pooled while compacting) and on the paths that pool from scratch
 * (pointwise, depthwise, a transformed-weights kernel), on one thread and two, with an epilogue the tile applies
 * (bias, ReLU) and one it leaves to the compaction (GELU).
 */
class ConvPoolTest {
    /** n, c, m, group, h, w, k, s, p of the conv; kH, kW, sH, sW of the pool. */
    private static final int[][] CASES = {
        {1, 8, 8, 1, 28, 28, 3, 1, 1, 2, 2, 2, 2},     // fashion-cnn's
        {2, 3, 10, 1, 13, 15, 3, 1, 1, 3, 3, 2, 2},    // odd maps, windows that overlap, a last strip of 2
        {1, 5, 6, 1, 9, 40, 3, 2, 1, 2, 3, 1, 3},      // a strided conv, a pool stride of 3 in W only
        {1, 4, 12, 1, 7, 7, 3, 1, 1, 7, 7, 1, 1},      // one window: the whole map
        {1, 16, 12, 1, 11, 11, 1, 1, 0, 2, 2, 2, 2},   // pointwise: pooled from scratch
        {1, 8, 8, 8, 12, 12, 3, 1, 1, 2, 2, 2, 2},     // depthwise: pooled from scratch
        {1, 64, 64, 1, 28, 28, 3, 1, 1, 2, 2, 2, 2},   // Winograd's map size
        {1, 256, 64, 1, 7, 7, 3, 1, 1, 2, 2, 2, 2},    // channels-lanes' map size
    };

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void fusedPoolMatchesConvThenPool(int threads) {
        try (Arena arena = Arena.ofShared()) {
            for (int[] c : CASES) {
                int n = c[0], ch = c[1], m = c[2], group = c[3], h = c[4], w = c[5], k = c[6], s = c[7], p = c[8];
                int oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1;
                ConvGeometry g = new ConvGeometry(n, ch, m, group, new int[] {h, w}, new int[] {k, k},
                        new int[] {s, s}, new int[] {1, 1}, new int[] {p, p}, new int[] {p, p}, new int[] {oh, ow});
                int ph = (oh - c[9]) / c[11] + 1, pw = (ow - c[10]) / c[12] + 1;
                ConvGeometry pool = new ConvGeometry(n, m, m, 1, new int[] {oh, ow}, new int[] {c[9], c[10]},
                        new int[] {c[11], c[12]}, new int[] {1, 1}, new int[] {0, 0}, new int[] {0, 0},
                        new int[] {ph, pw});
                Random rnd = new Random(31L * ch + m);
                MemorySegment in = random(arena, (long) n * ch * h * w, rnd, false);
                MemorySegment wt = random(arena, (long) m * (ch / group) * k * k, rnd, false);
                MemorySegment bias = random(arena, m, rnd, false);
                MemorySegment packed = arena.allocate(Conv.packedWeightFloats(g) * 4, 64);
                Conv.packWeights(packed, wt, g);
                Gemm.Epilogue relu = Gemm.Epilogue.rowBias(bias, 0, true);
                Gemm.Epilogue gelu = Gemm.Epilogue.rowBias(bias, 0, false).withAct(Gemm.Act.GELU, 0f, 0f);
                for (Gemm.Epilogue ep : new Gemm.Epilogue[] {relu, gelu}) {
                    Conv.Transform tf = Conv.Transform.of(g, ep);
                    MemorySegment transformed = null;
                    if (tf != Conv.Transform.NONE) {
                        transformed = arena.allocate(tf.floats(g) * 4, 64);
                        tf.pack(transformed, wt, g);
                    }
                    MemorySegment full = filled(arena, (long) n * m * oh * ow, SENTINEL);
                    Conv.conv(full, in, wt, packed, transformed, g, ep);
                    MemorySegment expected = filled(arena, (long) n * m * ph * pw, SENTINEL);
                    PoolRef.maxPool(expected, null, full, pool, false);
                    MemorySegment fused = filled(arena, (long) n * m * ph * pw, SENTINEL);
                    MemorySegment t = transformed;
                    onThreads(threads, () -> Conv.conv(fused, in, wt, packed, t, g, ep, pool));
                    String what = java.util.Arrays.toString(c) + " " + ep.act() + " (" + tf + ") on " + threads
                            + " thread(s)";
                    if (ep.act() == Gemm.Act.RELU) {
                        assertEquals(-1L, expected.mismatch(fused), what);
                    } else {
                        // GELU's vector and scalar forms differ in the last bit; which one an output gets depends on
                        // its place in the row a pass runs over, and the fused pass's rows are the grid's.
                        assertClose(expected, fused, (long) n * m * ph * pw, 1e-6, what);
                    }
                }
            }
        }
    }
}
