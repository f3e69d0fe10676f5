package org.helu4j.kernel;

import java.lang.foreign.Arena;
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
 * <p>Both operands are packed first, the way the micro-kernel reads them: A into strips of {@link #MR} rows
 * ({@link #packA}: for each k, the MR values of one column side by side), B into panels of {@link #NR} columns
 * ({@link #packB}: for each k, NR contiguous values). Weights are packed once at load time; activations per call.
 * The micro-kernel keeps an MR × NR tile of C in {@code MR · NRV} vector accumulators and, per step of k,
 * broadcasts MR values of A against NRV vectors of B. Loops are blocked for the caches: k in blocks of at most
 * {@link #KC} (a B micro-panel then fits in L1/L2), rows in groups of {@link #MC_STRIPS} strips (an A block stays
 * in L2 while the panels of B stream past it). Tiles cut by the edge of C are computed into a small
 * thread-local tile and copied out, so remainders cost a copy, not a scalar loop. With a session running more
 * than one thread, {@link Parallel} splits the panels (or the strips) across its workers.
 *
 * <p>The epilogue: bias, then an optional residual add, then the activation. A bias per row or per column and a
 * ReLU (the HeLU forward) run on the accumulators in registers; other epilogues (a scaled or matrix bias,
 * LeakyReLU, Sigmoid, GELU) are applied to the finished tile while it is still in L1.
 */
public final class Gemm {
    /** Rows of C per register tile. */
    public static final int MR = 4;
    /** Vectors of C per register tile row; 4 × 3 accumulators plus 3 B vectors and a broadcast fit 16 registers. */
    public static final int NRV = 3;
    /** Columns of C per register tile, and the width of a packed panel of B. */
    public static final int NR = NRV * Vectors.LANES;
    /** Most steps of k per pass over a tile (measured: 256 reaches the same speed as the whole k at 512³). */
    static final int KC = 256;
    /** Strips of A per row block (96 rows × KC floats = 96 KiB, well inside L2). */
    static final int MC_STRIPS = 24;
    /** {@link #tile8}, two strips at once, holds 24 accumulators: for the 32 vector registers of AVX-512. */
    private static final boolean PAIRS = Vectors.BITS == 512;
    /** Per thread: the 8 rows × NR of C that {@link #tile8} accumulates onto. */
    private static final ThreadLocal<float[]> PAIR_TILE = ThreadLocal.withInitial(() -> new float[2 * MR * NR]);

    private static final VectorSpecies<Float> F = Vectors.F;
    private static final int L = Vectors.LANES;
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat FL = ValueLayout.JAVA_FLOAT;
    /** Scratch slots (see {@link Scratch}): a call's packed A and packed B, and a worker's edge tile. */
    private static final int SLOT_A = 4, SLOT_B = 1, SLOT_TILE = 5;
    private static final MemorySegment ZERO_TILE = Arena.global().allocate((long) MR * NR * Float.BYTES, 64);

    /** The activation at the end of an epilogue. */
    public enum Act {
        NONE, RELU, LEAKY_RELU, SIGMOID, GELU, GELU_TANH,
        /** {@code min(max(v, actAlpha), actBeta)}: ReLU6 and ONNX Clip. */
        CLIP
    }

    /**
     * What happens to an accumulated value {@code s} of C at (i, j) before it is stored:
     * {@code v = alpha * s + beta * bias[biasOff + i * biasRowStride + j * biasColStride]} (the bias term only
     * when {@code bias} is non-null), then {@code v += residual[index of C(i, j)]} when {@code residual} is
     * non-null (it shares C's layout), then the activation ({@code actAlpha} is LeakyReLU's slope, or Clip's lower
     * bound with {@code actBeta} its upper bound). The bias
     * strides express ONNX's unidirectional broadcast: (0, 0) a scalar, (0, 1) one value per column, (1, 0) one
     * per row, (ld, 1) a matrix.
     */
    public record Epilogue(float alpha, MemorySegment bias, long biasOff, long biasRowStride, long biasColStride,
            float beta, Act act, float actAlpha, float actBeta, MemorySegment residual) {
        /** Plain {@code C = A·B}. */
        public static final Epilogue NONE = new Epilogue(1f, null, 0, 0, 0, 0f, Act.NONE, 0f, null);

        /** An epilogue whose activation has at most one parameter. */
        public Epilogue(float alpha, MemorySegment bias, long biasOff, long biasRowStride, long biasColStride,
                float beta, Act act, float actAlpha, MemorySegment residual) {
            this(alpha, bias, biasOff, biasRowStride, biasColStride, beta, act, actAlpha, Float.POSITIVE_INFINITY,
                    residual);
        }

        public Epilogue {
            if (biasColStride != 0 && biasColStride != 1) {
                throw new IllegalArgumentException("bias column stride must be 0 or 1, not " + biasColStride);
            }
            if (act == null) {
                throw new IllegalArgumentException("activation must not be null");
            }
        }

        /** An epilogue with a bias and either ReLU or no activation, and no residual. */
        public Epilogue(float alpha, MemorySegment bias, long biasOff, long biasRowStride, long biasColStride,
                float beta, boolean relu) {
            this(alpha, bias, biasOff, biasRowStride, biasColStride, beta, relu ? Act.RELU : Act.NONE, 0f, null);
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
            return withAct(relu ? Act.RELU : Act.NONE, 0f);
        }

        public Epilogue withAct(Act newAct, float newActAlpha) {
            return withAct(newAct, newActAlpha, Float.POSITIVE_INFINITY);
        }

        public Epilogue withAct(Act newAct, float newActAlpha, float newActBeta) {
            return new Epilogue(alpha, bias, biasOff, biasRowStride, biasColStride, beta, newAct, newActAlpha,
                    newActBeta, residual);
        }

        /** The same epilogue, adding {@code res} (laid out like C) before the activation. */
        public Epilogue withResidual(MemorySegment res) {
            return new Epilogue(alpha, bias, biasOff, biasRowStride, biasColStride, beta, act, actAlpha, actBeta, res);
        }

        /** True when the activation is ReLU. */
        public boolean relu() {
            return act == Act.RELU;
        }

        /** True when the micro-kernel can apply all of it on its accumulators (see {@link Gemm}). */
        boolean inRegisters() {
            boolean simpleBias = bias == null || beta == 1f && (biasColStride == 0 ? biasRowStride != 0 : biasRowStride == 0);
            return alpha == 1f && simpleBias && (act == Act.NONE || act == Act.RELU || act == Act.CLIP);
        }

        /** The bounds the micro-kernel clamps to: [0, +inf) for ReLU, [actAlpha, actBeta] for Clip. */
        float clampLow() {
            return act == Act.CLIP ? actAlpha : 0f;
        }

        float clampHigh() {
            return act == Act.CLIP ? actBeta : Float.POSITIVE_INFINITY;
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
        MemorySegment pb = Scratch.get(SLOT_B, packedSize(n, k) * Float.BYTES);
        packB(pb, 0, b, bOff, ldb, transB, n, k);
        multiplyPackedB(c, cOff, ldc, a, aOff, lda, transA, pb, 0, m, n, k, ep);
    }

    /** Floats needed to pack a [k×n] B into panels: {@code ceil(n / NR) · NR · k}. */
    public static long packedSize(int n, int k) {
        return (long) ((n + NR - 1) / NR) * NR * k;
    }

    /** Floats needed to pack an [m×k] A into strips: {@code ceil(m / MR) · MR · k}. */
    public static long packedASize(int m, int k) {
        return (long) ((m + MR - 1) / MR) * MR * k;
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

    /**
     * Packs op(A) ([m×k]; stored [k×m] when {@code transA}) into strips of {@link #MR} rows: strip {@code s}
     * starts at {@code s·MR·k} and holds, for each p in [0, k), A[s·MR + r][p] for r in [0, MR), zero past row m.
     */
    public static void packA(MemorySegment dst, long dstOff, MemorySegment a, long aOff, long lda, boolean transA,
            int m, int k) {
        long ars = transA ? 1 : lda;
        long acs = transA ? lda : 1;
        for (int i = 0; i < m; i += MR) {
            long strip = dstOff + (long) (i / MR) * MR * k;
            for (int r = 0; r < MR; r++) {
                long d = strip + r;
                if (i + r < m) {
                    long src = aOff + (i + r) * ars;
                    for (int p = 0; p < k; p++, d += MR, src += acs) {
                        dst.setAtIndex(FL, d, a.getAtIndex(FL, src));
                    }
                } else {
                    for (int p = 0; p < k; p++, d += MR) {
                        dst.setAtIndex(FL, d, 0f);
                    }
                }
            }
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
        multiplyPackedB(c, cOff, ldc, a, aOff, lda, transA, packed, packedOff, m, n, k, ep);
    }

    /** Applies {@code ep} in place to C[0..m, 0..n), which holds plain sums A·B. */
    public static void applyEpilogue(MemorySegment c, long cOff, long ldc, int m, int n, Epilogue ep) {
        if (Vectors.SCALAR) {
            GemmRef.applyEpilogue(c, cOff, ldc, m, n, ep);
            return;
        }
        finish(c, cOff, ldc, 0, 0, m, n, ep);
    }

    private static void multiplyPackedB(MemorySegment c, long cOff, long ldc, MemorySegment a, long aOff, long lda,
            boolean transA, MemorySegment pb, long pbOff, int m, int n, int k, Epilogue ep) {
        if (k == 0) {
            zero(c, cOff, ldc, m, n);
            finish(c, cOff, ldc, 0, 0, m, n, ep);
            return;
        }
        MemorySegment pa = Scratch.get(SLOT_A, packedASize(m, k) * Float.BYTES);
        packA(pa, 0, a, aOff, lda, transA, m, k);
        multiplyPacked(c, cOff, ldc, 0, m, 0, n, pa, 0, pb, pbOff, k, ep);
    }

    /**
     * C = epilogue(A·B) for packed A ({@link #packA} at {@code paOff}) and packed B ({@link #packB} at
     * {@code pbOff}), split across the session's threads. Element (i, j), for local i in [0, m) and j in [0, n),
     * is C[cOff + (rowBase + i)·ldc + colBase + j]; the epilogue indexes its bias by (rowBase + i, colBase + j).
     */
    static void multiplyPacked(MemorySegment c, long cOff, long ldc, int rowBase, int m, int colBase, int n,
            MemorySegment pa, long paOff, MemorySegment pb, long pbOff, int k, Epilogue ep) {
        int strips = (m + MR - 1) / MR;
        int panels = (n + NR - 1) / NR;
        // A GEMM of few rows (batch-1 Gemm/MatMul) is bound by streaming B, not by its multiply-adds: it costs about
        // what 2·MR rows do (fashion-mlp's 256×256 layers at one row: 4.4 µs, 15 GMAC/s), so it is split as such.
        int tasks = Parallel.tasksFor((long) Math.max(m, 2 * MR) * n * k, Math.max(strips, panels));
        if (tasks <= 1) {
            block(c, cOff, ldc, rowBase, m, colBase, n, pa, paOff, 0, strips, pb, pbOff, 0, panels, k, ep);
            return;
        }
        PackedTasks job = PACKED_TASKS.get();
        job.set(c, cOff, ldc, rowBase, m, colBase, n, pa, paOff, pb, pbOff, k, ep, strips, panels, tasks);
        try {
            Parallel.forEach(tasks, job);
        } finally {
            job.set(null, 0, 0, 0, 0, 0, 0, null, 0, null, 0, 0, null, 0, 0, 0);
        }
    }

    private static final ThreadLocal<PackedTasks> PACKED_TASKS = ThreadLocal.withInitial(PackedTasks::new);

    /** The arguments of a parallel {@link #multiplyPacked}, reused per thread so that its dispatch allocates nothing. */
    private static final class PackedTasks implements Parallel.Body {
        private MemorySegment c, pa, pb;
        private long cOff, ldc, paOff, pbOff;
        private int rowBase, m, colBase, n, k, strips, panels, tasks;
        private Epilogue ep;

        void set(MemorySegment c, long cOff, long ldc, int rowBase, int m, int colBase, int n, MemorySegment pa,
                long paOff, MemorySegment pb, long pbOff, int k, Epilogue ep, int strips, int panels, int tasks) {
            this.c = c;
            this.cOff = cOff;
            this.ldc = ldc;
            this.rowBase = rowBase;
            this.m = m;
            this.colBase = colBase;
            this.n = n;
            this.pa = pa;
            this.paOff = paOff;
            this.pb = pb;
            this.pbOff = pbOff;
            this.k = k;
            this.ep = ep;
            this.strips = strips;
            this.panels = panels;
            this.tasks = tasks;
        }

        @Override
        public void run(int t) {
            boolean byPanels = panels >= tasks;
            int units = byPanels ? panels : strips;
            int u0 = (int) ((long) units * t / tasks), u1 = (int) ((long) units * (t + 1) / tasks);
            if (byPanels) {
                block(c, cOff, ldc, rowBase, m, colBase, n, pa, paOff, 0, strips, pb, pbOff, u0, u1, k, ep);
            } else {
                block(c, cOff, ldc, rowBase, m, colBase, n, pa, paOff, u0, u1, pb, pbOff, 0, panels, k, ep);
            }
        }
    }

    /**
     * The tiles of strips [s0, s1) × panels [q0, q1), on the calling thread. Coordinates as in
     * {@link #multiplyPacked}; strip s and panel q are the s-th and q-th after {@code paOff} and {@code pbOff}.
     */
    static void block(MemorySegment c, long cOff, long ldc, int rowBase, int m, int colBase, int n,
            MemorySegment pa, long paOff, int s0, int s1, MemorySegment pb, long pbOff, int q0, int q1,
            int k, Epilogue ep) {
        int kBlocks = (k + KC - 1) / KC;
        int kcMax = (k + kBlocks - 1) / kBlocks;
        boolean fast = ep.inRegisters();
        MemorySegment tileBuf = null;
        for (int pc = 0; pc < k; pc += kcMax) {
            int kc = Math.min(kcMax, k - pc);
            boolean first = pc == 0;
            boolean last = pc + kc == k;
            for (int ic = s0; ic < s1; ic += MC_STRIPS) {
                int ie = Math.min(s1, ic + MC_STRIPS);
                for (int q = q0; q < q1; q++) {
                    int col = q * NR;
                    int w = Math.min(NR, n - col);
                    long bByte = (pbOff + (long) q * NR * k + (long) pc * NR) * Float.BYTES;
                    for (int s = ic; s < ie; s++) {
                        int row = s * MR;
                        int h = Math.min(MR, m - row);
                        long aByte = (paOff + (long) s * MR * k + (long) pc * MR) * Float.BYTES;
                        int gi = rowBase + row;
                        int gj = colBase + col;
                        long cIdx = cOff + gi * ldc + gj;
                        if (PAIRS && w == NR && s + 1 < ie && row + 2 * MR <= m) {
                            pairedTiles(c, cOff, cIdx, ldc, pa, aByte, aByte + (long) MR * k * Float.BYTES, pb, bByte,
                                    kc, first, last, ep, gi, gj);
                            s++;
                        } else if (h == MR && w == NR) {
                            if (first) {
                                seed(c, cIdx, ldc, fast ? ep : Epilogue.NONE, gi, gj);
                            }
                            boolean clamp = last && fast && ep.act() != Act.NONE;
                            tile(pa, aByte, pb, bByte, kc, c, cIdx, ldc, clamp, ep.clampLow(), ep.clampHigh());
                            if (last && !fast) {
                                finish(c, cOff, ldc, gi, gj, h, w, ep);
                            }
                        } else {
                            if (tileBuf == null) {
                                tileBuf = Scratch.get(SLOT_TILE, (long) MR * NR * Float.BYTES);
                            }
                            edgeTile(pa, aByte, pb, bByte, kc, c, cIdx, ldc, h, w, first, tileBuf);
                            if (last) {
                                finish(c, cOff, ldc, gi, gj, h, w, ep, false);
                            }
                        }
                    }
                }
            }
        }
    }

    /** A tile cut by the edge of C: computed whole in {@code t} (MR × NR), then its h × w corner copied out. */
    private static void edgeTile(MemorySegment pa, long aByte, MemorySegment pb, long bByte, int kc,
            MemorySegment c, long cIdx, long ldc, int h, int w, boolean first, MemorySegment t) {
        if (first) {
            // A bulk copy, not vector stores: a classifier's edge tiles run too seldom for C2, and C1 runs vector
            // code through the Vector API's allocating fallback.
            MemorySegment.copy(ZERO_TILE, 0, t, 0, ZERO_TILE.byteSize());
        } else {
            for (int r = 0; r < h; r++) {
                MemorySegment.copy(c, (cIdx + r * ldc) * Float.BYTES, t, (long) r * NR * Float.BYTES, (long) w * Float.BYTES);
            }
        }
        // A narrow edge (often the last few output positions of a conv) only computes the vectors it needs, and a
        // short one (a fully connected layer at batch 1) only its rows.
        if (h <= 2) {
            for (int r = 0; r < h; r++) {
                long ar = aByte + (long) r * Float.BYTES, tr = (long) r * NR * Float.BYTES;
                // Only the vectors holding columns: the panel's zeros past them stay unread (a layer of 256 outputs at
                // batch 1, bound by streaming its weights, read an eighth more than it needed).
                if (w <= L) {
                    oneRow1(pa, ar, pb, bByte, kc, t, tr);
                } else if (w <= 2 * L) {
                    oneRow2(pa, ar, pb, bByte, kc, t, tr);
                } else {
                    oneRow(pa, ar, pb, bByte, kc, t, tr);
                }
            }
        } else if (w <= L) {
            narrowTile1(pa, aByte, pb, bByte, kc, t);
        } else if (w <= 2 * L) {
            narrowTile2(pa, aByte, pb, bByte, kc, t);
        } else {
            tile(pa, aByte, pb, bByte, kc, t, 0, NR, false, 0f, 0f);
        }
        for (int r = 0; r < h; r++) {
            MemorySegment.copy(t, (long) r * NR * Float.BYTES, c, (cIdx + r * ldc) * Float.BYTES, (long) w * Float.BYTES);
        }
    }

    /**
     * Two full tiles of C, strips at {@code a0Byte} and {@code a1Byte}, as {@link #block} does them one by one:
     * seeded when {@code first}, then C's 8 rows through a per-thread heap block for {@link #tile8}, clamped on the
     * way back when {@code last} and the epilogue is one the tile applies, finished otherwise.
     */
    private static void pairedTiles(MemorySegment c, long cOff, long cIdx, long ldc, MemorySegment pa, long a0Byte,
            long a1Byte, MemorySegment pb, long bByte, int kc, boolean first, boolean last, Epilogue ep, int gi,
            int gj) {
        boolean fast = ep.inRegisters();
        if (first) {
            seed(c, cIdx, ldc, fast ? ep : Epilogue.NONE, gi, gj);
            seed(c, cIdx + MR * ldc, ldc, fast ? ep : Epilogue.NONE, gi + MR, gj);
        }
        float[] t = PAIR_TILE.get();
        for (int r = 0; r < 2 * MR; r++) {
            MemorySegment.copy(c, FL, (cIdx + r * ldc) * Float.BYTES, t, r * NR, NR);
        }
        tile8(pa, a0Byte, a1Byte, pb, bByte, kc, t);
        boolean clamp = last && fast && ep.act() != Act.NONE;
        FloatVector lo = FloatVector.broadcast(F, ep.clampLow()), hi = FloatVector.broadcast(F, ep.clampHigh());
        for (int r = 0; r < 2 * MR; r++) {
            for (int v = 0; v < NRV; v++) {
                FloatVector x = FloatVector.fromArray(F, t, r * NR + v * L);
                if (clamp) {
                    x = x.max(lo).min(hi);
                }
                x.intoMemorySegment(c, (cIdx + r * ldc + (long) v * L) * Float.BYTES, NO);
            }
        }
        if (last && !fast) {
            finish(c, cOff, ldc, gi, gj, 2 * MR, NR, ep);
        }
    }

    /**
     * {@link #tile} over two strips at once, 8 × 3 accumulators (for the 32 vector registers of AVX-512), from and
     * back to {@code t} (8 rows of NR floats, on the heap): each k step's three loads of B serve 24 multiply-adds
     * instead of 12, and a panel of B is streamed once for both strips. Loading and storing C itself here made
     * the method too big for C1 ("out of virtual registers"); {@link #pairedTiles} moves C through t.
     */
    private static void tile8(MemorySegment a, long a0Byte, long a1Byte, MemorySegment b, long bByte, int kc,
            float[] t) {
        final long vb = (long) L * Float.BYTES;
        FloatVector c00 = FloatVector.fromArray(F, t, 0 * NR), c01 = FloatVector.fromArray(F, t, 0 * NR + L),
                c02 = FloatVector.fromArray(F, t, 0 * NR + 2 * L);
        FloatVector c10 = FloatVector.fromArray(F, t, 1 * NR), c11 = FloatVector.fromArray(F, t, 1 * NR + L),
                c12 = FloatVector.fromArray(F, t, 1 * NR + 2 * L);
        FloatVector c20 = FloatVector.fromArray(F, t, 2 * NR), c21 = FloatVector.fromArray(F, t, 2 * NR + L),
                c22 = FloatVector.fromArray(F, t, 2 * NR + 2 * L);
        FloatVector c30 = FloatVector.fromArray(F, t, 3 * NR), c31 = FloatVector.fromArray(F, t, 3 * NR + L),
                c32 = FloatVector.fromArray(F, t, 3 * NR + 2 * L);
        FloatVector c40 = FloatVector.fromArray(F, t, 4 * NR), c41 = FloatVector.fromArray(F, t, 4 * NR + L),
                c42 = FloatVector.fromArray(F, t, 4 * NR + 2 * L);
        FloatVector c50 = FloatVector.fromArray(F, t, 5 * NR), c51 = FloatVector.fromArray(F, t, 5 * NR + L),
                c52 = FloatVector.fromArray(F, t, 5 * NR + 2 * L);
        FloatVector c60 = FloatVector.fromArray(F, t, 6 * NR), c61 = FloatVector.fromArray(F, t, 6 * NR + L),
                c62 = FloatVector.fromArray(F, t, 6 * NR + 2 * L);
        FloatVector c70 = FloatVector.fromArray(F, t, 7 * NR), c71 = FloatVector.fromArray(F, t, 7 * NR + L),
                c72 = FloatVector.fromArray(F, t, 7 * NR + 2 * L);
        long ap = a0Byte, aq = a1Byte, bp = bByte;
        for (int p = 0; p < kc; p++, ap += MR * Float.BYTES, aq += MR * Float.BYTES, bp += 3 * vb) {
            FloatVector b0 = FloatVector.fromMemorySegment(F, b, bp, NO);
            FloatVector b1 = FloatVector.fromMemorySegment(F, b, bp + vb, NO);
            FloatVector b2 = FloatVector.fromMemorySegment(F, b, bp + 2 * vb, NO);
            FloatVector x = FloatVector.broadcast(F, a.get(FL, ap));
            c00 = b0.fma(x, c00); c01 = b1.fma(x, c01); c02 = b2.fma(x, c02);
            x = FloatVector.broadcast(F, a.get(FL, ap + 4));
            c10 = b0.fma(x, c10); c11 = b1.fma(x, c11); c12 = b2.fma(x, c12);
            x = FloatVector.broadcast(F, a.get(FL, ap + 8));
            c20 = b0.fma(x, c20); c21 = b1.fma(x, c21); c22 = b2.fma(x, c22);
            x = FloatVector.broadcast(F, a.get(FL, ap + 12));
            c30 = b0.fma(x, c30); c31 = b1.fma(x, c31); c32 = b2.fma(x, c32);
            x = FloatVector.broadcast(F, a.get(FL, aq));
            c40 = b0.fma(x, c40); c41 = b1.fma(x, c41); c42 = b2.fma(x, c42);
            x = FloatVector.broadcast(F, a.get(FL, aq + 4));
            c50 = b0.fma(x, c50); c51 = b1.fma(x, c51); c52 = b2.fma(x, c52);
            x = FloatVector.broadcast(F, a.get(FL, aq + 8));
            c60 = b0.fma(x, c60); c61 = b1.fma(x, c61); c62 = b2.fma(x, c62);
            x = FloatVector.broadcast(F, a.get(FL, aq + 12));
            c70 = b0.fma(x, c70); c71 = b1.fma(x, c71); c72 = b2.fma(x, c72);
        }
        c00.intoArray(t, 0 * NR);
        c01.intoArray(t, 0 * NR + L);
        c02.intoArray(t, 0 * NR + 2 * L);
        c10.intoArray(t, 1 * NR);
        c11.intoArray(t, 1 * NR + L);
        c12.intoArray(t, 1 * NR + 2 * L);
        c20.intoArray(t, 2 * NR);
        c21.intoArray(t, 2 * NR + L);
        c22.intoArray(t, 2 * NR + 2 * L);
        c30.intoArray(t, 3 * NR);
        c31.intoArray(t, 3 * NR + L);
        c32.intoArray(t, 3 * NR + 2 * L);
        c40.intoArray(t, 4 * NR);
        c41.intoArray(t, 4 * NR + L);
        c42.intoArray(t, 4 * NR + 2 * L);
        c50.intoArray(t, 5 * NR);
        c51.intoArray(t, 5 * NR + L);
        c52.intoArray(t, 5 * NR + 2 * L);
        c60.intoArray(t, 6 * NR);
        c61.intoArray(t, 6 * NR + L);
        c62.intoArray(t, 6 * NR + 2 * L);
        c70.intoArray(t, 7 * NR);
        c71.intoArray(t, 7 * NR + L);
        c72.intoArray(t, 7 * NR + 2 * L);
    }

    // ---- the hot spot: an MR×NRV register tile, FMA over kc steps ----
    // Everything is written out in one method: a vector that crosses a call the JIT does not inline is boxed,
    // and the tile then runs the Vector API's slow fallback (measured: 12 GFLOP/s instead of 100). The method is
    // also kept small (C accumulates from memory; bias and residual are seeded there first): a larger one failed
    // C1 ("out of virtual registers") and never reached C2 in a whole-model run.
    private static void tile(MemorySegment a, long aByte, MemorySegment b, long bByte, int kc,
            MemorySegment c, long cIdx, long ldc, boolean clamp, float lo, float hi) {
        final long vb = (long) L * Float.BYTES;
        final long rb = ldc * Float.BYTES;
        final long c0 = cIdx * Float.BYTES, c1 = c0 + rb, c2 = c1 + rb, c3 = c2 + rb;
        FloatVector c00 = FloatVector.fromMemorySegment(F, c, c0, NO);
        FloatVector c01 = FloatVector.fromMemorySegment(F, c, c0 + vb, NO);
        FloatVector c02 = FloatVector.fromMemorySegment(F, c, c0 + 2 * vb, NO);
        FloatVector c10 = FloatVector.fromMemorySegment(F, c, c1, NO);
        FloatVector c11 = FloatVector.fromMemorySegment(F, c, c1 + vb, NO);
        FloatVector c12 = FloatVector.fromMemorySegment(F, c, c1 + 2 * vb, NO);
        FloatVector c20 = FloatVector.fromMemorySegment(F, c, c2, NO);
        FloatVector c21 = FloatVector.fromMemorySegment(F, c, c2 + vb, NO);
        FloatVector c22 = FloatVector.fromMemorySegment(F, c, c2 + 2 * vb, NO);
        FloatVector c30 = FloatVector.fromMemorySegment(F, c, c3, NO);
        FloatVector c31 = FloatVector.fromMemorySegment(F, c, c3 + vb, NO);
        FloatVector c32 = FloatVector.fromMemorySegment(F, c, c3 + 2 * vb, NO);
        long ap = aByte;
        long bp = bByte;
        for (int p = 0; p < kc; p++, ap += MR * Float.BYTES, bp += 3 * vb) {
            FloatVector b0 = FloatVector.fromMemorySegment(F, b, bp, NO);
            FloatVector b1 = FloatVector.fromMemorySegment(F, b, bp + vb, NO);
            FloatVector b2 = FloatVector.fromMemorySegment(F, b, bp + 2 * vb, NO);
            FloatVector x = FloatVector.broadcast(F, a.get(FL, ap));
            c00 = b0.fma(x, c00); c01 = b1.fma(x, c01); c02 = b2.fma(x, c02);
            x = FloatVector.broadcast(F, a.get(FL, ap + 4));
            c10 = b0.fma(x, c10); c11 = b1.fma(x, c11); c12 = b2.fma(x, c12);
            x = FloatVector.broadcast(F, a.get(FL, ap + 8));
            c20 = b0.fma(x, c20); c21 = b1.fma(x, c21); c22 = b2.fma(x, c22);
            x = FloatVector.broadcast(F, a.get(FL, ap + 12));
            c30 = b0.fma(x, c30); c31 = b1.fma(x, c31); c32 = b2.fma(x, c32);
        }
        if (clamp) {
            // ReLU and HeLU share this forward: one branch-free max per accumulator, still in registers.
            FloatVector z = FloatVector.broadcast(F, lo);
            c00 = c00.max(z); c01 = c01.max(z); c02 = c02.max(z); c10 = c10.max(z); c11 = c11.max(z); c12 = c12.max(z);
            c20 = c20.max(z); c21 = c21.max(z); c22 = c22.max(z); c30 = c30.max(z); c31 = c31.max(z); c32 = c32.max(z);
            if (hi != Float.POSITIVE_INFINITY) {  // ReLU6 / Clip
                z = FloatVector.broadcast(F, hi);
                c00 = c00.min(z); c01 = c01.min(z); c02 = c02.min(z); c10 = c10.min(z); c11 = c11.min(z); c12 = c12.min(z);
                c20 = c20.min(z); c21 = c21.min(z); c22 = c22.min(z); c30 = c30.min(z); c31 = c31.min(z); c32 = c32.min(z);
            }
        }
        c00.intoMemorySegment(c, c0, NO);
        c01.intoMemorySegment(c, c0 + vb, NO);
        c02.intoMemorySegment(c, c0 + 2 * vb, NO);
        c10.intoMemorySegment(c, c1, NO);
        c11.intoMemorySegment(c, c1 + vb, NO);
        c12.intoMemorySegment(c, c1 + 2 * vb, NO);
        c20.intoMemorySegment(c, c2, NO);
        c21.intoMemorySegment(c, c2 + vb, NO);
        c22.intoMemorySegment(c, c2 + 2 * vb, NO);
        c30.intoMemorySegment(c, c3, NO);
        c31.intoMemorySegment(c, c3 + vb, NO);
        c32.intoMemorySegment(c, c3 + 2 * vb, NO);
    }

    /** One row of an edge tile (at byte {@code tByte} of {@code t}) from row {@code aByte} of a strip. */
    private static void oneRow(MemorySegment a, long aByte, MemorySegment b, long bByte, int kc, MemorySegment t,
            long tByte) {
        final long vb = (long) L * Float.BYTES;
        FloatVector c0 = FloatVector.fromMemorySegment(F, t, tByte, NO);
        FloatVector c1 = FloatVector.fromMemorySegment(F, t, tByte + vb, NO);
        FloatVector c2 = FloatVector.fromMemorySegment(F, t, tByte + 2 * vb, NO);
        long ap = aByte;
        long bp = bByte;
        for (int p = 0; p < kc; p++, ap += MR * Float.BYTES, bp += 3 * vb) {
            FloatVector x = FloatVector.broadcast(F, a.get(FL, ap));
            c0 = FloatVector.fromMemorySegment(F, b, bp, NO).fma(x, c0);
            c1 = FloatVector.fromMemorySegment(F, b, bp + vb, NO).fma(x, c1);
            c2 = FloatVector.fromMemorySegment(F, b, bp + 2 * vb, NO).fma(x, c2);
        }
        c0.intoMemorySegment(t, tByte, NO);
        c1.intoMemorySegment(t, tByte + vb, NO);
        c2.intoMemorySegment(t, tByte + 2 * vb, NO);
    }

    /** {@link #oneRow}'s first vector only. */
    private static void oneRow1(MemorySegment a, long aByte, MemorySegment b, long bByte, int kc, MemorySegment t,
            long tByte) {
        final long vb = (long) L * Float.BYTES;
        FloatVector c0 = FloatVector.fromMemorySegment(F, t, tByte, NO);
        long ap = aByte;
        long bp = bByte;
        for (int p = 0; p < kc; p++, ap += MR * Float.BYTES, bp += 3 * vb) {
            c0 = FloatVector.fromMemorySegment(F, b, bp, NO).fma(FloatVector.broadcast(F, a.get(FL, ap)), c0);
        }
        c0.intoMemorySegment(t, tByte, NO);
    }

    /** {@link #oneRow}'s first two vectors only. */
    private static void oneRow2(MemorySegment a, long aByte, MemorySegment b, long bByte, int kc, MemorySegment t,
            long tByte) {
        final long vb = (long) L * Float.BYTES;
        FloatVector c0 = FloatVector.fromMemorySegment(F, t, tByte, NO);
        FloatVector c1 = FloatVector.fromMemorySegment(F, t, tByte + vb, NO);
        long ap = aByte;
        long bp = bByte;
        for (int p = 0; p < kc; p++, ap += MR * Float.BYTES, bp += 3 * vb) {
            FloatVector x = FloatVector.broadcast(F, a.get(FL, ap));
            c0 = FloatVector.fromMemorySegment(F, b, bp, NO).fma(x, c0);
            c1 = FloatVector.fromMemorySegment(F, b, bp + vb, NO).fma(x, c1);
        }
        c0.intoMemorySegment(t, tByte, NO);
        c1.intoMemorySegment(t, tByte + vb, NO);
    }

    /** The first vector of each row of an edge tile {@code t} (row stride NR), accumulated onto it. */
    private static void narrowTile1(MemorySegment a, long aByte, MemorySegment b, long bByte, int kc, MemorySegment t) {
        final long rb = (long) NR * Float.BYTES;
        FloatVector c0 = FloatVector.fromMemorySegment(F, t, 0, NO);
        FloatVector c1 = FloatVector.fromMemorySegment(F, t, rb, NO);
        FloatVector c2 = FloatVector.fromMemorySegment(F, t, 2 * rb, NO);
        FloatVector c3 = FloatVector.fromMemorySegment(F, t, 3 * rb, NO);
        long ap = aByte;
        long bp = bByte;
        for (int p = 0; p < kc; p++, ap += MR * Float.BYTES, bp += rb) {
            FloatVector b0 = FloatVector.fromMemorySegment(F, b, bp, NO);
            c0 = b0.fma(FloatVector.broadcast(F, a.get(FL, ap)), c0);
            c1 = b0.fma(FloatVector.broadcast(F, a.get(FL, ap + 4)), c1);
            c2 = b0.fma(FloatVector.broadcast(F, a.get(FL, ap + 8)), c2);
            c3 = b0.fma(FloatVector.broadcast(F, a.get(FL, ap + 12)), c3);
        }
        c0.intoMemorySegment(t, 0, NO);
        c1.intoMemorySegment(t, rb, NO);
        c2.intoMemorySegment(t, 2 * rb, NO);
        c3.intoMemorySegment(t, 3 * rb, NO);
    }

    /** The first two vectors of each row of an edge tile {@code t} (row stride NR), accumulated onto it. */
    private static void narrowTile2(MemorySegment a, long aByte, MemorySegment b, long bByte, int kc, MemorySegment t) {
        final long vb = (long) L * Float.BYTES;
        final long rb = (long) NR * Float.BYTES;
        FloatVector c00 = FloatVector.fromMemorySegment(F, t, 0, NO);
        FloatVector c01 = FloatVector.fromMemorySegment(F, t, vb, NO);
        FloatVector c10 = FloatVector.fromMemorySegment(F, t, rb, NO);
        FloatVector c11 = FloatVector.fromMemorySegment(F, t, rb + vb, NO);
        FloatVector c20 = FloatVector.fromMemorySegment(F, t, 2 * rb, NO);
        FloatVector c21 = FloatVector.fromMemorySegment(F, t, 2 * rb + vb, NO);
        FloatVector c30 = FloatVector.fromMemorySegment(F, t, 3 * rb, NO);
        FloatVector c31 = FloatVector.fromMemorySegment(F, t, 3 * rb + vb, NO);
        long ap = aByte;
        long bp = bByte;
        for (int p = 0; p < kc; p++, ap += MR * Float.BYTES, bp += rb) {
            FloatVector b0 = FloatVector.fromMemorySegment(F, b, bp, NO);
            FloatVector b1 = FloatVector.fromMemorySegment(F, b, bp + vb, NO);
            FloatVector x = FloatVector.broadcast(F, a.get(FL, ap));
            c00 = b0.fma(x, c00); c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(F, a.get(FL, ap + 4));
            c10 = b0.fma(x, c10); c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(F, a.get(FL, ap + 8));
            c20 = b0.fma(x, c20); c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(F, a.get(FL, ap + 12));
            c30 = b0.fma(x, c30); c31 = b1.fma(x, c31);
        }
        c00.intoMemorySegment(t, 0, NO);
        c01.intoMemorySegment(t, vb, NO);
        c10.intoMemorySegment(t, rb, NO);
        c11.intoMemorySegment(t, rb + vb, NO);
        c20.intoMemorySegment(t, 2 * rb, NO);
        c21.intoMemorySegment(t, 2 * rb + vb, NO);
        c30.intoMemorySegment(t, 3 * rb, NO);
        c31.intoMemorySegment(t, 3 * rb + vb, NO);
    }

    /**
     * Starts a full tile of C at the part of the epilogue that does not depend on the sum: the bias (per row or
     * per column) plus the residual, or zeros. The tile then accumulates onto it, so neither costs a pass later.
     */
    private static void seed(MemorySegment c, long cIdx, long ldc, Epilogue ep, int row, int col) {
        MemorySegment bias = ep.bias();
        MemorySegment res = ep.residual();
        for (int r = 0; r < MR; r++) {
            long at = (cIdx + r * ldc) * Float.BYTES;
            float rowBias = bias != null && ep.biasColStride() == 0
                    ? bias.getAtIndex(FL, ep.biasOff() + (long) (row + r) * ep.biasRowStride()) : 0f;
            for (int v = 0; v < NRV; v++, at += (long) L * Float.BYTES) {
                FloatVector x = bias != null && ep.biasColStride() != 0
                        ? FloatVector.fromMemorySegment(F, bias, (ep.biasOff() + col + (long) v * L) * Float.BYTES, NO)
                        : FloatVector.broadcast(F, rowBias);
                if (res != null) {
                    x = x.add(FloatVector.fromMemorySegment(F, res, at, NO));
                }
                x.intoMemorySegment(c, at, NO);
            }
        }
    }

    /**
     * The whole epilogue, in place, on C's rows [row, row + h) and columns [col, col + w) (global coordinates),
     * which hold plain sums. Used for edge tiles and for epilogues the micro-kernel does not apply itself.
     */
    static void finish(MemorySegment c, long cOff, long ldc, int row, int col, int h, int w, Epilogue ep) {
        finish(c, cOff, ldc, row, col, h, w, ep, true);
    }

    /**
     * {@link #finish}, its sums in vectors only if {@code vectors}: an edge tile's finish is left scalar, since
     * edge tiles may be the only callers left (a classifier's last panel: ResNet-18's at batch 32 is 8 calls per
     * run), too few for C2, and C1 runs vector code through the Vector API's allocating fallback (21,504 B per
     * run there, once ChannelLanesConv stopped calling this for every output).
     */
    private static void finish(MemorySegment c, long cOff, long ldc, int row, int col, int h, int w, Epilogue ep,
            boolean vectors) {
        float alpha = ep.alpha();
        MemorySegment bias = ep.bias();
        MemorySegment res = ep.residual();
        for (int r = 0; r < h; r++) {
            long i = row + r;
            long ci = cOff + i * ldc + col;
            long bi = ep.biasOff() + i * ep.biasRowStride() + (ep.biasColStride() == 0 ? 0 : col);
            if (alpha != 1f || bias != null || res != null) {
                // Whole vectors, unmasked, then a scalar tail: in some JVMs C2 left the masked form of this loop to
                // the Vector API's allocating fallback (fashion-mlp at batch 1: 36,288 B and +15 us per run in 3 of
                // 5 JVMs, every tile there being an edge tile). Below a vector it is all scalar: a classifier's few
                // outputs at batch 1 (WRN-16-4's 10) call this once per run, too seldom for C2.
                int j = 0;
                if (w >= L && vectors) {
                    FloatVector beta = FloatVector.broadcast(F, ep.beta());
                    for (; j + L <= w; j += L) {
                        long at = (ci + j) * Float.BYTES;
                        FloatVector v = FloatVector.fromMemorySegment(F, c, at, NO);
                        if (alpha != 1f) {
                            v = v.mul(alpha);
                        }
                        if (bias != null) {
                            FloatVector bv = ep.biasColStride() == 0 ? FloatVector.broadcast(F, bias.getAtIndex(FL, bi))
                                    : FloatVector.fromMemorySegment(F, bias, (bi + j) * Float.BYTES, NO);
                            v = bv.fma(beta, v);
                        }
                        if (res != null) {
                            v = v.add(FloatVector.fromMemorySegment(F, res, at, NO));
                        }
                        v.intoMemorySegment(c, at, NO);
                    }
                }
                for (; j < w; j++) {
                    float v = alpha * c.getAtIndex(FL, ci + j);
                    if (bias != null) {
                        v = Math.fma(bias.getAtIndex(FL, ep.biasColStride() == 0 ? bi : bi + j), ep.beta(), v);
                    }
                    if (res != null) {
                        v += res.getAtIndex(FL, ci + j);
                    }
                    c.setAtIndex(FL, ci + j, v);
                }
            }
            switch (ep.act()) {
                case NONE -> { }
                case RELU -> Activation.relu(c, ci, c, ci, w);
                case LEAKY_RELU -> Activation.leakyRelu(c, ci, c, ci, w, ep.actAlpha());
                case SIGMOID -> Activation.sigmoid(c, ci, c, ci, w);
                case GELU -> Activation.gelu(c, ci, c, ci, w);
                case GELU_TANH -> Activation.geluTanh(c, ci, c, ci, w);
                case CLIP -> Activation.clip(c, ci, c, ci, w, ep.actAlpha(), ep.actBeta());
            }
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
                s0 = FloatVector.fromMemorySegment(F, a, (row + p) * 4, NO).fma(FloatVector.fromMemorySegment(F, b, (bOff + p) * 4, NO), s0);
                s1 = FloatVector.fromMemorySegment(F, a, (row + p + L) * 4, NO).fma(FloatVector.fromMemorySegment(F, b, (bOff + p + L) * 4, NO), s1);
            }
            for (; p < bound; p += L) {
                s0 = FloatVector.fromMemorySegment(F, a, (row + p) * 4, NO).fma(FloatVector.fromMemorySegment(F, b, (bOff + p) * 4, NO), s0);
            }
            if (p < k) {
                VectorMask<Float> mask = F.indexInRange(p, k);
                s1 = FloatVector.fromMemorySegment(F, a, (row + p) * 4, NO, mask).fma(FloatVector.fromMemorySegment(F, b, (bOff + p) * 4, NO, mask), s1);
            }
            c.setAtIndex(FL, cOff + i * ldc, s0.add(s1).reduceLanes(VectorOperators.ADD));
        }
        finish(c, cOff, ldc, 0, 0, m, 1, ep);
    }

    /** Copies columns [j, j + w) of op(B) into a panel of NR columns at {@code dOff}, zero-padding the rest. */
    static void packPanel(MemorySegment dst, long dOff, MemorySegment b, long bOff, long ldb,
            boolean transB, int j, int w, int k) {
        if (transB) {
            packPanelTransposed(dst, dOff, b, bOff, ldb, j, w, k);
            return;
        }
        for (int p = 0; p < k; p++) {
            long row = dOff + (long) p * NR;
            MemorySegment.copy(b, FL, (bOff + p * ldb + j) * Float.BYTES, dst, FL, row * Float.BYTES, w);
            for (int jj = w; jj < NR; jj++) {
                dst.setAtIndex(FL, row + jj, 0f);
            }
        }
    }

    /** Steps of k per block of {@link #packPanelTransposed}: its panel rows, PACK_STEPS · NR floats, stay in L1. */
    private static final int PACK_STEPS = 64;

    /**
     * {@link #packPanel} of a stored [n×k] B (a layer's weights, or a transposed operand per call). Walking a column
     * of it one float at a time, from each of w rows ldb apart, thrashed L1 (weights' row lengths put the rows on a
     * few cache sets: ResNet-18's 512 × 4608 took 4.4-19 ms). Instead each row's next PACK_STEPS floats are read in
     * order into a block of the panel that stays in L1. Nothing is allocated: {@link #gemm} packs this way per call.
     */
    private static void packPanelTransposed(MemorySegment dst, long dOff, MemorySegment b, long bOff, long ldb,
            int j, int w, int k) {
        for (int p0 = 0; p0 < k; p0 += PACK_STEPS) {
            int steps = Math.min(PACK_STEPS, k - p0);
            long block = dOff + (long) p0 * NR;
            for (int jj = 0; jj < w; jj++) {
                long src = bOff + (j + jj) * ldb + p0;
                for (int p = 0; p < steps; p++) {
                    dst.setAtIndex(FL, block + (long) p * NR + jj, b.getAtIndex(FL, src + p));
                }
            }
            for (int p = 0; w < NR && p < steps; p++) {
                long row = block + (long) p * NR;
                for (int jj = w; jj < NR; jj++) {
                    dst.setAtIndex(FL, row + jj, 0f);
                }
            }
        }
    }

    private static void zero(MemorySegment c, long cOff, long ldc, int m, int n) {
        for (int i = 0; i < m; i++) {
            c.asSlice((cOff + i * ldc) * Float.BYTES, (long) n * Float.BYTES).fill((byte) 0);
        }
    }
}
