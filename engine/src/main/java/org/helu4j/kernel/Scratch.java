package org.helu4j.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Per-thread scratch memory for kernels that need a temporary buffer (im2col columns, packed panels). A buffer
 * grows to the largest size asked for and is then reused, so steady-state inference allocates nothing. The memory
 * is owned by an automatic arena: it is freed when the thread ends and the buffer becomes unreachable.
 *
 * <p>Each slot is one independent buffer; a kernel that calls another kernel which also needs scratch uses a
 * different slot.
 */
public final class Scratch {
    /**
     * Slots: 0 a convolution's columns (or a staged vector or panel at an input's end), 1 GEMM's packed B, 2-3 pools
     * and resizes (3 also Winograd's transformed input), 4 GEMM's packed A, 5 its edge tile, 6-7 a grid
     * convolution's padded input and output grid (7 also Winograd's GEMM output), 8 a convolution's full output
     * before a fused max pool that its kernel could not apply. A kernel only uses slots that the kernels it calls
     * do not.
     */
    public static final int SLOTS = 9;

    private static final ThreadLocal<MemorySegment[]> BUFFERS = ThreadLocal.withInitial(() -> new MemorySegment[SLOTS]);

    private Scratch() {
    }

    /** A 64-byte aligned buffer of at least {@code bytes} bytes, private to the calling thread, contents undefined. */
    public static MemorySegment get(int slot, long bytes) {
        MemorySegment[] buffers = BUFFERS.get();
        MemorySegment b = buffers[slot];
        if (b == null || b.byteSize() < bytes) {
            // Grow geometrically so that a slowly rising size does not reallocate every call.
            long size = Math.max(bytes, b == null ? 0 : Math.min(b.byteSize() * 2, bytes + (64L << 20)));
            b = Arena.ofAuto().allocate(Math.max(size, 64), 64);
            buffers[slot] = b;
        }
        return b;
    }
}
