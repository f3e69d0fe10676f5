package org.helu4j.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * im2col for {@link Conv}: lays out the input windows of a block of output positions as the columns of a
 * matrix whose rows are (input channel, kD, kH, kW), so that a convolution becomes weights x columns.
 */
public final class Im2col {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;
    private static final VectorSpecies<Float> F = Vectors.F;
    private static final int L = Vectors.LANES;
    private static final ByteOrder NO = ByteOrder.nativeOrder();

    private Im2col() {
    }

    /**
     * Fills col[colOff + r * ld + j] for rows r in [0, cg * taps) and output positions p0 + j, j in [0, cols),
     * from the {@code cg} channels that start at element {@code inOff} of {@code in}; columns [cols, ld) are
     * zeroed (a partial {@link Gemm} panel). Taps that fall in the padding read 0.
     */
    public static void fill(MemorySegment col, long colOff, int ld, MemorySegment in, long inOff, ConvGeometry g,
            int cg, long p0, int cols) {
        long plane = (long) g.outH * g.outW;
        int od = (int) (p0 / plane);
        int oh = (int) (p0 % plane / g.outW);
        int ow = (int) (p0 % g.outW);
        int j = 0;
        while (j < cols) {
            // A run of positions on one output row shares its input rows.
            int run = Math.min(g.outW - ow, cols - j);
            long dst = colOff + j;
            for (int ci = 0; ci < cg; ci++) {
                long chan = inOff + (long) ci * g.inSpatial();
                for (int kd = 0; kd < g.kD; kd++) {
                    int id = od * g.strideD - g.padD + kd * g.dilD;
                    for (int kh = 0; kh < g.kH; kh++) {
                        int ih = oh * g.strideH - g.padH + kh * g.dilH;
                        boolean inside = id >= 0 && id < g.inD && ih >= 0 && ih < g.inH;
                        long src = chan + ((long) id * g.inH + ih) * g.inW;
                        for (int kw = 0; kw < g.kW; kw++, dst += ld) {
                            if (inside) {
                                row(col, dst, in, src, ow * g.strideW - g.padW + kw * g.dilW, g.strideW, g.inW, run);
                            } else {
                                zero(col, dst, run);
                            }
                        }
                    }
                }
            }
            j += run;
            ow = 0;
            if (++oh == g.outH) {
                oh = 0;
                od++;
            }
        }
        if (cols < ld) {
            long rows = (long) cg * g.kernelSize();
            for (long r = 0; r < rows; r++) {
                zero(col, colOff + r * ld + cols, ld - cols);
            }
        }
    }

    /** col[dst + t] = in[src + iw0 + t * stride] where that is inside [0, width), else 0, for t in [0, n). */
    private static void row(MemorySegment col, long dst, MemorySegment in, long src, int iw0, int stride, int width, int n) {
        if (stride == 1 && !Vectors.SCALAR) {
            // Runs are short (a panel holds NR positions), so masked vector moves beat MemorySegment.copy's checks.
            // Loads start inside the input row, so a masked lane never points before it.
            int lo = Math.min(n, Math.max(0, -iw0));
            int hi = Math.max(lo, Math.min(n, width - iw0));
            zero(col, dst, lo);
            for (int t = lo; t < hi; t += L) {
                VectorMask<Float> m = F.indexInRange(t, hi);
                FloatVector.fromMemorySegment(F, in, (src + iw0 + t) * 4, NO, m).intoMemorySegment(col, (dst + t) * 4, NO, m);
            }
            zero(col, dst + hi, n - hi);
            return;
        }
        for (int t = 0, iw = iw0; t < n; t++, iw += stride) {
            col.setAtIndex(F32, dst + t, iw >= 0 && iw < width ? in.getAtIndex(F32, src + iw) : 0f);
        }
    }

    private static void zero(MemorySegment col, long dst, int n) {
        if (Vectors.SCALAR) {
            for (int t = 0; t < n; t++) {
                col.setAtIndex(F32, dst + t, 0f);
            }
            return;
        }
        FloatVector z = FloatVector.zero(F);
        for (int t = 0; t < n; t += L) {
            z.intoMemorySegment(col, (dst + t) * 4, NO, F.indexInRange(t, n));
        }
    }
}
