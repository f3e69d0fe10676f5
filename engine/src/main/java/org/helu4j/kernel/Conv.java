package org.helu4j.kernel;

import static org.helu4j.kernel.Vectors.F;
import static org.helu4j.kernel.Vectors.LANES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import org.helu4j.kernel.ref.ConvRef;

/**
 * Convolution (1-D, 2-D and 3-D through {@link ConvGeometry}'s normal form), NCHW, float32.
 *
 * <p>Paths: depthwise with unit W stride goes to {@link DepthwiseConv}; everything else is im2col into a
 * column block of the caller's scratch (a 1x1 conv with unit strides and no padding uses the input itself) and
 * a GEMM whose vectors run along the output positions: each accumulator holds LANES neighbouring outputs of one
 * output channel, and every weight is broadcast once per k step. Bias and an optional ReLU are applied while the
 * accumulators are still in registers.
 */
public final class Conv {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    /** Target size of one im2col column block, in floats (1 MiB). */
    private static final long COL_BLOCK_FLOATS = 1 << 18;

    private Conv() {
    }

    /** Floats of scratch that {@link #conv} needs for {@code g} (0 when it needs none). */
    public static long scratchFloats(ConvGeometry g) {
        if (Vectors.SCALAR || usesDepthwise(g) || g.isPointwise() || g.outSpatial() == 0) {
            return 0;
        }
        return rows(g) * colBlock(g);
    }

    /**
     * out = conv(in, w) + bias, then {@code max(., 0)} if {@code relu}. Layouts: in [N, C, D, H, W],
     * w [M, C/group, kD, kH, kW], bias [M] or null, out [N, M, oD, oH, oW], all float32 from offset 0.
     * {@code scratch} holds at least {@link #scratchFloats} floats (or is ignored when that is 0).
     */
    public static void conv(MemorySegment out, MemorySegment in, MemorySegment w, MemorySegment bias,
            ConvGeometry g, boolean relu, MemorySegment scratch) {
        if (Vectors.SCALAR) {
            ConvRef.conv(out, in, w, bias, g, relu);
            return;
        }
        if (usesDepthwise(g)) {
            DepthwiseConv.conv(out, in, w, bias, g, relu);
            return;
        }
        long p = g.outSpatial();
        if (p == 0) {
            return;
        }
        int cg = g.inChannels / g.group;
        int mg = g.outChannels / g.group;
        int k = (int) rows(g);
        boolean pointwise = g.isPointwise();
        int block = pointwise ? (int) p : colBlock(g);
        for (int b = 0; b < g.batch; b++) {
            for (int grp = 0; grp < g.group; grp++) {
                long inOff = ((long) b * g.inChannels + (long) grp * cg) * g.inSpatial();
                long outOff = ((long) b * g.outChannels + (long) grp * mg) * p;
                long wOff = (long) grp * mg * k;
                for (long p0 = 0; p0 < p; p0 += block) {
                    int cols = (int) Math.min(block, p - p0);
                    if (pointwise) {
                        gemm(out, outOff + p0, p, w, wOff, bias, (long) grp * mg, in, inOff + p0, p, mg, cols, k, relu);
                    } else {
                        Im2col.fill(scratch, in, inOff, g, cg, p0, cols);
                        gemm(out, outOff + p0, p, w, wOff, bias, (long) grp * mg, scratch, 0, cols, mg, cols, k, relu);
                    }
                }
            }
        }
    }

    static boolean usesDepthwise(ConvGeometry g) {
        return g.isDepthwise() && g.strideW == 1;
    }

    /** Rows of the im2col matrix: one per (input channel of the group, tap). */
    private static long rows(ConvGeometry g) {
        return (long) (g.inChannels / g.group) * g.kernelSize();
    }

    /** Output positions per column block: enough to fill about 1 MiB, a multiple of LANES, at most all of them. */
    private static int colBlock(ConvGeometry g) {
        long cols = Math.max(4L * LANES, COL_BLOCK_FLOATS / Math.max(rows(g), 1));
        cols = (cols + LANES - 1) / LANES * LANES;
        return (int) Math.min(g.outSpatial(), cols);
    }

