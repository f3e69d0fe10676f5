package org.helu4j.op;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.helu4j.Tensor;
import org.helu4j.kernel.Gemm;

/**
 * A constant B operand (a weight) packed once into {@link Gemm}'s panel layout. It remembers the tensor it came
 * from: an op uses the panels only when {@code run} is handed that very tensor, which is how the runtime passes
 * initializers (see {@link Op#prepare}).
 */
record GemmPackedB(Tensor source, MemorySegment panels) {

    /**
     * The packed B, allocated in {@code arena} (the model's, so that closing the model frees it), or null where
     * packing does not pay: one column is a contiguous vector already.
     */
    static GemmPackedB pack(Arena arena, Tensor b, boolean transB, int n, int k) {
        if (n == 1) {
            return null;
        }
        long floats = Gemm.packedSize(n, k);
        MemorySegment panels = arena.allocate(Math.max(floats, 1) * Float.BYTES, Tensor.ALIGNMENT);
        long ldb = b.shape().dim(b.shape().rank() - 1);
        Gemm.packB(panels, 0, b.segment(), 0, ldb, transB, n, k);
        return new GemmPackedB(b, panels);
    }

    boolean matches(Tensor b) {
        return b == source;
    }
}
