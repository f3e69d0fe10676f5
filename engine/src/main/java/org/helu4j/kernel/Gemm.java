package org.helu4j.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.helu4j.kernel.ref.GemmRef;

/**
 * Single-precision matrix multiply, {@code C = epilogue(op(A) · op(B))}, row-major, where {@code op} is an optional
 * transpose. Offsets and leading dimensions are in elements.
 *
 * <p>The micro-kernel keeps an {@link #MR} × {@link #NR} tile of C ({@code MR} rows × {@link #NRV} vectors) in
 * FloatVector accumulators, broadcasts one element of A per row and loads one row of a B panel per step of k.
 * C is computed panel by panel ({@code NR} columns of B at a time, so a panel stays in cache while every row
 * block of A streams past it). B is read either directly (not transposed: its rows are contiguous) or from
 * panels packed by {@link #packB}, which weights can do once at load time. The last, narrower panel is computed
 * whole into a scratch tile and copied out; the last {@code m % MR} rows use a one-row tile. The epilogue (alpha,
 * bias, beta, ReLU) is applied to each tile right after it is stored, while it is still in L1.
 */
public final class Gemm {
    /** Rows of C per register tile. */
    public static final int MR = 4;
    /** Vectors of C per register tile row. */
    public static final int NRV = 3;
    /** Columns of C per register tile, and the width of a packed panel of B. */
    public static final int NR = NRV * Vectors.LANES;

    private static final VectorSpecies<Float> F = Vectors.F;
    private static final int L = Vectors.LANES;
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat FL = ValueLayout.JAVA_FLOAT;

    /**
     * What happens to an accumulated value {@code s} of C at (i, j) before it is stored:
     * {@code v = alpha * s + beta * bias[biasOff + i * biasRowStride + j * biasColStride]} (the bias term only
     * when {@code bias} is non-null), then {@code max(v, 0)} when {@code relu}. The strides express ONNX's
     * unidirectional broadcast: (0, 0) a scalar, (0, 1) one value per column, (1, 0) one per row, (ld, 1) a matrix.
     */
    public record Epilogue(float alpha, MemorySegment bias, long biasOff, long biasRowStride, long biasColStride,
            float beta, boolean relu) {
        /** Plain {@code C = A·B}. */
        public static final Epilogue NONE = new Epilogue(1f, null, 0, 0, 0, 0f, false);

        public Epilogue {
            if (biasColStride != 0 && biasColStride != 1) {
                throw new IllegalArgumentException("bias column stride must be 0 or 1, not " + biasColStride);
            }
        }

        /** {@code C = alpha·A·B}, optionally followed by ReLU. */
        public static Epilogue scaled(float alpha, boolean relu) {
            return new Epilogue(alpha, null, 0, 0, 0, 0f, relu);
        }

        /** {@code C = A·B + bias[j]} (a fully connected layer), optionally followed by ReLU. */
        public static Epilogue columnBias(MemorySegment bias, long biasOff, boolean relu) {
            return new Epilogue(1f, bias, biasOff, 0, 1, 1f, relu);
        }

        /** {@code C = A·B + bias[i]} (a convolution as GEMM, one bias per output channel row). */
        public static Epilogue rowBias(MemorySegment bias, long biasOff, boolean relu) {
            return new Epilogue(1f, bias, biasOff, 1, 0, 1f, relu);
        }

        /** True for plain {@code C = A·B}: nothing to apply. */
        boolean isIdentity() {
            return alpha == 1f && bias == null && !relu;
        }

        /** The ReLU as a lower bound: {@code max(v, -inf)} is v, NaN and -0 included. */
        float floor() {
            return relu ? 0f : Float.NEGATIVE_INFINITY;
        }

        /** Where the bias of C at (i, j) is. */
        long biasIndex(int i, int j) {
            return biasOff + i * biasRowStride + j * biasColStride;
        }

        public Epilogue withRelu(boolean relu) {
            return new Epilogue(alpha, bias, biasOff, biasRowStride, biasColStride, beta, relu);
        }
    }

