package org.helu4j.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.TreeSet;
import org.helu4j.kernel.Gemm.Epilogue;
import org.helu4j.kernel.ref.GemmRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link Gemm} against {@link GemmRef} around the vector length T, the tile rows MR and the panel width NR. */
class GemmTest {
    private static final ValueLayout.OfFloat FL = ValueLayout.JAVA_FLOAT;
    private static final int T = Vectors.LANES;
    private static final float GUARD = 12345.5f;

    private final Arena arena = Arena.ofShared();  // shared: two-thread cases hand it to workers
    private final Random rnd = new Random(42);

    @AfterEach
    void close() {
        arena.close();
    }

    private static int[] sizes(int... extra) {
        TreeSet<Integer> s = new TreeSet<>();
        for (int v : new int[] {1, T - 1, T, T + 1, 3 * T + 1, 17, 64}) {
            s.add(v);
        }
        for (int v : extra) {
            s.add(v);
        }
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    private MemorySegment random(long n) {
        MemorySegment s = arena.allocate(Math.max(n, 1) * 4, 64);
        for (long i = 0; i < n; i++) {
            s.setAtIndex(FL, i, rnd.nextFloat() * 2 - 1);
        }
        return s;
    }

    private MemorySegment filled(long n, float v) {
        MemorySegment s = arena.allocate(Math.max(n, 1) * 4, 64);
        for (long i = 0; i < n; i++) {
            s.setAtIndex(FL, i, v);
        }
        return s;
    }

    /** Runs kernel and reference on the same operands (C strided inside a guarded buffer) and compares. */
    private void check(int m, int n, int k, boolean transA, boolean transB, Epilogue ep, boolean packed,
            MemorySegment a, MemorySegment b) {
        long lda = (transA ? m : k) + 2;
        long ldb = (transB ? k : n) + 3;
        long ldc = n + 1;
        long cOff = 5;
        long cSize = cOff + m * ldc + 1;
        MemorySegment got = filled(cSize, GUARD);
        MemorySegment want = filled(cSize, GUARD);
        if (a == null) {
            a = random((transA ? k : m) * lda + 1);
        }
        if (b == null) {
            b = random((transB ? n : k) * ldb + 1);
        }
        String what = "m=" + m + " n=" + n + " k=" + k + " transA=" + transA + " transB=" + transB + " " + ep
                + (packed ? " packed" : "");
        if (packed) {
            MemorySegment p = filled(Gemm.packedSize(n, k) + 7, Float.NaN);
            Gemm.packB(p, 7, b, 1, ldb, transB, n, k);
            Gemm.gemmPacked(got, cOff, ldc, a, 1, lda, transA, p, 7, m, n, k, ep);
        } else {
            Gemm.gemm(got, cOff, ldc, a, 1, lda, transA, b, 1, ldb, transB, m, n, k, ep);
        }
        GemmRef.gemm(want, cOff, ldc, a, 1, lda, transA, b, 1, ldb, transB, m, n, k, ep);
        double tol = 2e-6 * Math.sqrt(Math.max(k, 1)) * Math.max(1, Math.abs(ep.alpha()));
        for (long i = 0; i < cSize; i++) {
            float w = want.getAtIndex(FL, i);
            float g = got.getAtIndex(FL, i);
            boolean ok = Float.isNaN(w) ? Float.isNaN(g)
                    : Float.isInfinite(w) ? g == w
                    : Math.abs(g - w) <= tol + 1e-5 * Math.abs(w);
            if (!ok) {
                long row = (i - cOff) / ldc;
                long col = (i - cOff) % ldc;
                fail(what + ": at C[" + row + ", " + col + "] (element " + i + ") expected " + w + " but got " + g);
            }
        }
    }

    @Test
    void sizesAroundTilesAllTransposes() {
        for (int m : sizes(Gemm.MR - 1, Gemm.MR, Gemm.MR + 1, 2 * Gemm.MR + 1)) {
            for (int n : sizes(Gemm.NR - 1, Gemm.NR, Gemm.NR + 1, 2 * Gemm.NR + 1)) {
                for (int k : sizes(0)) {
                    for (int t = 0; t < 4; t++) {
                        check(m, n, k, (t & 1) != 0, (t & 2) != 0, Epilogue.NONE, false, null, null);
                    }
                }
            }
        }
    }

    @Test
    void packedB() {
        for (int m : sizes(Gemm.MR)) {
            for (int n : sizes(Gemm.NR - 1, Gemm.NR, Gemm.NR + 1, 2 * Gemm.NR + 1)) {
                for (int k : new int[] {0, 1, T + 1, 17}) {
                    for (int t = 0; t < 4; t++) {
                        check(m, n, k, (t & 1) != 0, (t & 2) != 0, Epilogue.NONE, true, null, null);
                    }
                }
            }
        }
    }

    @Test
    void epilogues() {
        int[][] shapes = {{1, 1, 1}, {Gemm.MR + 1, Gemm.NR + 1, T + 1}, {Gemm.MR, Gemm.NR, 3 * T + 1},
            {17, T - 1, 64}, {3, 2 * Gemm.NR + 3, 5}};
        for (int[] s : shapes) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            MemorySegment bias = random(m * (n + 4) + 3);
            Epilogue[] eps = {
                Epilogue.scaled(0.5f, false),
                Epilogue.scaled(-2f, true),
                Epilogue.NONE.withRelu(true),
                Epilogue.columnBias(bias, 3, false),
                Epilogue.columnBias(bias, 3, true),
                Epilogue.rowBias(bias, 2, true),
                new Epilogue(0.25f, bias, 1, 0, 0, -3f, false),            // scalar C
                new Epilogue(1.5f, bias, 0, n + 4, 1, 0.75f, true),        // matrix C, padded rows
                new Epilogue(1f, bias, 0, 1, 0, 0f, false),                // beta 0
            };
            for (Epilogue ep : eps) {
                for (int t = 0; t < 4; t++) {
                    check(m, n, k, (t & 1) != 0, (t & 2) != 0, ep, false, null, null);
                    check(m, n, k, (t & 1) != 0, (t & 2) != 0, ep, true, null, null);
                }
            }
        }
    }

