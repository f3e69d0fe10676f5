package org.helu4j.kernel.ref;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.helu4j.kernel.Gemm;
import org.helu4j.kernel.Gemm.Epilogue;

/** The scalar reference for {@link Gemm}: the textbook triple loop, accumulated in double. */
public final class GemmRef {
    private static final ValueLayout.OfFloat FL = ValueLayout.JAVA_FLOAT;

    private GemmRef() {
    }

    /** Same contract as {@link Gemm#gemm(MemorySegment, long, long, MemorySegment, long, long, boolean, MemorySegment, long, long, boolean, int, int, int, Epilogue)}. */
    public static void gemm(MemorySegment c, long cOff, long ldc,
            MemorySegment a, long aOff, long lda, boolean transA,
            MemorySegment b, long bOff, long ldb, boolean transB,
            int m, int n, int k, Epilogue ep) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    float x = a.getAtIndex(FL, aOff + (transA ? (long) p * lda + i : (long) i * lda + p));
                    float y = b.getAtIndex(FL, bOff + (transB ? (long) j * ldb + p : (long) p * ldb + j));
                    s += (double) x * y;
                }
                c.setAtIndex(FL, cOff + i * ldc + j, finish(s, ep, i, j));
            }
        }
    }

    /** Same contract as {@link Gemm#gemmPacked}: B read from the panel layout that {@link Gemm#packB} writes. */
    public static void gemmPacked(MemorySegment c, long cOff, long ldc,
            MemorySegment a, long aOff, long lda, boolean transA,
            MemorySegment packed, long packedOff, int m, int n, int k, Epilogue ep) {
        int nr = Gemm.NR;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                long panel = packedOff + (long) (j / nr) * nr * k + j % nr;
                for (int p = 0; p < k; p++) {
                    float x = a.getAtIndex(FL, aOff + (transA ? (long) p * lda + i : (long) i * lda + p));
                    s += (double) x * packed.getAtIndex(FL, panel + (long) p * nr);
                }
                c.setAtIndex(FL, cOff + i * ldc + j, finish(s, ep, i, j));
            }
        }
    }

    static float finish(double s, Epilogue ep, int i, int j) {
        double v = ep.alpha() * s;
        if (ep.bias() != null) {
            v += ep.beta() * (double) ep.bias().getAtIndex(FL,
                    ep.biasOff() + i * ep.biasRowStride() + j * ep.biasColStride());
        }
        float f = (float) v;
        return ep.relu() ? Math.max(f, 0f) : f;
    }
}