    private Gemm() {
    }

    /** {@code C[m×n] = A[m×k] · B[k×n]}, all contiguous. */
    public static void gemm(MemorySegment c, MemorySegment a, MemorySegment b, int m, int n, int k) {
        gemm(c, 0, n, a, 0, k, false, b, 0, n, false, m, n, k, Epilogue.NONE);
    }

    /**
     * {@code C[m×n] = epilogue(op(A)[m×k] · op(B)[k×n])}. A is stored [m×k] with row length {@code lda}, or
     * [k×m] when {@code transA}; B is [k×n] with row length {@code ldb}, or [n×k] when {@code transB}.
     */
    public static void gemm(MemorySegment c, long cOff, long ldc,
            MemorySegment a, long aOff, long lda, boolean transA,
            MemorySegment b, long bOff, long ldb, boolean transB,
            int m, int n, int k, Epilogue ep) {
        if (Vectors.SCALAR) {
            GemmRef.gemm(c, cOff, ldc, a, aOff, lda, transA, b, bOff, ldb, transB, m, n, k, ep);
            return;
        }
        if (m <= 0 || n <= 0) {
            return;
        }
        if (n == 1 && !transA && (transB || ldb == 1)) {
            // A matrix-vector product: a tile would use one lane in NR; dot each row with B's contiguous column.
            gemv(c, cOff, ldc, a, aOff, lda, b, bOff, m, k, ep);
            return;
        }
        long ars = transA ? 1 : lda;
        long acs = transA ? lda : 1;
        if (!transB) {
            for (int j = 0; j < n; j += NR) {
                panel(c, cOff, ldc, a, aOff, ars, acs, b, bOff + j, ldb, m, j, Math.min(NR, n - j), k, ep);
            }
            return;
        }
        // B's columns are strided: pack one panel at a time into a scratch that stays in cache.
        {
            MemorySegment scratch = Scratch.get(1, (long) Math.max(k, 1) * NR * Float.BYTES);
            for (int j = 0; j < n; j += NR) {
                int w = Math.min(NR, n - j);
                packPanel(scratch, 0, b, bOff, ldb, true, j, w, k);
                panel(c, cOff, ldc, a, aOff, ars, acs, scratch, 0, NR, m, j, w, k, ep);
            }
        }
    }

    /** Floats needed to pack a [k×n] B into panels: {@code ceil(n / NR) · NR · k}. */
    public static long packedSize(int n, int k) {
        return (long) ((n + NR - 1) / NR) * NR * k;
    }

    /**
     * Packs op(B) ([k×n]; stored [n×k] when {@code transB}) into panels of {@link #NR} columns: panel {@code q}
     * starts at {@code q·NR·k} and holds k rows of NR contiguous floats, zero-padded past column n.
     */
    public static void packB(MemorySegment dst, long dstOff, MemorySegment b, long bOff, long ldb, boolean transB,
            int n, int k) {
        for (int j = 0; j < n; j += NR) {
            packPanel(dst, dstOff + (long) (j / NR) * NR * k, b, bOff, ldb, transB, j, Math.min(NR, n - j), k);
        }
    }

    /** Like {@link #gemm}, with B already packed by {@link #packB} at {@code packedOff}. */
    public static void gemmPacked(MemorySegment c, long cOff, long ldc,
            MemorySegment a, long aOff, long lda, boolean transA,
            MemorySegment packed, long packedOff, int m, int n, int k, Epilogue ep) {
        if (Vectors.SCALAR) {
            GemmRef.gemmPacked(c, cOff, ldc, a, aOff, lda, transA, packed, packedOff, m, n, k, ep);
            return;
        }
        if (m <= 0 || n <= 0) {
            return;
        }
        long ars = transA ? 1 : lda;
        long acs = transA ? lda : 1;
        for (int j = 0; j < n; j += NR) {
            long p = packedOff + (long) (j / NR) * NR * k;
            panel(c, cOff, ldc, a, aOff, ars, acs, packed, p, NR, m, j, Math.min(NR, n - j), k, ep);
        }
    }