    @Test
    void activationsAndResidualInTheEpilogue() {
        int[][] shapes = {{1, 1, 3}, {Gemm.MR, Gemm.NR, T + 1}, {Gemm.MR + 1, 2 * Gemm.NR + 3, 17}};
        for (int[] s : shapes) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            MemorySegment bias = random(m + n + 4);
            MemorySegment residual = random(5 + m * (n + 1) + 1);   // laid out like C in check()
            for (Gemm.Act act : Gemm.Act.values()) {
                Epilogue[] eps = {
                    Epilogue.NONE.withAct(act, 0.1f),
                    Epilogue.rowBias(bias, 0, false).withAct(act, -0.2f, 0.3f),
                    Epilogue.rowBias(bias, 2, false).withAct(act, 0.1f).withResidual(residual),
                    Epilogue.columnBias(bias, 1, false).withAct(act, 0.1f).withResidual(residual),
                    new Epilogue(0.5f, bias, 1, 1, 0, 2f, act, 0.2f, residual),
                };
                for (Epilogue ep : eps) {
                    check(m, n, k, false, false, ep, false, null, null);
                    check(m, n, k, true, false, ep, true, null, null);
                }
            }
        }
    }

    /** Sizes past the cache blocks (k beyond KC, rows beyond one row block), serial and on two threads. */
    @Test
    void cacheBlocksAndThreads() {
        MemorySegment bias = random(300);
        int[][] shapes = {{Gemm.MC_STRIPS * Gemm.MR + 5, 2 * Gemm.NR + 1, Gemm.KC + 7}, {9, 5 * Gemm.NR, 2 * Gemm.KC + 1}};
        for (int threads : new int[] {1, 2}) {
            Parallel.setParallelism(threads);
            try {
                for (int[] s : shapes) {
                    check(s[0], s[1], s[2], false, false, Epilogue.rowBias(bias, 0, true), false, null, null);
                    check(s[0], s[1], s[2], false, true, Epilogue.columnBias(bias, 0, false), true, null, null);
                }
            } finally {
                Parallel.setParallelism(1);
            }
        }
    }

    @Test
    void specialValuesPropagate() {
        int m = Gemm.MR + 3;
        int n = Gemm.NR + T + 1;
        int k = T + 3;
        long lda = k + 2;
        long ldb = n + 3;
        MemorySegment a = random(m * lda + 1);
        MemorySegment b = random(k * ldb + 1);
        a.setAtIndex(FL, 1 + 0 * lda + 2, Float.NaN);
        a.setAtIndex(FL, 1 + 5 * lda + 0, Float.POSITIVE_INFINITY);
        a.setAtIndex(FL, 1 + 6 * lda + 1, Float.NEGATIVE_INFINITY);
        a.setAtIndex(FL, 1 + 6 * lda + 3, -0f);
        b.setAtIndex(FL, 1 + 4 * ldb + n - 1, Float.POSITIVE_INFINITY);
        b.setAtIndex(FL, 1 + 1 * ldb + 7, Float.NaN);
        b.setAtIndex(FL, 1 + 2 * ldb + 3, 0f);
        for (boolean relu : new boolean[] {false, true}) {
            check(m, n, k, false, false, Epilogue.NONE.withRelu(relu), false, a, b);
            check(m, n, k, false, false, Epilogue.NONE.withRelu(relu), true, a, b);
        }
        MemorySegment bias = random(n);
        bias.setAtIndex(FL, T, Float.NEGATIVE_INFINITY);
        bias.setAtIndex(FL, n - 1, Float.NaN);
        check(m, n, k, false, false, Epilogue.columnBias(bias, 0, true), false, a, b);
    }

    @Test
    void matrixVector() {
        MemorySegment bias = random(200);
        for (int m : sizes(Gemm.MR + 1)) {
            for (int k : sizes(0, 2 * T - 1, 2 * T, 2 * T + 1)) {
                for (Epilogue ep : new Epilogue[] {Epilogue.NONE, new Epilogue(-0.5f, bias, 1, 1, 0, 2f, true)}) {
                    MemorySegment a = random(m * (k + 2) + 1);
                    MemorySegment b = random(k + 1);                  // a contiguous column: ldb = 1
                    MemorySegment got = filled(m * 3 + 2, GUARD);
                    MemorySegment want = filled(m * 3 + 2, GUARD);
                    Gemm.gemm(got, 2, 3, a, 1, k + 2, false, b, 1, 1, false, m, 1, k, ep);
                    GemmRef.gemm(want, 2, 3, a, 1, k + 2, false, b, 1, 1, false, m, 1, k, ep);
                    for (int i = 0; i < m * 3 + 2; i++) {
                        assertEquals(want.getAtIndex(FL, i), got.getAtIndex(FL, i), 2e-6 * Math.sqrt(k + 1),
                                "m=" + m + " k=" + k + " " + ep + " element " + i);
                    }
                    check(m, 1, k, false, true, ep, false, a, null);      // B stored [1, k]
                }
            }
        }
    }

    @Test
    void reluClampsNegativesToZero() {
        MemorySegment a = filled(4, -1f);
        MemorySegment b = filled(4, 1f);
        MemorySegment c = filled(4, GUARD);
        Gemm.gemm(c, 0, 2, a, 0, 2, false, b, 0, 2, false, 2, 2, 2, Epilogue.NONE.withRelu(true));
        for (int i = 0; i < 4; i++) {
            assertEquals(0f, c.getAtIndex(FL, i));
        }
        Gemm.gemm(c, a, b, 2, 2, 2);
        assertEquals(-2f, c.getAtIndex(FL, 3));
    }

    @Test
    void heapSegmentsWork() {
        float[] a = {1, 2, 3, 4, 5, 6};          // [2, 3]
        float[] b = {1, 0, 0, 1, 1, 1};          // [3, 2]
        float[] c = new float[4];
        Gemm.gemm(MemorySegment.ofArray(c), MemorySegment.ofArray(a), MemorySegment.ofArray(b), 2, 2, 3);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {4, 5, 10, 11}, c);
    }
}
