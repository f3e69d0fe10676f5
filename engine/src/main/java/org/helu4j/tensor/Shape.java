package org.helu4j.tensor;

import java.util.Arrays;

/**
 * An immutable tensor shape. Every dimension is non-negative and the element count is capped at
 * {@link #MAX_ELEMENTS}, so that no shape can ask for an absurd allocation.
 */
public final class Shape {
    /** The largest tensor the engine will allocate, in elements (1 Gi elements, 4 GiB of float32). */
    public static final long MAX_ELEMENTS = 1L << 30;

    public static final Shape SCALAR = new Shape(new int[0]);

    private final int[] dims;
    private final long size;

    private Shape(int[] dims) {
        long n = 1;
        for (int d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(dims));
            }
            n *= d;
            if (n > MAX_ELEMENTS) {
                throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " exceeds " + MAX_ELEMENTS + " elements");
            }
        }
        this.dims = dims;
        this.size = n;
    }

    public static Shape of(int... dims) {
        return new Shape(dims.clone());
    }

    /** Converts ONNX-style long dimensions, rejecting negative or oversized ones. */
    public static Shape of(long... dims) {
        int[] d = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0 || dims[i] > MAX_ELEMENTS) {
                throw new IllegalArgumentException("dimension " + dims[i] + " out of range in shape " + Arrays.toString(dims));
            }
            d[i] = (int) dims[i];
        }
        return new Shape(d);
    }

    public int rank() {
        return dims.length;
    }

    public int dim(int axis) {
        return dims[axis];
    }

    /** A copy of the dimensions. */
    public int[] dims() {
        return dims.clone();
    }

    public long[] longDims() {
        long[] d = new long[dims.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = dims[i];
        }
        return d;
    }

    /** The number of elements. */
    public long size() {
        return size;
    }

    /** Product of the dimensions in [from, to). */
    public long size(int from, int to) {
        long n = 1;
        for (int i = from; i < to; i++) {
            n *= dims[i];
        }
        return n;
    }

    /** Row-major strides, in elements. */
    public long[] strides() {
        long[] s = new long[dims.length];
        long acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= dims[i];
        }
        return s;
    }

    /** Normalizes a possibly negative axis against this rank, as ONNX does. */
    public int axis(long axis) {
        return normalizeAxis(axis, dims.length);
    }

    public static int normalizeAxis(long axis, int rank) {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= Math.max(rank, 1)) {
            throw new IllegalArgumentException("axis " + axis + " is out of range for rank " + rank);
        }
        return (int) a;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