    /**
     * c[i][j] = bias[i] + sum_t a[i][t] * b[t][j], for i in [0, m), j in [0, n), t in [0, k); a is the weights
     * (row stride k), b the column matrix (row stride ldb), c the output (row stride ldc). Offsets in elements.
     *
     * <p>Each register tile is a method of its own that loads, accumulates and stores its vectors: a vector passed
     * to a helper the JIT does not inline is boxed on every step of k, and one method holding every tile grew too
     * large for C1 (out of virtual registers), which at times left it in C1 code that allocates for good.
     */
    static void gemm(MemorySegment c, long cOff, long ldc, MemorySegment a, long aOff, MemorySegment bias,
            long biasOff, MemorySegment b, long bOff, long ldb, int m, int n, int k, boolean relu) {
        // The ReLU is max(s, floor): max(s, -inf) is s, NaN and -0 included.
        float floor = relu ? 0f : Float.NEGATIVE_INFINITY;
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            long a0 = aOff + (long) i * k;
            long c0 = cOff + (long) i * ldc;
            int j = 0;
            for (; j + 2 * LANES <= n; j += 2 * LANES) {
                tile4x2(c, c0 + j, ldc, a, a0, k, bias, biasOff + i, b, bOff + j, ldb, floor);
            }
            for (; j + LANES <= n; j += LANES) {
                tile4x1(c, c0 + j, ldc, a, a0, k, bias, biasOff + i, b, bOff + j, ldb, floor);
            }
            for (int r = 0; r < 4; r++) {
                scalarTail(c, c0 + r * ldc, a, a0 + (long) r * k, biasAt(bias, biasOff + i + r), b, bOff, ldb, j, n, k, relu);
            }
        }
        for (; i < m; i++) {
            long a0 = aOff + (long) i * k;
            long c0 = cOff + (long) i * ldc;
            int j = 0;
            for (; j + LANES <= n; j += LANES) {
                tile1x1(c, c0 + j, a, a0, k, biasAt(bias, biasOff + i), b, bOff + j, ldb, floor);
            }
            scalarTail(c, c0, a, a0, biasAt(bias, biasOff + i), b, bOff, ldb, j, n, k, relu);
        }
    }

    /** Hot spot: 4 output channels x 2 vectors of positions; per k step 2 loads, 4 broadcasts, 8 FMAs. */
    private static void tile4x2(MemorySegment c, long c0, long ldc, MemorySegment a, long a0, int k,
            MemorySegment bias, long biasOff, MemorySegment b, long bp, long ldb, float floor) {
        FloatVector s00 = FloatVector.broadcast(F, biasAt(bias, biasOff)), s01 = s00;
        FloatVector s10 = FloatVector.broadcast(F, biasAt(bias, biasOff + 1)), s11 = s10;
        FloatVector s20 = FloatVector.broadcast(F, biasAt(bias, biasOff + 2)), s21 = s20;
        FloatVector s30 = FloatVector.broadcast(F, biasAt(bias, biasOff + 3)), s31 = s30;
        for (int t = 0; t < k; t++, bp += ldb) {
            FloatVector x0 = FloatVector.fromMemorySegment(F, b, bp * 4, NO);
            FloatVector x1 = FloatVector.fromMemorySegment(F, b, (bp + LANES) * 4, NO);
            FloatVector w0 = FloatVector.broadcast(F, a.getAtIndex(F32, a0 + t));
            FloatVector w1 = FloatVector.broadcast(F, a.getAtIndex(F32, a0 + k + t));
            FloatVector w2 = FloatVector.broadcast(F, a.getAtIndex(F32, a0 + 2L * k + t));
            FloatVector w3 = FloatVector.broadcast(F, a.getAtIndex(F32, a0 + 3L * k + t));
            s00 = w0.fma(x0, s00);
            s01 = w0.fma(x1, s01);
            s10 = w1.fma(x0, s10);
            s11 = w1.fma(x1, s11);
            s20 = w2.fma(x0, s20);
            s21 = w2.fma(x1, s21);
            s30 = w3.fma(x0, s30);
            s31 = w3.fma(x1, s31);
        }
        s00.max(floor).intoMemorySegment(c, c0 * 4, NO);
        s01.max(floor).intoMemorySegment(c, (c0 + LANES) * 4, NO);
        s10.max(floor).intoMemorySegment(c, (c0 + ldc) * 4, NO);
        s11.max(floor).intoMemorySegment(c, (c0 + ldc + LANES) * 4, NO);
        s20.max(floor).intoMemorySegment(c, (c0 + 2 * ldc) * 4, NO);
        s21.max(floor).intoMemorySegment(c, (c0 + 2 * ldc + LANES) * 4, NO);
        s30.max(floor).intoMemorySegment(c, (c0 + 3 * ldc) * 4, NO);
        s31.max(floor).intoMemorySegment(c, (c0 + 3 * ldc + LANES) * 4, NO);
    }

    /** 4 output channels x 1 vector of positions. */
    private static void tile4x1(MemorySegment c, long c0, long ldc, MemorySegment a, long a0, int k,
            MemorySegment bias, long biasOff, MemorySegment b, long bp, long ldb, float floor) {
        FloatVector s0 = FloatVector.broadcast(F, biasAt(bias, biasOff));
        FloatVector s1 = FloatVector.broadcast(F, biasAt(bias, biasOff + 1));
        FloatVector s2 = FloatVector.broadcast(F, biasAt(bias, biasOff + 2));
        FloatVector s3 = FloatVector.broadcast(F, biasAt(bias, biasOff + 3));
        for (int t = 0; t < k; t++, bp += ldb) {
            FloatVector x = FloatVector.fromMemorySegment(F, b, bp * 4, NO);
            s0 = FloatVector.broadcast(F, a.getAtIndex(F32, a0 + t)).fma(x, s0);
            s1 = FloatVector.broadcast(F, a.getAtIndex(F32, a0 + k + t)).fma(x, s1);
            s2 = FloatVector.broadcast(F, a.getAtIndex(F32, a0 + 2L * k + t)).fma(x, s2);
            s3 = FloatVector.broadcast(F, a.getAtIndex(F32, a0 + 3L * k + t)).fma(x, s3);
        }
        s0.max(floor).intoMemorySegment(c, c0 * 4, NO);
        s1.max(floor).intoMemorySegment(c, (c0 + ldc) * 4, NO);
        s2.max(floor).intoMemorySegment(c, (c0 + 2 * ldc) * 4, NO);
        s3.max(floor).intoMemorySegment(c, (c0 + 3 * ldc) * 4, NO);
    }

    /** 1 output channel x 1 vector of positions, for the last m % 4 channels. */
    private static void tile1x1(MemorySegment c, long c0, MemorySegment a, long a0, int k, float z,
            MemorySegment b, long bp, long ldb, float floor) {
        FloatVector s = FloatVector.broadcast(F, z);
        for (int t = 0; t < k; t++, bp += ldb) {
            s = FloatVector.broadcast(F, a.getAtIndex(F32, a0 + t)).fma(FloatVector.fromMemorySegment(F, b, bp * 4, NO), s);
        }
        s.max(floor).intoMemorySegment(c, c0 * 4, NO);
    }

    /** Columns [j0, n) of one output row, one at a time. */
    private static void scalarTail(MemorySegment c, long cRow, MemorySegment a, long aRow, float z, MemorySegment b,
            long bOff, long ldb, int j0, int n, int k, boolean relu) {
        for (int j = j0; j < n; j++) {
            float s = z;
            long bp = bOff + j;
            for (int t = 0; t < k; t++, bp += ldb) {
                s = Math.fma(a.getAtIndex(F32, aRow + t), b.getAtIndex(F32, bp), s);
            }
            c.setAtIndex(F32, cRow + j, relu ? Math.max(s, 0f) : s);
        }
    }

    private static float biasAt(MemorySegment bias, long i) {
        return bias == null ? 0f : bias.getAtIndex(F32, i);
    }
}
