package org.helu4j.runtime;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.helu4j.Tensor;

/**
 * The off-heap buffers an {@link Executor} keeps its values in, fewer than the values: a buffer holds one value at
 * a time and is handed to another once that value is dead. Each buffer is a 64-byte aligned run of bytes, so a
 * value of any type can take any buffer.
 *
 * <p>{@link #acquire} is greedy best fit: the smallest free buffer that is large enough, else the largest free
 * buffer grown (it holds nothing live, so its old memory is freed at once), else a new buffer. Sizes only grow,
 * so once the shapes settle, planning again finds the same fits and allocates nothing.
 */
final class BufferPool implements AutoCloseable {
    // One arena per buffer, so that growing a buffer frees its old memory rather than leaving it to the session.
    private Arena[] arenas = new Arena[8];
    private MemorySegment[] segments = new MemorySegment[8];
    private boolean[] held = new boolean[8];
    private int count;

    /** Frees every buffer for a new plan; their memory is kept. */
    void releaseAll() {
        Arrays.fill(held, false);
    }

    /** A free buffer of at least {@code bytes} bytes, now held; its contents are undefined. */
    int acquire(long bytes) {
        long need = rounded(bytes);
        int fit = -1;
        int largest = -1;
        for (int b = 0; b < count; b++) {
            if (held[b]) {
                continue;
            }
            long size = segments[b].byteSize();
            if (size >= need && (fit < 0 || size < segments[fit].byteSize())) {
                fit = b;
            }
            if (largest < 0 || size > segments[largest].byteSize()) {
                largest = b;
            }
        }
        if (fit < 0) {
            fit = largest >= 0 ? largest : add();
            if (arenas[fit] != null) {
                arenas[fit].close();
            }
            arenas[fit] = Arena.ofShared();
            segments[fit] = arenas[fit].allocate(need, Tensor.ALIGNMENT);
        }
        held[fit] = true;
        return fit;
    }

    /** {@code bytes} rounded up to a whole number of 64-byte lines, at least one. */
    static long rounded(long bytes) {
        return Math.max(Tensor.ALIGNMENT, (bytes + Tensor.ALIGNMENT - 1) & -Tensor.ALIGNMENT);
    }

    private int add() {
        if (count == segments.length) {
            arenas = Arrays.copyOf(arenas, count * 2);
            segments = Arrays.copyOf(segments, count * 2);
            held = Arrays.copyOf(held, count * 2);
        }
        return count++;
    }

    /** Hands a held buffer back: the value in it is dead. */
    void release(int buffer) {
        if (!held[buffer]) {
            throw new IllegalStateException("buffer " + buffer + " is not held");
        }
        held[buffer] = false;
    }

    /** The whole of a buffer: the values placed in it take a slice from offset 0. */
    MemorySegment segment(int buffer) {
        return segments[buffer];
    }

    /** The buffers' total size in bytes. */
    long bytes() {
        long sum = 0;
        for (int b = 0; b < count; b++) {
            sum += segments[b].byteSize();
        }
        return sum;
    }

    /** Frees every buffer; {@link #bytes} is 0 afterwards. Idempotent. */
    @Override
    public void close() {
        for (int b = 0; b < count; b++) {
            arenas[b].close();
            arenas[b] = null;
            segments[b] = null;
        }
        count = 0;
    }
}
