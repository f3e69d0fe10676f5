package org.helu4j.op;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.tensor.Shape;

/**
 * Transpose: output axis {@code k} is input axis {@code perm[k]} (default: reversed). The general path walks the
 * output in order with an odometer over the input strides; a swap of the last two axes is done in cache-sized
 * tiles instead, since walking either side with a large stride misses the cache on every element.
 */
final class TransposeOp extends Op {
    private static final int TILE = 32;
    private final int[] perm;

    TransposeOp(Node node) {
        super(node);
        long[] p = node.attributes().getInts("perm");
        if (p != null) {
            perm = new int[p.length];
            boolean[] seen = new boolean[p.length];
            for (int i = 0; i < p.length; i++) {
                if (p[i] < 0 || p[i] >= p.length || seen[(int) p[i]]) {
                    throw new IllegalArgumentException("perm " + Arrays.toString(p) + " is not a permutation");
                }
                seen[(int) p[i]] = true;
                perm[i] = (int) p[i];
            }
        } else {
            perm = null;
        }
    }

    private int[] perm(int rank) {
        if (perm == null) {
            int[] p = new int[rank];
            for (int i = 0; i < rank; i++) {
                p[i] = rank - 1 - i;
            }
            return p;
        }
        if (perm.length != rank) {
            throw new IllegalArgumentException("perm " + Arrays.toString(perm) + " does not match rank " + rank);
        }
        return perm;
    }

    @Override
    public void infer(InferContext ctx) {
        Shape in = ctx.shape(0);
        int[] p = perm(in.rank());
        int[] dims = new int[p.length];
        for (int k = 0; k < p.length; k++) {
            dims[k] = in.dim(p[k]);
        }
        ShapeOps.declare(this, ctx, ctx.type(0), Shape.of(dims));
    }

    @Override
    public void run(Tensor[] in, Tensor[] out) {
        Shape s = in[0].shape();
        int rank = s.rank();
        int[] p = perm(rank);
        int esize = in[0].type().byteSize();
        if (rank >= 2 && isLastTwoSwap(p)) {
            int rows = s.dim(rank - 2);
            int cols = s.dim(rank - 1);
            long batches = s.size(0, rank - 2);
            for (long b = 0; b < batches; b++) {
                long base = b * rows * cols;
                swap2d(in[0].segment(), out[0].segment(), base, rows, cols, esize);
            }
            return;
        }
        long[] inStrides = s.strides();
        int[] dims = new int[rank];
        long[] srcStrides = new long[rank];
        for (int k = 0; k < rank; k++) {
            dims[k] = s.dim(p[k]);
            srcStrides[k] = inStrides[p[k]];
        }
        Strided.copy(in[0].segment(), 0, srcStrides, out[0].segment(), 0, Strided.strides(dims), dims, esize);
    }

    private static boolean isLastTwoSwap(int[] p) {
        int r = p.length;
        for (int k = 0; k < r - 2; k++) {
            if (p[k] != k) {
                return false;
            }
        }
        return p[r - 2] == r - 1 && p[r - 1] == r - 2;
    }

    /** out[c][r] = in[r][c] for one [rows, cols] matrix at element offset {@code base}, in tiles. */
    private static void swap2d(MemorySegment src, MemorySegment dst, long base, int rows, int cols, int esize) {
        for (int r0 = 0; r0 < rows; r0 += TILE) {
            int r1 = Math.min(rows, r0 + TILE);
            for (int c0 = 0; c0 < cols; c0 += TILE) {
                int c1 = Math.min(cols, c0 + TILE);
                for (int c = c0; c < c1; c++) {
                    // one output row segment: column c of input rows r0..r1
                    Strided.row(src, base + (long) r0 * cols + c, cols, dst, base + (long) c * rows + r0, 1, r1 - r0, esize);
                }
            }
        }
    }
}
