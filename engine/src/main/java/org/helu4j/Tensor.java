package org.helu4j;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * A dense, row-major (C order) tensor over a {@link MemorySegment}: float32 data, or int64 for shapes and
 * indices. Images are NCHW. A tensor made by {@link #of(float[], long...)} wraps the array without a copy; one
 * made by {@link #allocate} lives off-heap, 64-byte aligned, for as long as its {@link Arena}.
 *
 * <p>A tensor is a view: it is not thread-safe to write while another thread reads.
 */
public final class Tensor {
    /** Alignment of off-heap tensors: one cache line, and one AVX-512 register. */
    public static final long ALIGNMENT = 64;

    private final MemorySegment data;
    private final Shape shape;
    private final DType type;

    private Tensor(MemorySegment data, Shape shape, DType type) {
        if (data.byteSize() < shape.size() * type.byteSize()) {
            throw new IllegalArgumentException("a segment of " + data.byteSize() + " bytes cannot hold " + type + shape);
        }
        this.data = data;
        this.shape = shape;
        this.type = type;
    }

    /** Wraps float values (not copied) in a tensor of the given shape. */
    public static Tensor of(float[] values, long... dims) {
        Shape shape = checkedShape(values == null ? -1 : values.length, dims);
        return new Tensor(MemorySegment.ofArray(values), shape, DType.FLOAT32);
    }

    /** Wraps int64 values (not copied) in a tensor of the given shape. */
    public static Tensor ofLongs(long[] values, long... dims) {
        Shape shape = checkedShape(values == null ? -1 : values.length, dims);
        return new Tensor(MemorySegment.ofArray(values), shape, DType.INT64);
    }

    /** The shape {@code dims}, which must hold exactly {@code length} values (-1: the array is null). */
    private static Shape checkedShape(int length, long[] dims) {
        if (dims == null) {
            throw new IllegalArgumentException("the dimensions are null");
        }
        Shape shape = Shape.of(dims);
        if (length < 0) {
            throw new IllegalArgumentException("the values for shape " + shape + " are null");
        }
        if (length != shape.size()) {
            throw new IllegalArgumentException("shape " + shape + " needs " + shape.size() + " values, got " + length);
        }
        return shape;
    }

    /** A zero-filled off-heap tensor owned by {@code arena}. */
    public static Tensor allocate(Arena arena, DType type, Shape shape) {
        long bytes = Math.max(shape.size() * type.byteSize(), 1);
        return new Tensor(arena.allocate(bytes, ALIGNMENT), shape, type);
    }

    /** A view of {@code segment} as a tensor; the segment must be large enough. */
    public static Tensor wrap(MemorySegment segment, DType type, Shape shape) {
        return new Tensor(segment, shape, type);
    }

    /** The same memory seen with another shape of the same element count. */
    public Tensor reshape(Shape newShape) {
        if (newShape.size() != shape.size()) {
            throw new IllegalArgumentException("cannot reshape " + shape + " to " + newShape);
        }
        return new Tensor(data, newShape, type);
    }

    public MemorySegment segment() {
        return data;
    }

    public Shape shape() {
        return shape;
    }

    public long[] dims() {
        return shape.longDims();
    }

    public DType type() {
        return type;
    }

    /** The number of elements. */
    public long size() {
        return shape.size();
    }

    public float getFloat(long index) {
        return data.getAtIndex(ValueLayout.JAVA_FLOAT, index);
    }

    public long getLong(long index) {
        return data.getAtIndex(ValueLayout.JAVA_LONG, index);
    }

    /** A heap copy of the float32 elements. */
    public float[] toFloatArray() {
        requireType(DType.FLOAT32);
        return data.asSlice(0, shape.size() * 4).toArray(ValueLayout.JAVA_FLOAT);
    }

    /** A heap copy of the int64 elements. */
    public long[] toLongArray() {
        requireType(DType.INT64);
        return data.asSlice(0, shape.size() * 8).toArray(ValueLayout.JAVA_LONG);
    }

    /** A heap tensor with a copy of this one's elements. */
    public Tensor copy() {
        return type == DType.FLOAT32 ? of(toFloatArray(), dims()) : ofLongs(toLongArray(), dims());
    }

    /** Copies this tensor's elements into {@code dst}, which must have the same type and element count. */
    public void copyTo(Tensor dst) {
        if (dst.type != type || dst.size() != size()) {
            throw new IllegalArgumentException("cannot copy " + type + shape + " into " + dst.type + dst.shape);
        }
        MemorySegment.copy(data, 0, dst.data, 0, size() * type.byteSize());
    }

    private void requireType(DType expected) {
        if (type != expected) {
            throw new IllegalStateException("tensor is " + type + ", not " + expected);
        }
    }

    @Override
    public String toString() {
        String head = type == DType.FLOAT32
                ? Arrays.toString(data.asSlice(0, Math.min(size(), 8) * 4).toArray(ValueLayout.JAVA_FLOAT))
                : Arrays.toString(data.asSlice(0, Math.min(size(), 8) * 8).toArray(ValueLayout.JAVA_LONG));
        return "Tensor" + shape + " " + type + " " + head + (size() > 8 ? "..." : "");
    }
}