    /** {@code C[i, 0] = epilogue(A[i, :] · b)} with b contiguous: two accumulators along k, a masked tail. */
    private static void gemv(MemorySegment c, long cOff, long ldc, MemorySegment a, long aOff, long lda,
            MemorySegment b, long bOff, int m, int k, Epilogue ep) {
        int bound = F.loopBound(k);
        for (int i = 0; i < m; i++) {
            long row = aOff + i * lda;
            FloatVector s0 = FloatVector.zero(F);
            FloatVector s1 = s0;
            int p = 0;
            for (; p + 2 * L <= k; p += 2 * L) {
                s0 = load(a, row + p).fma(load(b, bOff + p), s0);
                s1 = load(a, row + p + L).fma(load(b, bOff + p + L), s1);
            }
            for (; p < bound; p += L) {
                s0 = load(a, row + p).fma(load(b, bOff + p), s0);
            }
            if (p < k) {
                VectorMask<Float> mask = F.indexInRange(p, k);
                s1 = load(a, row + p, mask).fma(load(b, bOff + p, mask), s1);
            }
            float v = s0.add(s1).reduceLanes(VectorOperators.ADD) * ep.alpha();
            if (ep.bias() != null) {
                v += ep.beta() * ep.bias().getAtIndex(FL, ep.biasOff() + i * ep.biasRowStride());
            }
            c.setAtIndex(FL, cOff + i * ldc, ep.relu() ? Math.max(v, 0f) : v);
        }
    }

    private static void packPanel(MemorySegment dst, long dOff, MemorySegment b, long bOff, long ldb,
            boolean transB, int j, int w, int k) {
        for (int p = 0; p < k; p++) {
            long row = dOff + (long) p * NR;
            if (!transB) {
                MemorySegment.copy(b, FL, (bOff + p * ldb + j) * Float.BYTES, dst, FL, row * Float.BYTES, w);
            } else {
                long src = bOff + (long) j * ldb + p;
                for (int jj = 0; jj < w; jj++) {
                    dst.setAtIndex(FL, row + jj, b.getAtIndex(FL, src + jj * ldb));
                }
            }
            for (int jj = w; jj < NR; jj++) {
                dst.setAtIndex(FL, row + jj, 0f);
            }
        }
    }

    /** C[0..m, j..j+w) from one B panel whose first column is at {@code bOff} and rows {@code brs} apart. */
    private static void panel(MemorySegment c, long cOff, long ldc, MemorySegment a, long aOff, long ars, long acs,
            MemorySegment b, long bOff, long brs, int m, int j, int w, int k, Epilogue ep) {
        if (w < NR && brs != NR) {
            // The edge panel of an unpacked B: copy it zero-padded to NR columns, so that the tiles load whole
            // vectors (masked loads in the k loop defeat the JIT).
            MemorySegment padded = Scratch.get(1, (long) Math.max(k, 1) * NR * Float.BYTES);
            packPanel(padded, 0, b, bOff, brs, false, 0, w, k);
            b = padded;
            bOff = 0;
            brs = NR;
        }
        int i = 0;
        if (w == NR) {
            for (; i + MR <= m; i += MR) {
                tile4(c, cOff + i * ldc + j, ldc, a, aOff + i * ars, ars, acs, b, bOff, brs, k, ep, i, j);
            }
            for (; i < m; i++) {
                tile1(c, cOff + i * ldc + j, a, aOff + i * ars, acs, b, bOff, brs, k, ep, i, j);
            }
            return;
        }
        // The edge panel: whole tiles into a scratch tile, then their first w columns into C. Masked stores
        // instead made the tile methods too large for C1 (out of virtual registers), leaving them in C1 code
        // that allocates on every vector operation; and they are slow where the CPU has no masked store.
        MemorySegment tile = Scratch.get(2, (long) MR * NR * Float.BYTES);
        for (; i + MR <= m; i += MR) {
            tile4(tile, 0, NR, a, aOff + i * ars, ars, acs, b, bOff, brs, k, Epilogue.NONE, i, j);
            edge(tile, c, cOff + i * ldc + j, ldc, MR, w, ep, i, j);
        }
        for (; i < m; i++) {
            tile1(tile, 0, a, aOff + i * ars, acs, b, bOff, brs, k, Epilogue.NONE, i, j);
            edge(tile, c, cOff + i * ldc + j, ldc, 1, w, ep, i, j);
        }
    }

