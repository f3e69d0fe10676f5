package org.helu4j.kernel;

import static org.helu4j.kernel.ElementwiseTesting.SIZES;
import static org.helu4j.kernel.ElementwiseTesting.assertClose;
import static org.helu4j.kernel.ElementwiseTesting.data;
import static org.helu4j.kernel.ElementwiseTesting.sentinel;
import static org.helu4j.kernel.ElementwiseTesting.set;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.helu4j.kernel.ref.TrigRef;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Trig against its double twin at sizes around the vector length, with ±0, ±Inf and NaN, over each function's
 * natural range. Tolerance |err| <= 1e-7 + 5e-7 |want| (about 4 ulps); tan and the inverse hyperbolics near their
 * poles and zeros are where the float formulas lose most, and they stay within it.
 */
class TrigTest {
    @ParameterizedTest
    @CsvSource({"0, 10", "1, 10", "2, 1.5", "3, 1.2", "4, 1.2", "5, 50", "6, 20", "7, 20", "8, 1e5", "9, 1e5",
            "10, 1.1"})
    void matchesTwin(int fn, float range) {
        Random rnd = new Random(fn);
        try (Arena arena = Arena.ofConfined()) {
            for (long n : SIZES) {
                for (float r : new float[] {range, Math.min(range, 1.01f)}) {
                    MemorySegment x = data(arena, 1, n, r, rnd);
                    if (fn == Trig.ACOSH) {  // shift into the domain, keeping 1 itself and values just above
                        for (long i = 6; i < n + 1; i++) {
                            set(x, i, 1 + Math.abs(ElementwiseTesting.get(x, i)));
                        }
                    }
                    MemorySegment want = sentinel(arena, n);
                    MemorySegment got = sentinel(arena, n + 2);
                    TrigRef.apply(fn, want, 0, x, 1, n);
                    Trig.apply(fn, got, 2, x, 1, n);
                    assertClose(want, 0, got, 2, n, 1e-7, 5e-7, "trig " + fn);
                    assertEquals(12345.5f, ElementwiseTesting.get(got, 2 + n), "wrote past the end");
                }
            }
        }
    }
}
