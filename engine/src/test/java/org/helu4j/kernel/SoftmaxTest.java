package org.helu4j.kernel;

import static org.helu4j.kernel.ElementwiseTesting.T;
import static org.helu4j.kernel.ElementwiseTesting.assertClose;
import static org.helu4j.kernel.ElementwiseTesting.data;
import static org.helu4j.kernel.ElementwiseTesting.get;
import static org.helu4j.kernel.ElementwiseTesting.sentinel;
import static org.helu4j.kernel.ElementwiseTesting.set;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.helu4j.kernel.ref.SoftmaxRef;
import org.junit.jupiter.api.Test;

/**
 * Softmax and LogSoftmax against the double twin, for [outer, n, inner] views with n and inner around the vector
 * length (inner = 1 is the contiguous-row path, inner > 1 the across-lanes path), with ±0, ±Inf and NaN in some
 * slices, and in place. Tolerance: |err| <= 6e-8 + 3.6e-7 |want| (3 ulps; the sums are compensated, so LogSoftmax
 * outputs near 0 keep their absolute accuracy).
 */
class SoftmaxTest {
    @Test
    void matchesTwin() {
        long[][] views = {{1, 1, 1}, {1, T - 1, 1}, {1, T, 1}, {1, T + 1, 1}, {3, 3L * T + 1, 1}, {2, 5, T + 1},
                {2, 3L * T + 1, 3}, {1, T, T - 1}, {4, 1, 7}, {2, 10, 1}, {1, 0, 3}};
        Random rnd = new Random(11);
        try (Arena arena = Arena.ofConfined()) {
            for (long[] v : views) {
                long size = v[0] * v[1] * v[2];
                for (boolean log : new boolean[] {false, true}) {
                    for (boolean specials : new boolean[] {false, true}) {
                        MemorySegment x = data(arena, specials ? 0 : 1, size, 10, rnd);
                        long xo = specials ? 0 : 1;
                        MemorySegment want = sentinel(arena, size);
                        MemorySegment got = sentinel(arena, size + 2);
                        SoftmaxRef.softmax(want, 0, x, xo, v[0], v[1], v[2], log);
                        Softmax.softmax(got, 2, x, xo, v[0], v[1], v[2], log);
                        String what = (log ? "logSoftmax " : "softmax ") + java.util.Arrays.toString(v);
                        assertClose(want, 0, got, 2, size, 6e-8, 3.6e-7, what);
                        assertEquals(12345.5f, get(got, 2 + size), what + " wrote past the end");
                        Softmax.softmax(x, xo, x, xo, v[0], v[1], v[2], log);
                        assertClose(want, 0, x, xo, size, 6e-8, 3.6e-7, what + " in place");
                    }
                }
            }
        }
    }

    @Test
    void twinGivesKnownValuesAndLargeInputsDoNotOverflow() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = arena.allocate(16, 64);
            MemorySegment y = arena.allocate(16, 64);
            float[] in = {1, 2, 3, 1000};  // the last row shifts by its max: no overflow
            for (int i = 0; i < 4; i++) {
                set(x, i, in[i]);
            }
            Softmax.softmax(y, 0, x, 0, 1, 3, 1, false);
            assertEquals(0.09003057f, get(y, 0), 1e-7);
            assertEquals(0.24472847f, get(y, 1), 1e-7);
            assertEquals(0.66524096f, get(y, 2), 1e-7);
            Softmax.softmax(y, 0, x, 0, 1, 4, 1, true);
            assertEquals(0f, get(y, 3), 1e-6);
            assertEquals(-999f, get(y, 0), 1e-3);
        }
    }
}
