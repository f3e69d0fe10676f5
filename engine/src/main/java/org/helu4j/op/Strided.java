package org.helu4j.op;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.helu4j.Tensor;
import org.helu4j.tensor.Shape;

/**
 * Element moves shared by the data-movement ops (Transpose, Slice, Expand, Tile, Concat, Split, Pad): a strided
 * copy between two segments, for 4-byte (float32) and 8-byte (int64) elements alike. Offsets and strides are in
 * elements. A copy is planned once ({@link #plan}: axes merged where both sides stay contiguous, unit axes
 * dropped) and then run any number of times without allocating; contiguous runs become one
 * {@link MemorySegment#copy}.
 */
final class Strided {
    private final int[] dims;
    private final long[] src;
    private final long[] dst;
    private final long srcOff;
    private final long dstOff;
    private final int esize;
    private final boolean empty;

    private Strided(int[] dims, long[] src, long[] dst, long srcOff, long dstOff, int esize, boolean empty) {
        this.dims = dims;
        this.src = src;
        this.dst = dst;
        this.srcOff = srcOff;
        this.dstOff = dstOff;
        this.esize = esize;
        this.empty = empty;
    }

    /**
     * Plans the copy of the box {@code dims} from (srcOff, srcStrides) to (dstOff, dstStrides). A stride may be
     * 0 (broadcast on the source side).
     */
    static Strided plan(long srcOff, long[] srcStrides, long dstOff, long[] dstStrides, int[] dims, int esize) {
        int rank = 0;
        int[] d = new int[dims.length];
        long[] ss = new long[dims.length];
        long[] ds = new long[dims.length];
        for (int k = 0; k < dims.length; k++) {
            if (dims[k] == 0) {
                return new Strided(new int[0], new long[0], new long[0], 0, 0, esize, true);
            }
            if (dims[k] == 1) {
                continue;
            }
            if (rank > 0 && ss[rank - 1] == srcStrides[k] * dims[k] && ds[rank - 1] == dstStrides[k] * dims[k]) {
                d[rank - 1] *= dims[k];
                ss[rank - 1] = srcStrides[k];
                ds[rank - 1] = dstStrides[k];
            } else {
                d[rank] = dims[k];
                ss[rank] = srcStrides[k];
                ds[rank] = dstStrides[k];
                rank++;
            }
        }
        return new Strided(java.util.Arrays.copyOf(d, rank), java.util.Arrays.copyOf(ss, rank),
                java.util.Arrays.copyOf(ds, rank), srcOff, dstOff, esize, false);
    }

    /** Runs the planned copy. */
    void run(MemorySegment from, MemorySegment to) {
        if (empty) {
            return;
        }
        if (dims.length == 0) {
            MemorySegment.copy(from, srcOff * esize, to, dstOff * esize, esize);
            return;
        }
        level(0, from, srcOff, to, dstOff);
    }

    /** The odometer, as recursion over the (few, merged) axes: no index array to allocate. */
    private void level(int k, MemorySegment from, long s, MemorySegment to, long t) {
        int last = dims.length - 1;
        if (k == last) {
            row(from, s, src[k], to, t, dst[k], dims[k], esize);
            return;
        }
        for (int i = 0; i < dims[k]; i++) {
            level(k + 1, from, s + i * src[k], to, t + i * dst[k]);
        }
    }

    /**
     * The copy plan of an op's last run, for ops whose copy depends only on their input and output shapes. Plans
     * are immutable and published through a volatile field, so sessions on several threads may share one.
     */
    static final class LastPlan {
        private record Entry(Shape in, Shape out, Strided copy) {
        }

        private volatile Entry last;

        /** The last run's plan if it was for these shapes, else null. */
        Strided get(Shape in, Shape out) {
            Entry e = last;
            return e != null && e.in.equals(in) && e.out.equals(out) ? e.copy : null;
        }

        /** Remembers {@code copy} as the plan for these shapes, and returns it. */
        Strided put(Shape in, Shape out, Strided copy) {
            last = new Entry(in, out, copy);
            return copy;
        }
    }

    /** Plans and runs a copy once; see {@link #plan}. */
    static void copy(MemorySegment from, long srcOff, long[] srcStrides, MemorySegment to, long dstOff,
            long[] dstStrides, int[] dims, int esize) {
        plan(srcOff, srcStrides, dstOff, dstStrides, dims, esize).run(from, to);
    }

    /** One run of {@code n} elements. */
    static void row(MemorySegment src, long s, long ss, MemorySegment dst, long t, long ts, int n, int esize) {
        if (ss == 1 && ts == 1) {
            MemorySegment.copy(src, s * esize, dst, t * esize, (long) n * esize);
        } else if (esize == 4) {
            for (int i = 0; i < n; i++) {
                dst.setAtIndex(ValueLayout.JAVA_INT, t + i * ts, src.getAtIndex(ValueLayout.JAVA_INT, s + i * ss));
            }
        } else {
            for (int i = 0; i < n; i++) {
                dst.setAtIndex(ValueLayout.JAVA_LONG, t + i * ts, src.getAtIndex(ValueLayout.JAVA_LONG, s + i * ss));
            }
        }
    }

    /** Copies all of {@code src} into {@code dst} (same type and element count), as Reshape and Identity do. */
    static void copyAll(Tensor src, Tensor dst) {
        MemorySegment.copy(src.segment(), 0, dst.segment(), 0, src.size() * src.type().byteSize());
    }

    /** Row-major strides of {@code dims}, in elements. */
    static long[] strides(int[] dims) {
        long[] s = new long[dims.length];
        long acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= dims[i];
        }
        return s;
    }

    /** True if int64 tensor {@code t} (or null) holds exactly {@code v} (or null): a plan key check that allocates nothing. */
    static boolean same(Tensor t, long[] v) {
        if (t == null || v == null) {
            return t == null && v == null;
        }
        if (t.size() != v.length) {
            return false;
        }
        for (int i = 0; i < v.length; i++) {
            if (t.getLong(i) != v[i]) {
                return false;
            }
        }
        return true;
    }

    /** The float form of {@link #same(Tensor, long[])}, comparing bits. */
    static boolean same(Tensor t, float[] v) {
        if (t == null || v == null) {
            return t == null && v == null;
        }
        if (t.size() != v.length) {
            return false;
        }
        for (int i = 0; i < v.length; i++) {
            if (Float.floatToRawIntBits(t.getFloat(i)) != Float.floatToRawIntBits(v[i])) {
                return false;
            }
        }
        return true;
    }
}
