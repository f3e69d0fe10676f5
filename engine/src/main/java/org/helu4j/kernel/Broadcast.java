package org.helu4j.kernel;

import org.helu4j.tensor.Shape;

/**
 * NumPy broadcasting of two operands into an output, reduced to the fewest loops: output dimensions of size 1
 * are dropped and neighbours that both operands walk contiguously (or both repeat) are merged. What is left is
 * {@code rows} rows of {@code inner} elements; within a row each operand either advances ({@code aStep = 1}) or
 * repeats one element ({@code aStep = 0}). [N,C,H,W] + [C,1,1] becomes N*C rows of H*W, with b fixed per row.
 *
 * <p>A plan is immutable (so an op may keep the last one and reuse it while the shapes stay the same, allocating
 * nothing per run), and {@link #a(long)}/{@link #b(long)} find a row's operand offsets by dividing the row index
 * through the few outer dimensions.
 */
public final class Broadcast {
    /** Elements per row. */
    public final long inner;
    /** Number of rows. */
    public final long rows;
    /** 1 if the operand advances along a row, 0 if it repeats one element. */
    public final int aStep, bStep;

    private final Shape outShape, aShape, bShape;  // what the plan was made for
    private final long[] dims;   // outer loop dims, outermost first (the row dim excluded)
    private final long[] aStr, bStr;

    private Broadcast(Shape out, Shape a, Shape b, long[] dims, long[] aStr, long[] bStr) {
        this.outShape = out;
        this.aShape = a;
        this.bShape = b;
        int r = dims.length - 1;
        this.inner = dims[r];
        this.aStep = (int) aStr[r];
        this.bStep = (int) bStr[r];
        this.dims = java.util.Arrays.copyOf(dims, r);
        this.aStr = java.util.Arrays.copyOf(aStr, r);
        this.bStr = java.util.Arrays.copyOf(bStr, r);
        long n = 1;
        for (int i = 0; i < r; i++) {
            n *= dims[i];
        }
        this.rows = n;
    }

    /** True if this plan was made for exactly these shapes. */
    public boolean matches(Shape out, Shape a, Shape b) {
        return outShape.equals(out) && aShape.equals(a) && bShape.equals(b);
    }

    /** Offset, in elements, of row {@code row}'s first element in operand a (the output's is row * inner). */
    public long a(long row) {
        return offset(row, aStr);
    }

    /** Offset, in elements, of row {@code row}'s first element in operand b. */
    public long b(long row) {
        return offset(row, bStr);
    }

    private long offset(long row, long[] str) {
        long off = 0;
        for (int d = dims.length - 1; d >= 0 && row > 0; d--) {
            off += (row % dims[d]) * str[d];
            row /= dims[d];
        }
        return off;
    }

    /** The multidirectional broadcast of two shapes, as NumPy and ONNX define it. */
    public static Shape shape(Shape a, Shape b) {
        int r = Math.max(a.rank(), b.rank());
        int[] d = new int[r];
        for (int i = 0; i < r; i++) {
            int da = dimAligned(a, r, i);
            int db = dimAligned(b, r, i);
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("shapes " + a + " and " + b + " cannot be broadcast together");
            }
            d[i] = da == 1 ? db : da;
        }
        return Shape.of(d);
    }

    /** True if {@code s} broadcasts to {@code target} without changing it (unidirectional broadcasting). */
    public static boolean broadcastsTo(Shape s, Shape target) {
        if (s.rank() > target.rank()) {
            return false;
        }
        for (int i = 0; i < target.rank(); i++) {
            int d = dimAligned(s, target.rank(), i);
            if (d != 1 && d != target.dim(i)) {
                return false;
            }
        }
        return true;
    }

    /** A plan for {@code out = a op b}; {@code out} must be the broadcast of the operand shapes (or contain it). */
    public static Broadcast plan(Shape out, Shape a, Shape b) {
        int r = out.rank();
        if (a.rank() > r || b.rank() > r) {
            throw new IllegalArgumentException("cannot broadcast " + a + " and " + b + " to " + out);
        }
        long[] as = alignedStrides(a, out);
        long[] bs = alignedStrides(b, out);
        long[] dims = new long[r + 1];
        long[] ad = new long[r + 1];
        long[] bd = new long[r + 1];
        int k = 0;  // collapsed dims, built innermost first
        for (int i = r - 1; i >= 0; i--) {
            long d = out.dim(i);
            if (d == 1) {
                continue;
            }
            if (k > 0 && as[i] == ad[k - 1] * dims[k - 1] && bs[i] == bd[k - 1] * dims[k - 1]) {
                dims[k - 1] *= d;  // contiguous in both (or repeated in both): one longer loop
            } else {
                dims[k] = d;
                ad[k] = as[i];
                bd[k] = bs[i];
                k++;
            }
        }
        if (k == 0) {  // one element
            return new Broadcast(out, a, b, new long[] {1}, new long[] {1}, new long[] {1});
        }
        long[] d = new long[k];
        long[] sa = new long[k];
        long[] sb = new long[k];
        for (int i = 0; i < k; i++) {
            d[i] = dims[k - 1 - i];
            sa[i] = ad[k - 1 - i];
            sb[i] = bd[k - 1 - i];
        }
        return new Broadcast(out, a, b, d, sa, sb);
    }

    private static int dimAligned(Shape s, int rank, int i) {
        int j = i - (rank - s.rank());
        return j < 0 ? 1 : s.dim(j);
    }

    /** Row-major strides of {@code s} aligned right against {@code out}, 0 where {@code s} repeats. */
    public static long[] alignedStrides(Shape s, Shape out) {
        int r = out.rank();
        long[] st = new long[r];
        long acc = 1;
        for (int i = r - 1; i >= 0; i--) {
            int d = dimAligned(s, r, i);
            if (d != 1 && d != out.dim(i)) {
                throw new IllegalArgumentException("cannot broadcast " + s + " to " + out);
            }
            st[i] = d == 1 ? 0 : acc;
            acc *= d;
        }
        return st;
    }
}
