package org.helu4j.kernel;

import static org.helu4j.kernel.ElementwiseTesting.SIZES;
import static org.helu4j.kernel.ElementwiseTesting.T;
import static org.helu4j.kernel.ElementwiseTesting.assertClose;
import static org.helu4j.kernel.ElementwiseTesting.data;
import static org.helu4j.kernel.ElementwiseTesting.get;
import static org.helu4j.kernel.ElementwiseTesting.sentinel;
import static org.helu4j.kernel.ElementwiseTesting.set;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.helu4j.kernel.ref.BinaryRef;
import org.helu4j.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The binary kernels against their scalar twin in each layout (both advance, a op scalar, scalar op b), and with
 * broadcasting against a naive multi-index reference, over the shape combinations models use: scalar, per-channel
 * bias [C,1,1], row [1,W], rank mismatch, both sides broadcasting. Arithmetic, Max, Min and PRelu are exact in
 * IEEE float, so they must match bit for bit; Pow (vector pow) within 2 ulps.
 */
class BinaryTest {
    private static final int[] OPS = {Binary.ADD, Binary.SUB, Binary.MUL, Binary.DIV, Binary.POW, Binary.MAX,
            Binary.MIN, Binary.PRELU};

    private static double rtol(int op) {
        return op == Binary.POW ? 2.4e-7 : 0;
    }

    @ParameterizedTest
    @ValueSource(ints = {Binary.ADD, Binary.SUB, Binary.MUL, Binary.DIV, Binary.POW, Binary.MAX, Binary.MIN,
            Binary.PRELU})
    void layoutsMatchTwin(int op) {
        Random rnd = new Random(op);
        try (Arena arena = Arena.ofConfined()) {
            for (long n : SIZES) {
                MemorySegment a = data(arena, 2, n, 3, rnd);
                MemorySegment b = data(arena, 1, n, 3, rnd);
                // The specials meet every special and ordinary values: rotate b against a.
                for (long i = 0; i < Math.min(n, 5); i++) {
                    set(b, 1 + (n - 1 - i), get(b, 1 + i));
                }
                MemorySegment want = sentinel(arena, n);
                MemorySegment got = sentinel(arena, n + 4);
                BinaryRef.apply(op, want, 0, a, 2, 1, b, 1, 1, n);
                Binary.vv(op, got, 4, a, 2, b, 1, n);
                assertClose(want, 0, got, 4, n, 0, rtol(op), "vv op " + op);
                assertEquals(12345.5f, get(got, 4 + n), "vv wrote past the end");
                for (float s : new float[] {2f, -0.5f, 0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, 3f}) {
                    MemorySegment sv = arena.allocate(4);
                    set(sv, 0, s);
                    BinaryRef.apply(op, want, 0, a, 2, 1, sv, 0, 0, n);
                    Binary.vs(op, got, 4, a, 2, s, n);
                    assertClose(want, 0, got, 4, n, 0, rtol(op), "vs op " + op + " s=" + s);
                    BinaryRef.apply(op, want, 0, sv, 0, 0, b, 1, 1, n);
                    Binary.sv(op, got, 4, s, b, 1, n);
                    assertClose(want, 0, got, 4, n, 0, rtol(op), "sv op " + op + " s=" + s);
                }
                BinaryRef.apply(op, want, 0, a, 2, 1, b, 1, 1, n);
                Binary.vv(op, a, 2, a, 2, b, 1, n);  // in place
                assertClose(want, 0, a, 2, n, 0, rtol(op), "vv in place op " + op);
            }
        }
    }

    /** out[i] from the multi-index of i, each operand indexed with its broadcast dimensions pinned to 0. */
    private static void naive(int op, MemorySegment out, Shape so, MemorySegment a, Shape sa, MemorySegment b,
            Shape sb) {
        int r = so.rank();
        int[] idx = new int[r];
        for (long i = 0; i < so.size(); i++) {
            long rem = i;
            for (int d = r - 1; d >= 0; d--) {
                idx[d] = (int) (rem % so.dim(d));
                rem /= so.dim(d);
            }
            float x = get(a, flat(sa, idx));
            float y = get(b, flat(sb, idx));
            set(out, i, BinaryRef.apply(op, x, y));
        }
    }

    private static long flat(Shape s, int[] outIdx) {
        long f = 0;
        int off = outIdx.length - s.rank();
        for (int d = 0; d < s.rank(); d++) {
            f = f * s.dim(d) + (s.dim(d) == 1 ? 0 : outIdx[off + d]);
        }
        return f;
    }

    @Test
    void broadcastingMatchesNaiveIndexing() {
        int[][][] combos = {
                {{}, {2, 3}}, {{2, 3}, {}}, {{2, 3, 4, 5}, {3, 1, 1}}, {{2, 3, 4, 5}, {1, 3, 1, 1}},
                {{4, T + 1}, {1, T + 1}}, {{4, T + 1}, {T + 1}}, {{3, 1}, {1, 4}}, {{2, 1, T + 1}, {3, 1}},
                {{1}, {3 * T + 1}}, {{5, T - 1}, {5, 1}}, {{2, 3, 4}, {4}}, {{2, 1, T + 1}, {1, 3, 1}},
                {{0, 3}, {3}}, {{3, T}, {3, T}}, {{1, 1}, {1}}, {{2, 3, 1, 1}, {1, 1, 5, 7}}, {{6, 1, 7}, {6, 5, 7}}};
        Random rnd = new Random(7);
        try (Arena arena = Arena.ofConfined()) {
            for (int[][] c : combos) {
                Shape sa = Shape.of(c[0]);
                Shape sb = Shape.of(c[1]);
                Shape so = Broadcast.shape(sa, sb);
                MemorySegment a = data(arena, 0, sa.size(), 3, rnd);
                MemorySegment b = data(arena, 0, sb.size(), 3, rnd);
                for (int op : OPS) {
                    MemorySegment want = sentinel(arena, so.size());
                    MemorySegment got = sentinel(arena, so.size());
                    naive(op, want, so, a, sa, b, sb);
                    Binary.apply(op, got, a, b, Broadcast.plan(so, sa, sb));
                    assertClose(want, 0, got, 0, so.size(), 0, rtol(op), sa + " op" + op + " " + sb);
                }
            }
        }
    }

