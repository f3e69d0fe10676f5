package org.helu4j.op;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.tensor.Shape;

/**
 * Transpose: output axis {@code k} is input axis {@code perm[k]} (default: reversed). The general path walks the
 * output in order with an odometer over the input strides. A permutation that reduces to swapping the last two
 * axes (after merging axes that stay together, as in NCHW to NHWC) is done in cache-sized tiles instead, since
 * walking either side with a large stride misses the cache on every element.
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

    /** How one input shape is transposed: batches of tiled matrix swaps, or a strided copy. */
    private record Plan(Shape shape, int rows, int cols, long batches, Strided copy) {
    }

    private volatile Plan last; // the plan of the last run: the same shape runs again without allocating

    @Override
    public void run(Tensor[] in, Tensor[] out) {
        Plan p = last;
        if (p == null || !p.shape.equals(in[0].shape())) {
            p = plan(in[0].shape(), in[0].type().byteSize());
            last = p;
        }
        int esize = in[0].type().byteSize();
        if (p.copy != null) {
            p.copy.run(in[0].segment(), out[0].segment());
            return;
        }
        long matrix = (long) p.rows * p.cols;
        for (long b = 0; b < p.batches; b++) {
            swap2d(in[0].segment(), out[0].segment(), b * matrix, p.rows, p.cols, esize);
        }
    }

    private Plan plan(Shape s, int esize) {
        int rank = s.rank();
        int[] p = perm(rank);
        // Simplify first: drop unit axes and merge input axes that stay adjacent and in order. NCHW to NHWC then
        // becomes a batch of [C, HW] matrices transposed, which the tiled path handles.
        int[] dims = new int[rank];
        int[] order = new int[rank];
        int r = simplify(s.dims(), p, dims, order);
        if (s.size() > 0 && r >= 2 && isLastTwoSwap(Arrays.copyOf(order, r))) {
            int rows = dims[r - 2];
            int cols = dims[r - 1];
            return new Plan(s, rows, cols, s.size() / ((long) rows * cols), null);
        }
        long[] inStrides = s.strides();
        int[] outDims = new int[rank];
        long[] srcStrides = new long[rank];
        for (int k = 0; k < rank; k++) {
            outDims[k] = s.dim(p[k]);
            srcStrides[k] = inStrides[p[k]];
        }
        return new Plan(s, 0, 0, 0, Strided.plan(0, srcStrides, 0, Strided.strides(outDims), outDims, esize));
    }

    /**
     * The permutation reduced to its essentials: {@code dims} receives the merged input dimensions (in input
     * order) and {@code order} the merged permutation; returns the reduced rank.
     */
    static int simplify(int[] inDims, int[] p, int[] dims, int[] order) {
        int rank = inDims.length;
        // output axes, without unit ones, as runs of consecutive input axes
        int[] start = new int[rank];
        int[] end = new int[rank];
        int runs = 0;
        for (int k = 0; k < rank; k++) {
            int a = p[k];
            if (inDims[a] == 1) {
                continue;
            }
            if (runs > 0 && nextKept(inDims, end[runs - 1]) == a) {
                end[runs - 1] = a;
            } else {
                start[runs] = a;
                end[runs] = a;
                runs++;
            }
        }
        // number the runs by their position in the input
        for (int i = 0; i < runs; i++) {
            int rankInInput = 0;
            for (int j = 0; j < runs; j++) {
                rankInInput += start[j] < start[i] ? 1 : 0;
            }
            order[i] = rankInInput;
            int size = 1;
            for (int a = start[i]; a <= end[i]; a++) {
                size *= inDims[a];
            }
            dims[rankInInput] = size;
        }
        return runs;
    }

    /** The next input axis after {@code a} whose size is not 1, or -1. */
    private static int nextKept(int[] inDims, int a) {
        for (int b = a + 1; b < inDims.length; b++) {
            if (inDims[b] != 1) {
                return b;
            }
        }
        return -1;
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
