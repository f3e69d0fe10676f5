package org.helu4j.kernel;

import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

/** Helpers for the elementwise kernel tests: sizes around the vector length, data, and a per-op tolerance. */
final class ElementwiseTesting {
    static final int T = Vectors.LANES;
    /** Sizes around the vector length, plus empty and one. */
    static final long[] SIZES = {0, 1, T - 1, T, T + 1, 3L * T + 1};
    static final float[] SPECIALS = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f};

    private ElementwiseTesting() {
    }

    /**
     * {@code n} floats from element {@code off} on, uniform in [-range, range), with the special values first (as
     * far as they fit); the {@code off} elements before are random too.
     */
    static MemorySegment data(Arena arena, long off, long n, float range, Random rnd) {
        MemorySegment s = arena.allocate((off + Math.max(n, 1)) * 4 + 64, 64);
        for (long i = 0; i < off + n; i++) {
            long k = i - off;
            float v = k >= 0 && k < SPECIALS.length ? SPECIALS[(int) k] : (rnd.nextFloat() * 2 - 1) * range;
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, v);
        }
        return s;
    }

    /** A buffer of {@code n} elements (plus slack) full of a sentinel, so that unwritten elements show. */
    static MemorySegment sentinel(Arena arena, long n) {
        MemorySegment s = arena.allocate(Math.max(n, 1) * 4 + 64, 64);
        for (long i = 0; i < s.byteSize() / 4; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, 12345.5f);
        }
        return s;
    }

    /**
     * Asserts {@code |a - e| <= atol + rtol * |e|} for n elements from the given offsets. NaN must meet NaN, an
     * infinity the same infinity; with a zero tolerance the bits must match, so the sign of zero counts.
     */
    static void assertClose(MemorySegment expected, long eo, MemorySegment actual, long ao, long n, double atol,
            double rtol, String what) {
        for (long i = 0; i < n; i++) {
            float e = expected.getAtIndex(ValueLayout.JAVA_FLOAT, eo + i);
            float a = actual.getAtIndex(ValueLayout.JAVA_FLOAT, ao + i);
            boolean ok;
            if (Float.isNaN(e) || Float.isInfinite(e) || (atol == 0 && rtol == 0)) {
                ok = Float.isNaN(e) ? Float.isNaN(a) : Float.floatToIntBits(e) == Float.floatToIntBits(a);
            } else {
                ok = Math.abs((double) a - e) <= atol + rtol * Math.abs(e);
            }
            if (!ok) {
                fail(what + ", n=" + n + ": element " + i + " is " + a + ", expected " + e + " ("
                        + Vectors.describe() + ")");
            }
        }
    }

    static float get(MemorySegment s, long i) {
        return s.getAtIndex(ValueLayout.JAVA_FLOAT, i);
    }

    static void set(MemorySegment s, long i, float v) {
        s.setAtIndex(ValueLayout.JAVA_FLOAT, i, v);
    }
}