    @Test
    void broadcastShapesFollowNumPy() {
        assertEquals(Shape.of(2, 3, 4, 5), Broadcast.shape(Shape.of(2, 3, 4, 5), Shape.of(3, 1, 1)));
        assertEquals(Shape.of(3, 4), Broadcast.shape(Shape.of(3, 1), Shape.of(1, 4)));
        assertEquals(Shape.of(2, 3), Broadcast.shape(Shape.SCALAR, Shape.of(2, 3)));
        assertEquals(Shape.of(0, 3), Broadcast.shape(Shape.of(0, 1), Shape.of(3)));
        var e = assertThrows(IllegalArgumentException.class, () -> Broadcast.shape(Shape.of(2, 3), Shape.of(4)));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4]"), e.getMessage());
        assertTrue(Broadcast.broadcastsTo(Shape.of(3, 1, 1), Shape.of(2, 3, 4, 5)));
        assertFalse(Broadcast.broadcastsTo(Shape.of(2, 3, 4, 5), Shape.of(3, 1, 1)));
        assertFalse(Broadcast.broadcastsTo(Shape.of(3), Shape.of(2, 3, 4)));
    }

    @Test
    void plansCollapseToFewLoops() {
        Broadcast bias = Broadcast.plan(Shape.of(2, 3, 4, 5), Shape.of(2, 3, 4, 5), Shape.of(3, 1, 1));
        assertEquals(20, bias.inner);   // H*W
        assertEquals(6, bias.rows);     // N*C
        assertEquals(1, bias.aStep);
        assertEquals(0, bias.bStep);    // one bias value per row
        Broadcast same = Broadcast.plan(Shape.of(2, 3, 4), Shape.of(2, 3, 4), Shape.of(2, 3, 4));
        assertEquals(24, same.inner);
        assertEquals(1, same.rows);
        Broadcast outer = Broadcast.plan(Shape.of(3, 4), Shape.of(3, 1), Shape.of(1, 4));
        assertEquals(4, outer.inner);
        assertEquals(3, outer.rows);
        assertEquals(0, outer.aStep);
        assertEquals(1, outer.bStep);
        long[] offsets = new long[6];
        for (int r = 0; r < outer.rows; r++) {
            offsets[2 * r] = outer.a(r);
            offsets[2 * r + 1] = outer.b(r);
        }
        assertArrayEquals(new long[] {0, 0, 1, 0, 2, 0}, offsets);
        Broadcast both = Broadcast.plan(Shape.of(2, 3, 5), Shape.of(2, 1, 5), Shape.of(3, 1));
        assertEquals(6, both.rows);
        assertEquals(5, both.inner);
        assertEquals(5, both.a(4));   // row (1, 1): a's row 1
        assertEquals(1, both.b(4));   // b's row 1
        assertTrue(both.matches(Shape.of(2, 3, 5), Shape.of(2, 1, 5), Shape.of(3, 1)));
        assertFalse(both.matches(Shape.of(2, 3, 5), Shape.of(2, 1, 5), Shape.of(3, 5)));
    }

    @Test
    void int64ArithmeticIsExactAndTruncates() {
        try (Arena arena = Arena.ofConfined()) {
            long[] av = {7, -7, 1L << 40, 5, -9, 0};
            MemorySegment a = arena.allocate(48, 8);
            MemorySegment b = arena.allocate(8, 8);
            MemorySegment out = arena.allocate(48, 8);
            for (int i = 0; i < 6; i++) {
                a.setAtIndex(ValueLayout.JAVA_LONG, i, av[i]);
            }
            b.setAtIndex(ValueLayout.JAVA_LONG, 0, 2);
            Broadcast plan = Broadcast.plan(Shape.of(6), Shape.of(6), Shape.of(1));
            Binary.applyLong(Binary.DIV, out, a, b, plan);
            assertArrayEquals(new long[] {3, -3, 1L << 39, 2, -4, 0}, out.toArray(ValueLayout.JAVA_LONG));
            Binary.applyLong(Binary.MUL, out, a, b, Broadcast.plan(Shape.of(6), Shape.of(6), Shape.of(1)));
            assertArrayEquals(new long[] {14, -14, 1L << 41, 10, -18, 0}, out.toArray(ValueLayout.JAVA_LONG));
            Binary.applyLong(Binary.POW, out, a, b, Broadcast.plan(Shape.of(6), Shape.of(6), Shape.of(1)));
            assertArrayEquals(new long[] {49, 49, 1L << 80 > 0 ? Long.MAX_VALUE : 0, 25, 81, 0},
                    out.toArray(ValueLayout.JAVA_LONG));
        }
    }
}
