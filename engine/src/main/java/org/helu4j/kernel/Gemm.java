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
 * panels packed by {@link #packB}, which weights can do once at load time. The last, narrower panel uses masked
 * loads and stores; the last {@code m % MR} rows use a one-row tile. The epilogue (alpha, bias, beta, ReLU) is
 * applied while the accumulators are still in registers.
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
            // vectors (masked loads in the k loop defeat the JIT) and only the stores are masked.
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
        } else {
            for (; i + MR <= m; i += MR) {
                tile4Masked(c, cOff + i * ldc + j, ldc, a, aOff + i * ars, ars, acs, b, bOff, brs, k, ep, i, j,
                        w);
            }
            for (; i < m; i++) {
                tile1Masked(c, cOff + i * ldc + j, a, aOff + i * ars, acs, b, bOff, brs, k, ep, i, j, w);
            }
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
    // the JIT does not inline is boxed, and the tile then runs the Vector API's slow fallback.
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
        store3(c00, c01, c02, c, cIdx, ep, row, col);
        store3(c10, c11, c12, c, cIdx + ldc, ep, row + 1, col);
        store3(c20, c21, c22, c, cIdx + 2 * ldc, ep, row + 2, col);
        store3(c30, c31, c32, c, cIdx + 3 * ldc, ep, row + 3, col);
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
        store3(c00, c01, c02, c, cIdx, ep, row, col);
    }

    private static void tile4Masked(MemorySegment c, long cIdx, long ldc, MemorySegment a, long aIdx, long ars,
            long acs, MemorySegment b, long bIdx, long brs, int k, Epilogue ep, int row, int col, int w) {
        // Masks are made here, not passed in: the JIT intrinsifies masked loads only for masks of a known type.
        VectorMask<Float> m0 = F.indexInRange(0, w), m1 = F.indexInRange(L, w), m2 = F.indexInRange(2 * L, w);
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
        store3(c00, c01, c02, c, cIdx, ep, row, col, w);
        store3(c10, c11, c12, c, cIdx + ldc, ep, row + 1, col, w);
        store3(c20, c21, c22, c, cIdx + 2 * ldc, ep, row + 2, col, w);
        store3(c30, c31, c32, c, cIdx + 3 * ldc, ep, row + 3, col, w);
    }

    private static void tile1Masked(MemorySegment c, long cIdx, MemorySegment a, long aIdx, long acs,
            MemorySegment b, long bIdx, long brs, int k, Epilogue ep, int row, int col, int w) {
        VectorMask<Float> m0 = F.indexInRange(0, w), m1 = F.indexInRange(L, w), m2 = F.indexInRange(2 * L, w);
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00;
        long bp = bIdx;
        long ap = aIdx;
        for (int p = 0; p < k; p++, bp += brs, ap += acs) {
            FloatVector x = FloatVector.broadcast(F, a.getAtIndex(FL, ap));
            c00 = FloatVector.fromMemorySegment(F, b, (bp) * 4L, NO).fma(x, c00);
            c01 = FloatVector.fromMemorySegment(F, b, (bp + L) * 4L, NO).fma(x, c01);
            c02 = FloatVector.fromMemorySegment(F, b, (bp + 2 * L) * 4L, NO).fma(x, c02);
        }
        store3(c00, c01, c02, c, cIdx, ep, row, col, w);
    }

    // ---- the epilogue, on one tile row ----
    private static void store3(FloatVector v0, FloatVector v1, FloatVector v2, MemorySegment c, long cIdx,
            Epilogue ep, int row, int col) {
        finish(v0, ep, row, col, L).intoMemorySegment(c, cIdx * Float.BYTES, NO);
        finish(v1, ep, row, col + L, L).intoMemorySegment(c, (cIdx + L) * Float.BYTES, NO);
        finish(v2, ep, row, col + 2 * L, L).intoMemorySegment(c, (cIdx + 2 * L) * Float.BYTES, NO);
    }

    private static void store3(FloatVector v0, FloatVector v1, FloatVector v2, MemorySegment c, long cIdx,
            Epilogue ep, int row, int col, int w) {
        VectorMask<Float> m0 = F.indexInRange(0, w), m1 = F.indexInRange(L, w), m2 = F.indexInRange(2 * L, w);
        finish(v0, ep, row, col, w).intoMemorySegment(c, cIdx * Float.BYTES, NO, m0);
        finish(v1, ep, row, col + L, w - L).intoMemorySegment(c, (cIdx + L) * Float.BYTES, NO, m1);
        finish(v2, ep, row, col + 2 * L, w - 2 * L).intoMemorySegment(c, (cIdx + 2 * L) * Float.BYTES, NO, m2);
    }

    /** alpha, bias and ReLU on the accumulators of C[row, col..col+L); {@code valid} lanes hold real columns. */
    private static FloatVector finish(FloatVector acc, Epilogue ep, int row, int col, int valid) {
        FloatVector v = ep.alpha() == 1f ? acc : acc.mul(ep.alpha());
        MemorySegment bias = ep.bias();
        if (bias != null) {
            long idx = ep.biasOff() + row * ep.biasRowStride();
            FloatVector bv;
            if (ep.biasColStride() == 0) {
                bv = FloatVector.broadcast(F, bias.getAtIndex(FL, idx));
            } else {
                bv = valid >= L ? FloatVector.fromMemorySegment(F, bias, (idx + col) * 4L, NO) : FloatVector.fromMemorySegment(F, bias, (idx + col) * 4L, NO, F.indexInRange(0, valid));
            }
            v = bv.fma(FloatVector.broadcast(F, ep.beta()), v);
        }
        return ep.relu() ? v.max(0f) : v;
    }
}
