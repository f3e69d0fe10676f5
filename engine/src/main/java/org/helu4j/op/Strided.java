package org.helu4j.op;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.helu4j.Tensor;

/**
 * Element moves shared by the data-movement ops (Transpose, Slice, Expand, Tile, Concat, Split, Gather): a strided
 * copy between two segments, for 4-byte (float32) and 8-byte (int64) elements alike. Offsets and strides are in
 * elements. Contiguous runs become one {@link MemorySegment#copy}.
 */
final class Strided {
    private Strided() {
    }

    /**
     * Copies the box {@code dims} from {@code src} (at {@code srcOff}, {@code srcStrides}) to {@code dst}
     * (at {@code dstOff}, {@code dstStrides}). A stride may be 0 (broadcast on the source side).
     */
    static void copy(MemorySegment src, long srcOff, long[] srcStrides, MemorySegment dst, long dstOff,
            long[] dstStrides, int[] dims, int esize) {
        // Merge axes where both sides are contiguous across the boundary, and drop unit axes, so that a copy
        // that is really one block becomes one memcpy and a transpose moves whole inner runs.
        int rank = 0;
        int[] d = new int[dims.length];
        long[] ss = new long[dims.length];
        long[] ds = new long[dims.length];
        for (int k = 0; k < dims.length; k++) {
            if (dims[k] == 0) {
                return;
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
        if (rank == 0) {
            MemorySegment.copy(src, srcOff * esize, dst, dstOff * esize, esize);
            return;
        }
        int last = rank - 1;
        int n = d[last];
        long rows = 1;
        for (int k = 0; k < last; k++) {
            rows *= d[k];
        }
        int[] idx = new int[rank];
        long s = srcOff;
        long t = dstOff;
        for (long r = 0; r < rows; r++) {
            row(src, s, ss[last], dst, t, ds[last], n, esize);
            for (int k = last - 1; k >= 0; k--) {
                if (++idx[k] < d[k]) {
                    s += ss[k];
                    t += ds[k];
                    break;
                }
                idx[k] = 0;
                s -= ss[k] * (d[k] - 1);
                t -= ds[k] * (d[k] - 1);
            }
        }
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
}
