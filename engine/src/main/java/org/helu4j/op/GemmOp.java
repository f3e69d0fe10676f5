package org.helu4j.op;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.helu4j.Tensor;
import org.helu4j.graph.Attributes;
import org.helu4j.graph.Node;
import org.helu4j.kernel.Gemm;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * ONNX Gemm: {@code Y = alpha · op(A) · op(B) + beta · C}, with A and B 2-D, {@code op} an optional transpose and
 * C (optional since opset 11) broadcast unidirectionally to [M, N]. A constant B is packed once at load time.
 */
final class GemmOp extends Op {
    private final float alpha;
    private final float beta;
    private final boolean transA;
    private final boolean transB;
    private volatile GemmPackedB packed;
    private final Gemm.Act act;
    private final float actAlpha;
    private final float actBeta;
    /** The last epilogue built, reused while C and the output shape stay the same (no allocation per run). */
    private volatile CachedEpilogue lastEpilogue;

    private record CachedEpilogue(MemorySegment c, Shape cShape, int m, int n, Gemm.Epilogue epilogue) {
    }

    GemmOp(Node node) {
        super(node);
        Attributes at = node.attributes();
        alpha = at.getFloat("alpha", 1f);
        beta = at.getFloat("beta", 1f);
        transA = flag(at, "transA");
        transB = flag(at, "transB");
        act = fusedActivation(node);
        actAlpha = fusedActivationAlpha(node);
        actBeta = fusedActivationBeta(node);
        flag(at, "broadcast"); // opset < 7: C was broadcast only when asked; broadcasting always is a superset
        if (!node.hasInput(0) || !node.hasInput(1)) {
            throw new IllegalArgumentException("Gemm needs inputs A and B");
        }
        if (node.inputs().size() > 3) {
            throw new IllegalArgumentException("Gemm takes at most 3 inputs, got " + node.inputs().size());
        }
    }

    static boolean flag(Attributes at, String name) {
        long v = at.getInt(name, 0);
        if (v != 0 && v != 1) {
            throw new IllegalArgumentException("attribute '" + name + "' must be 0 or 1, not " + v);
        }
        return v == 1;
    }

    @Override
    public void infer(InferContext ctx) {
        for (int i = 0; i < 3; i++) {
            if (ctx.has(i) && ctx.type(i) != DType.FLOAT32) {
                throw new IllegalArgumentException("Gemm supports float32 only; input " + i + " is " + ctx.type(i));
            }
        }
        Shape a = ctx.shape(0);
        Shape b = ctx.shape(1);
        if (a.rank() != 2 || b.rank() != 2) {
            throw new IllegalArgumentException("Gemm needs 2-D A and B, got A " + a + " and B " + b);
        }
        int m = transA ? a.dim(1) : a.dim(0);
        int ka = transA ? a.dim(0) : a.dim(1);
        int kb = transB ? b.dim(1) : b.dim(0);
        int n = transB ? b.dim(0) : b.dim(1);
        if (ka != kb) {
            throw new IllegalArgumentException("A is " + a + (transA ? " (transA)" : "") + " but B is " + b
                    + (transB ? " (transB)" : "") + ": inner dimensions " + ka + " and " + kb + " differ");
        }
        if (ctx.has(2)) {
            biasStrides(ctx.shape(2), m, n);
        }
        ctx.output(0, DType.FLOAT32, Shape.of(m, n));
    }

    @Override
    public void prepare(Tensor[] constants, Arena arena) {
        Tensor b = constants.length > 1 ? constants[1] : null;
        if (b != null && b.type() == DType.FLOAT32 && b.shape().rank() == 2) {
            int n = transB ? b.shape().dim(0) : b.shape().dim(1);
            int k = transB ? b.shape().dim(1) : b.shape().dim(0);
            packed = GemmPackedB.pack(arena, b, transB, n, k);
        }
    }

    /** The (row, column) strides that broadcast C to [m, n], or an exception naming the mismatch. */
    static long[] biasStrides(Shape c, int m, int n) {
        int r = c.rank();
        if (r > 2) {
            throw new IllegalArgumentException("C is " + c + ": it must broadcast to [" + m + ", " + n + "]");
        }
        int cm = r == 2 ? c.dim(0) : 1;
        int cn = r >= 1 ? c.dim(r - 1) : 1;
        if ((cm != 1 && cm != m) || (cn != 1 && cn != n)) {
            throw new IllegalArgumentException("C is " + c + ": it does not broadcast to [" + m + ", " + n + "]");
        }
        long colStride = cn == 1 ? 0 : 1;
        long rowStride = cm == 1 ? 0 : cn;
        return new long[] {rowStride, colStride};
    }

    @Override
    public void run(Tensor[] in, Tensor[] out) {
        Tensor a = in[0];
        Tensor b = in[1];
        Tensor c = in.length > 2 ? in[2] : null;
        Tensor y = out[0];
        int m = y.shape().dim(0);
        int n = y.shape().dim(1);
        int k = transA ? a.shape().dim(0) : a.shape().dim(1);
        Gemm.Epilogue ep = epilogue(c, m, n);
        long lda = a.shape().dim(1);
        GemmPackedB p = packed;
        if (p != null && p.matches(b)) {
            Gemm.gemmPacked(y.segment(), 0, n, a.segment(), 0, lda, transA, p.panels(), 0, m, n, k, ep);
        } else {
            Gemm.gemm(y.segment(), 0, n, a.segment(), 0, lda, transA, b.segment(), 0, b.shape().dim(1), transB,
                    m, n, k, ep);
        }
    }

    private Gemm.Epilogue epilogue(Tensor c, int m, int n) {
        MemorySegment cs = c == null ? null : c.segment();
        Shape cShape = c == null ? null : c.shape();
        CachedEpilogue last = lastEpilogue;
        if (last != null && last.c == cs && last.m == m && last.n == n && java.util.Objects.equals(last.cShape, cShape)) {
            return last.epilogue;
        }
        Gemm.Epilogue ep;
        if (c == null) {
            ep = Gemm.Epilogue.scaled(alpha, false).withAct(act, actAlpha, actBeta);
        } else {
            long[] s = biasStrides(c.shape(), m, n);
            ep = new Gemm.Epilogue(alpha, c.segment(), 0, s[0], s[1], beta, act, actAlpha, actBeta, null);
        }
        lastEpilogue = new CachedEpilogue(cs, cShape, m, n, ep);
        return ep;
    }

    @Override
    public String describe() {
        return super.describe() + (transA ? " transA" : "") + (transB ? " transB" : "") + (packed != null ? " (packed B)" : "");
    }
}
