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
                c.setAtIndex(FL, cOff + i * ldc + j, linear(s, ep, i, j));
            }
        }
        activate(c, cOff, ldc, m, n, ep);
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
                c.setAtIndex(FL, cOff + i * ldc + j, linear(s, ep, i, j));
            }
        }
        activate(c, cOff, ldc, m, n, ep);
    }

    /** Same contract as {@link Gemm#applyEpilogue}. */
    public static void applyEpilogue(MemorySegment c, long cOff, long ldc, int m, int n, Epilogue ep) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                long at = cOff + i * ldc + j;
                c.setAtIndex(FL, at, linear(c.getAtIndex(FL, at), ep, i, j));
            }
        }
        activate(c, cOff, ldc, m, n, ep);
    }

    /** alpha·s + beta·bias(i, j), in double, rounded once. */
    private static float linear(double s, Epilogue ep, int i, int j) {
        double v = ep.alpha() * s;
        if (ep.bias() != null) {
            v += ep.beta() * (double) ep.bias().getAtIndex(FL,
                    ep.biasOff() + i * ep.biasRowStride() + j * ep.biasColStride());
        }
        return (float) v;
    }

    /** The residual add, then the activation, on C's rows. */
    private static void activate(MemorySegment c, long cOff, long ldc, int m, int n, Epilogue ep) {
        for (int i = 0; i < m; i++) {
            long row = cOff + i * ldc;
            if (ep.residual() != null) {
                for (int j = 0; j < n; j++) {
                    c.setAtIndex(FL, row + j, c.getAtIndex(FL, row + j) + ep.residual().getAtIndex(FL, row + j));
                }
            }
            switch (ep.act()) {
                case NONE -> { }
                case RELU -> ActivationRef.relu(c, row, c, row, n);
                case LEAKY_RELU -> ActivationRef.leakyRelu(c, row, c, row, n, ep.actAlpha());
                case SIGMOID -> ActivationRef.sigmoid(c, row, c, row, n);
                case GELU -> ActivationRef.gelu(c, row, c, row, n);
                case GELU_TANH -> ActivationRef.geluTanh(c, row, c, row, n);
                case CLIP -> ActivationRef.clip(c, row, c, row, n, ep.actAlpha(), ep.actBeta());
            }
        }
    }
}
