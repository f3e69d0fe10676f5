package org.helu4j.kernel;

import static org.helu4j.kernel.Vectors.F;
import static org.helu4j.kernel.Vectors.LANES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Depthwise k×k convolution at stride 1 with "same" padding ((k - 1) / 2 each side, k odd), read straight from the
 * input with no padded copy: the plane is one flat run of H·W floats, the output a vector of LANES consecutive
 * positions at a time, and tap (dy, dx) is then one load at a fixed offset, (dy - pad)·W + (dx - pad). A tap that
 * falls outside the plane (a row above or below, or a column that wraps to the neighbouring row) must read zero:
 * near the first and last rows, the loads are masked (masked lanes load zero, which is the padding); elsewhere a
 * 3×3 loads plainly and masks only the sums of its left and right columns. The masks depend only on the geometry
 * and are made once per geometry. No plane pays a setup, which is what the padded path cost on small planes
 * (MobileNetV2's depthwise layers: all of its stride-1 ones take this path). Reference twin:
 * {@link org.helu4j.kernel.ref.ConvRef}.
 */
final class DepthwiseFlat {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;
    private static final ByteOrder NO = ByteOrder.nativeOrder();

    private DepthwiseFlat() {
    }

    /**
     * Planes up to this many positions take this path. Measured against the padded path, one thread, µs per call:
     * 32 × 112² 206 → 167, 144 × 56² 271 → 214, 384 × 14² 100 → 78, 960 × 7² 135 → 123. Larger planes were not
     * measured, and the masks (9 longs per output vector, kept with the geometry) grow with the plane.
     */
    static final int MAX_SPATIAL = 112 * 112;

    /** A 2-D depthwise conv (multiplier 1) at stride 1 whose output has the input's size, with an odd window. */
    static boolean applies(ConvGeometry g) {
        return g.group == g.inChannels && g.outChannels == g.inChannels && g.kD == 1 && g.inD == 1 && g.outD == 1
                && g.kH % 2 == 1 && g.kW % 2 == 1 && g.strideH == 1 && g.strideW == 1 && g.dilH == 1
                && g.dilW == 1 && g.padH == (g.kH - 1) / 2 && g.padW == (g.kW - 1) / 2 && g.outH == g.inH
                && g.outW == g.inW && g.inH > 0 && g.inW > 0 && (long) g.inH * g.inW <= MAX_SPATIAL;
    }

    /**
     * The lanes of output vector v (positions v·LANES onward) for which tap t reads inside the plane, as
     * {@code masks[v·k² + t]}; the last vector's lanes past the plane are never set.
     */
    static long[] masks(ConvGeometry g) {
        long[] m = g.depthwiseMasks;
        if (m != null) {
            return m;
        }
        int h = g.inH, w = g.inW, kh = g.kH, kw = g.kW;
        int spatial = h * w;
        int vectors = (spatial + LANES - 1) / LANES;
        m = new long[vectors * kh * kw];
        for (int v = 0; v < vectors; v++) {
            for (int lane = 0; lane < LANES; lane++) {
                int pos = v * LANES + lane;
                if (pos >= spatial) {
                    break;
                }
                int y = pos / w, x = pos % w;
                for (int dy = 0; dy < kh; dy++) {
                    int iy = y + dy - g.padH;
                    for (int dx = 0; dx < kw; dx++) {
                        int ix = x + dx - g.padW;
                        if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                            m[v * kh * kw + dy * kw + dx] |= 1L << lane;
                        }
                    }
                }
            }
        }
        g.depthwiseMasks = m;
        return m;
    }

    /** out = clamp(conv(in, w) + bias, lo, hi) for planes [p0, p1) of a geometry that {@link #applies}. */
    static void planes(MemorySegment out, MemorySegment in, MemorySegment w, MemorySegment bias, ConvGeometry g,
            float lo, float hi, int p0, int p1) {
        long[] masks = masks(g);
        int spatial = g.inH * g.inW;
        int vectors = (spatial + LANES - 1) / LANES;
        for (int p = p0; p < p1; p++) {
            int m = p % g.outChannels;
            float z = bias == null ? 0f : bias.getAtIndex(F32, m);
            if (g.kH == 3 && g.kW == 3) {
                plane3x3(out, in, w, (long) m * 9, z, (long) p * spatial, g.inW, spatial, vectors, masks, lo, hi);
            } else {
                plane(out, in, w, z, g, p, masks, lo, hi);
            }
        }
    }

    /**
     * One plane of a 3×3. Vectors whose lanes all lie in rows 1 to H - 2 (all but the first and last row or two)
     * load their taps plainly and sum them per column, and only the left and right columns' sums are masked (their
     * lanes at x = 0 or W - 1 read the neighbouring row); the others take nine masked loads. Each kind is a method
     * of its own, small enough for C1 (one method with both gave up, "out of virtual registers", and never reached
     * C2), with its loop inside and its loads written out (a load helper returning a vector was not inlined, and
     * so was boxed).
     */
    private static void plane3x3(MemorySegment out, MemorySegment in, MemorySegment w, long wt, float z, long base,
            int width, int spatial, int vectors, long[] masks, float lo, float hi) {
        // Vectors [inner0, inner1) read only inside the plane, one row up and down included.
        int inner0 = Math.min(vectors, (width + 1 + LANES - 1) / LANES);
        int inner1 = Math.max(inner0, (spatial - width - 1) / LANES);
        masked3x3(out, in, w, wt, z, base, width, spatial, 0, inner0, masks, lo, hi);
        inner3x3(out, in, w, wt, z, base, width, inner0, inner1, masks, lo, hi);
        masked3x3(out, in, w, wt, z, base, width, spatial, inner1, vectors, masks, lo, hi);
    }

    /** Vectors [v0, v1) of an inner run: plain loads, the side columns' sums masked. */
    private static void inner3x3(MemorySegment out, MemorySegment in, MemorySegment w, long wt, float z, long base,
            int width, int v0, int v1, long[] masks, float lo, float hi) {
        FloatVector w0 = FloatVector.broadcast(F, w.getAtIndex(F32, wt));
        FloatVector w1 = FloatVector.broadcast(F, w.getAtIndex(F32, wt + 1));
        FloatVector w2 = FloatVector.broadcast(F, w.getAtIndex(F32, wt + 2));
        FloatVector w3 = FloatVector.broadcast(F, w.getAtIndex(F32, wt + 3));
        FloatVector w4 = FloatVector.broadcast(F, w.getAtIndex(F32, wt + 4));
        FloatVector w5 = FloatVector.broadcast(F, w.getAtIndex(F32, wt + 5));
        FloatVector w6 = FloatVector.broadcast(F, w.getAtIndex(F32, wt + 6));
        FloatVector w7 = FloatVector.broadcast(F, w.getAtIndex(F32, wt + 7));
        FloatVector w8 = FloatVector.broadcast(F, w.getAtIndex(F32, wt + 8));
        FloatVector bias = FloatVector.broadcast(F, z);
        long row = (long) width * Float.BYTES;
        for (int v = v0; v < v1; v++) {
            long at = (base + (long) v * LANES) * Float.BYTES;
            long top = at - row - Float.BYTES, mid = at - Float.BYTES, bottom = at + row - Float.BYTES;
            FloatVector left = FloatVector.fromMemorySegment(F, in, top, NO).mul(w0);
            left = FloatVector.fromMemorySegment(F, in, mid, NO).fma(w3, left);
            left = FloatVector.fromMemorySegment(F, in, bottom, NO).fma(w6, left);
            FloatVector right = FloatVector.fromMemorySegment(F, in, top + 8, NO).mul(w2);
            right = FloatVector.fromMemorySegment(F, in, mid + 8, NO).fma(w5, right);
            right = FloatVector.fromMemorySegment(F, in, bottom + 8, NO).fma(w8, right);
            FloatVector acc = FloatVector.fromMemorySegment(F, in, top + 4, NO).fma(w1, bias);
            acc = FloatVector.fromMemorySegment(F, in, mid + 4, NO).fma(w4, acc);
            acc = FloatVector.fromMemorySegment(F, in, bottom + 4, NO).fma(w7, acc);
            acc = acc.add(left, VectorMask.fromLong(F, masks[v * 9])).add(right, VectorMask.fromLong(F, masks[v * 9 + 2]));
            acc.max(lo).min(hi).intoMemorySegment(out, at, NO);
        }
    }

    /**
     * Vectors [v0, v1) near the plane's first or last row: nine masked loads each, the weights broadcast per tap
     * (with all nine held, C1 ran out of registers; these are a few vectors per plane).
     */
    private static void masked3x3(MemorySegment out, MemorySegment in, MemorySegment w, long wt, float z, long base,
            int width, int spatial, int v0, int v1, long[] masks, float lo, float hi) {
        long row = (long) width * Float.BYTES;
        for (int v = v0; v < v1; v++) {
            long at = (base + (long) v * LANES) * Float.BYTES;
            FloatVector acc = FloatVector.broadcast(F, z);
            for (int t = 0; t < 9; t++) {
                long from = at + (t / 3 - 1) * row + (t % 3 - 1) * Float.BYTES;
                VectorMask<Float> valid = VectorMask.fromLong(F, masks[v * 9 + t]);
                acc = FloatVector.fromMemorySegment(F, in, from, NO, valid)
                        .fma(FloatVector.broadcast(F, w.getAtIndex(F32, wt + t)), acc);
            }
            // The store is masked to the plane: lanes past it (the last vector's) belong to the next plane.
            acc.max(lo).min(hi).intoMemorySegment(out, at, NO, F.indexInRange(v * LANES, spatial));
        }
    }

    /** One plane of any odd window: the weights broadcast tap by tap. */
    private static void plane(MemorySegment out, MemorySegment in, MemorySegment w, float z, ConvGeometry g, int p,
            long[] masks, float lo, float hi) {
        int kh = g.kH, kw = g.kW, taps = kh * kw;
        int spatial = g.inH * g.inW;
        int vectors = (spatial + LANES - 1) / LANES;
        long wt = (long) (p % g.outChannels) * taps;
        long first = -((long) g.padH * g.inW + g.padW);
        for (int v = 0; v < vectors; v++) {
            long pos = (long) p * spatial + (long) v * LANES;
            FloatVector acc = FloatVector.broadcast(F, z);
            for (int dy = 0, t = 0; dy < kh; dy++) {
                long row = (pos + first + (long) dy * g.inW) * Float.BYTES;
                for (int dx = 0; dx < kw; dx++, t++) {
                    FloatVector x = FloatVector.fromMemorySegment(F, in, row + (long) dx * Float.BYTES, NO, VectorMask.fromLong(F, masks[v * taps + t]));
                    acc = x.fma(FloatVector.broadcast(F, w.getAtIndex(F32, wt + t)), acc);
                }
            }
            acc = acc.max(lo).min(hi);
            if (v < vectors - 1) {
                acc.intoMemorySegment(out, pos * Float.BYTES, NO);
            } else {
                acc.intoMemorySegment(out, pos * Float.BYTES, NO, F.indexInRange(v * LANES, spatial));
            }
        }
    }
}
