package org.helu4j.op;

import java.lang.foreign.Arena;
import java.util.Arrays;
import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.kernel.Gemm;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * ONNX MatMul, as {@code numpy.matmul}: a 1-D A is a row [1, K] and a 1-D B a column [K, 1], the added dimension
 * being removed from the result; the leading (batch) dimensions broadcast. A constant 2-D B is packed once at
 * load time, and when B has no batch dimensions the batches of A are stacked into one tall GEMM.
 */
final class MatMulOp extends Op {
    private volatile GemmPackedB packed;

    MatMulOp(Node node) {
        super(node);
        if (!node.hasInput(0) || !node.hasInput(1) || node.inputs().size() != 2) {
            throw new IllegalArgumentException("MatMul needs exactly two inputs, A and B");
        }
    }

    @Override
    public void infer(InferContext ctx) {
        for (int i = 0; i < 2; i++) {
            if (ctx.type(i) != DType.FLOAT32) {
                throw new IllegalArgumentException("MatMul supports float32 only; input " + i + " is " + ctx.type(i));
            }
        }
        Shape a = ctx.shape(0);
        Shape b = ctx.shape(1);
        if (a.rank() == 0 || b.rank() == 0) {
            throw new IllegalArgumentException("MatMul operands must have rank 1 or more, got A " + a + " and B " + b);
        }
        int ka = a.dim(a.rank() - 1);
        int kb = b.rank() == 1 ? b.dim(0) : b.dim(b.rank() - 2);
        if (ka != kb) {
            throw new IllegalArgumentException("A is " + a + " but B is " + b + ": inner dimensions " + ka + " and "
                    + kb + " differ");
        }
        int[] batch = batchShape(a, b);
        int[] dims = Arrays.copyOf(batch, batch.length + 2);
        int r = batch.length;
        if (a.rank() > 1) {
            dims[r++] = a.dim(a.rank() - 2);
        }
        if (b.rank() > 1) {
            dims[r++] = b.dim(b.rank() - 1);
        }
        ctx.output(0, DType.FLOAT32, Shape.of(Arrays.copyOf(dims, r)));
    }

    @Override
    public void prepare(Tensor[] constants, Arena arena) {
        Tensor b = constants.length > 1 ? constants[1] : null;
        if (b != null && b.type() == DType.FLOAT32 && b.shape().rank() == 2) {
            packed = GemmPackedB.pack(arena, b, false, b.shape().dim(1), b.shape().dim(0));
        }
    }

    /** The broadcast batch dimensions of A and B (all but their last two, or none for a 1-D operand). */
    static int[] batchShape(Shape a, Shape b) {
        int ra = Math.max(a.rank() - 2, 0);
        int rb = Math.max(b.rank() - 2, 0);
        int r = Math.max(ra, rb);
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            int da = i < r - ra ? 1 : a.dim(i - (r - ra));
            int db = i < r - rb ? 1 : b.dim(i - (r - rb));
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("A is " + a + " but B is " + b + ": batch dimensions " + da
                        + " and " + db + " do not broadcast");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    @Override
    public void run(Tensor[] in, Tensor[] out) {
        Tensor a = in[0];
        Tensor b = in[1];
        Shape sa = a.shape();
        Shape sb = b.shape();
        int k = sa.dim(sa.rank() - 1);
        int m = sa.rank() == 1 ? 1 : sa.dim(sa.rank() - 2);
        int n = sb.rank() == 1 ? 1 : sb.dim(sb.rank() - 1);
        long ldb = sb.rank() == 1 ? 1 : n;
        int[] batch = batchShape(sa, sb);
        long batches = 1;
        for (int d : batch) {
            batches *= d;
        }
        long bBatches = sb.rank() <= 2 ? 1 : sb.size(0, sb.rank() - 2);
        var c = out[0].segment();
        if (bBatches == 1) {
            // Every batch of A meets the same B: stack A's batches (contiguous rows) into one GEMM.
            int rows = (int) (batches * m);
            GemmPackedB p = packed;
            if (p != null && p.matches(b)) {
                Gemm.gemmPacked(c, 0, n, a.segment(), 0, k, false, p.panels(), 0, rows, n, k, Gemm.Epilogue.NONE);
            } else {
                Gemm.gemm(c, 0, n, a.segment(), 0, k, false, b.segment(), 0, ldb, false, rows, n, k,
                        Gemm.Epilogue.NONE);
            }
            return;
        }
        long[] aStride = batchStrides(sa, batch.length, (long) m * k);
        long[] bStride = batchStrides(sb, batch.length, (long) k * n);
        int[] idx = new int[batch.length];
        for (long t = 0; t < batches; t++) {
            long aOff = 0;
            long bOff = 0;
            for (int i = 0; i < idx.length; i++) {
                aOff += idx[i] * aStride[i];
                bOff += idx[i] * bStride[i];
            }
            Gemm.gemm(c, t * m * n, n, a.segment(), aOff, k, false, b.segment(), bOff, ldb, false, m, n, k,
                    Gemm.Epilogue.NONE);
            for (int i = idx.length - 1; i >= 0 && ++idx[i] == batch[i]; i--) {
                idx[i] = 0;
            }
        }
    }

    /** Element strides of an operand's batch dimensions, aligned right to {@code rank}; 0 where broadcast. */
    private static long[] batchStrides(Shape s, int rank, long matrix) {
        long[] strides = new long[rank];
        int own = Math.max(s.rank() - 2, 0);
        long acc = matrix;
        for (int i = own - 1; i >= 0; i--) {
            int d = s.dim(i);
            strides[rank - own + i] = d == 1 ? 0 : acc;
            acc *= d;
        }
        return strides;
    }

    @Override
    public String describe() {
        return "MatMul" + (packed != null ? " (packed B)" : "");
    }
}