    /** Copies the first w columns of {@code rows} rows of a scratch tile into C, then applies the epilogue. */
    private static void edge(MemorySegment tile, MemorySegment c, long cIdx, long ldc, int rows, int w, Epilogue ep,
            int row, int col) {
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(tile, FL, (long) r * NR * Float.BYTES, c, FL, (cIdx + r * ldc) * Float.BYTES, w);
        }
        if (!ep.isIdentity()) {
            finish(c, cIdx, ldc, rows, ep, row, col, w);
        }
    }

    private static FloatVector load(MemorySegment s, long idx) {
        return FloatVector.fromMemorySegment(F, s, idx * Float.BYTES, NO);
    }

    private static FloatVector load(MemorySegment s, long idx, VectorMask<Float> mask) {
        return FloatVector.fromMemorySegment(F, s, idx * Float.BYTES, NO, mask);
    }


    // ---- the hot spot: an MR×NRV register tile, FMA over k ----
    // Vector loads are written out rather than called through helpers: a vector (or mask) that crosses a call
    // the JIT does not inline is boxed, and the tile then runs the Vector API's slow fallback. So each tile stores
    // its accumulators as they are and finish() reads them back: passed to a store helper, they were boxed on
    // every step of k once tile4 reached C2's inlining node limit (about 1 kB per k step).
    private static void tile4(MemorySegment c, long cIdx, long ldc, MemorySegment a, long aIdx, long ars, long acs,
            MemorySegment b, long bIdx, long brs, int k, Epilogue ep, int row, int col) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
        long a0 = aIdx, a1 = aIdx + ars, a2 = aIdx + 2 * ars, a3 = aIdx + 3 * ars;
        long bp = bIdx;
        long ap = 0;
        for (int p = 0; p < k; p++, bp += brs, ap += acs) {
            FloatVector b0 = FloatVector.fromMemorySegment(F, b, (bp) * 4L, NO), b1 = FloatVector.fromMemorySegment(F, b, (bp + L) * 4L, NO), b2 = FloatVector.fromMemorySegment(F, b, (bp + 2 * L) * 4L, NO);
            FloatVector x = FloatVector.broadcast(F, a.getAtIndex(FL, a0 + ap));
            c00 = b0.fma(x, c00); c01 = b1.fma(x, c01); c02 = b2.fma(x, c02);
            x = FloatVector.broadcast(F, a.getAtIndex(FL, a1 + ap));
            c10 = b0.fma(x, c10); c11 = b1.fma(x, c11); c12 = b2.fma(x, c12);
            x = FloatVector.broadcast(F, a.getAtIndex(FL, a2 + ap));
            c20 = b0.fma(x, c20); c21 = b1.fma(x, c21); c22 = b2.fma(x, c22);
            x = FloatVector.broadcast(F, a.getAtIndex(FL, a3 + ap));
            c30 = b0.fma(x, c30); c31 = b1.fma(x, c31); c32 = b2.fma(x, c32);
        }
        long r0 = cIdx * 4L, r1 = (cIdx + ldc) * 4L, r2 = (cIdx + 2 * ldc) * 4L, r3 = (cIdx + 3 * ldc) * 4L;
        c00.intoMemorySegment(c, r0, NO); c01.intoMemorySegment(c, r0 + 4L * L, NO); c02.intoMemorySegment(c, r0 + 8L * L, NO);
        c10.intoMemorySegment(c, r1, NO); c11.intoMemorySegment(c, r1 + 4L * L, NO); c12.intoMemorySegment(c, r1 + 8L * L, NO);
        c20.intoMemorySegment(c, r2, NO); c21.intoMemorySegment(c, r2 + 4L * L, NO); c22.intoMemorySegment(c, r2 + 8L * L, NO);
        c30.intoMemorySegment(c, r3, NO); c31.intoMemorySegment(c, r3 + 4L * L, NO); c32.intoMemorySegment(c, r3 + 8L * L, NO);
        if (!ep.isIdentity()) {
            finish(c, cIdx, ldc, MR, ep, row, col, NR);
        }
    }

    private static void tile1(MemorySegment c, long cIdx, MemorySegment a, long aIdx, long acs,
            MemorySegment b, long bIdx, long brs, int k, Epilogue ep, int row, int col) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00;
        long bp = bIdx;
        long ap = aIdx;
        for (int p = 0; p < k; p++, bp += brs, ap += acs) {
            FloatVector x = FloatVector.broadcast(F, a.getAtIndex(FL, ap));
            c00 = FloatVector.fromMemorySegment(F, b, (bp) * 4L, NO).fma(x, c00);
            c01 = FloatVector.fromMemorySegment(F, b, (bp + L) * 4L, NO).fma(x, c01);
            c02 = FloatVector.fromMemorySegment(F, b, (bp + 2 * L) * 4L, NO).fma(x, c02);
        }
        long r0 = cIdx * 4L;
        c00.intoMemorySegment(c, r0, NO); c01.intoMemorySegment(c, r0 + 4L * L, NO); c02.intoMemorySegment(c, r0 + 8L * L, NO);
        if (!ep.isIdentity()) {
            finish(c, cIdx, 0, 1, ep, row, col, NR);
        }
    }

    // ---- the epilogue, on a stored tile (in L1) ----

    /**
     * alpha, bias and ReLU on C[row..row+rows, col..col+w), stored from {@code cIdx} with rows {@code ldc} apart.
     * Whole vectors unmasked; the last, partial one of a row (fewer than LANES floats) in scalar code, which
     * allocates nothing even before C2 compiles it: at batch 1 a small classifier layer calls this once a run.
     * Kept under C2's FreqInlineSize (325 bytecodes) so that it inlines into the tiles.
     */
    private static void finish(MemorySegment c, long cIdx, long ldc, int rows, Epilogue ep, int row, int col, int w) {
        float alpha = ep.alpha();
        float beta = ep.beta();
        float floor = ep.floor();
        MemorySegment bias = ep.bias();
        long bcs = ep.biasColStride();
        int whole = w / L * L;
        for (int r = 0; r < rows; r++) {
            long at = cIdx + r * ldc;
            long bi = ep.biasIndex(row + r, col);
            for (int v = 0; v < whole; v += L) {
                FloatVector y = FloatVector.fromMemorySegment(F, c, (at + v) * 4L, NO).mul(alpha);
                if (bias != null) {
                    FloatVector bv = bcs != 0 ? FloatVector.fromMemorySegment(F, bias, (bi + v) * 4L, NO)
                            : FloatVector.broadcast(F, bias.getAtIndex(FL, bi));
                    y = bv.fma(FloatVector.broadcast(F, beta), y);
                }
                y.max(floor).intoMemorySegment(c, (at + v) * 4L, NO);
            }
            for (int j = whole; j < w; j++) {
                float y = c.getAtIndex(FL, at + j) * alpha;
                if (bias != null) {
                    y = Math.fma(bias.getAtIndex(FL, bi + j * bcs), beta, y);
                }
                c.setAtIndex(FL, at + j, Math.max(y, floor));
            }
        }
    }
}
