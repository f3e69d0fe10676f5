package org.helu4j.kernel;

import static org.helu4j.kernel.Vectors.F;
import static org.helu4j.kernel.Vectors.LANES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import org.helu4j.kernel.ref.PoolRef;

/**
 * Max and average pooling (1-D, 2-D, 3-D through {@link ConvGeometry}), and the global pools, NCHW, float32.
 *
 * <p>Windows are separable, so each output row is made in two passes: a vertical pass reduces the window's
 * input rows (kD x kH of them) into a row buffer, LANES contiguous elements at a time; a horizontal pass then
 * reduces kW taps of that buffer per output, LANES outputs at a time when the W stride is 1. The row buffer
 * carries the W padding (-Inf for max, 0 for average), so the horizontal pass needs no bounds checks.
 */
public final class Pool {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    /** Scratch slot of a worker's row buffer (a single-threaded call uses the caller's scratch). */
    private static final int SLOT_ROW = 2;

    private Pool() {
    }

    /** Floats of scratch that {@link #maxPool} and {@link #avgPool} need: the row buffer and the W divisors. */
    public static long scratchFloats(ConvGeometry g) {
        // The row, its W divisors, and a vector of slack: the strided pass reads a vector from its last window.
        return separable(g) ? rowLength(g) + g.outW + 2L * LANES : 0;
    }

    /**
     * True when the two-pass vector path applies: not the scalar build, and a row buffer of sane size (absurd
     * strides or pads on a small input would ask for a buffer far larger than the data; the reference loop
     * handles those without one).
     */
    private static boolean separable(ConvGeometry g) {
        return !Vectors.SCALAR && g.outW > 0 && rowLength(g) <= 2L * ((long) g.inW + g.outW) + 4096;
    }

    /** The padded input row that the output row's windows cover, in elements. */
    private static long rowLength(ConvGeometry g) {
        return (long) (g.outW - 1) * g.strideW + (long) (g.kW - 1) * g.dilW + 1;
    }

    /** Max pooling of in [N, C, D, H, W] into out [N, C, oD, oH, oW]; NaN in a window gives NaN. */
    public static void maxPool(MemorySegment out, MemorySegment in, ConvGeometry g, MemorySegment scratch) {
        if (!separable(g)) {
            PoolRef.maxPool(out, null, in, g, false);
            return;
        }
        pool(out, in, g, scratch, true, false);
    }

    /**
     * Max pooling that also writes the flat index of each maximum (int64, see {@link PoolRef#maxPool}). Rarely
     * used (training graphs), so it runs the scalar reference loop.
     */
    public static void maxPoolWithIndices(MemorySegment out, MemorySegment indices, MemorySegment in, ConvGeometry g,
            boolean columnMajor) {
        PoolRef.maxPool(out, indices, in, g, columnMajor);
    }

    /** Average pooling; see {@link PoolRef#avgPool} for the divisor. */
    public static void avgPool(MemorySegment out, MemorySegment in, ConvGeometry g, boolean countIncludePad,
            MemorySegment scratch) {
        if (!separable(g)) {
            PoolRef.avgPool(out, in, g, countIncludePad);
            return;
        }
        pool(out, in, g, scratch, false, countIncludePad);
    }

    private static void pool(MemorySegment out, MemorySegment in, ConvGeometry g, MemorySegment row, boolean max,
            boolean includePad) {
        if (g.outSpatial() == 0) {
            return;
        }
        int planes = g.batch * g.inChannels;
        int tasks = Parallel.tasksFor((long) planes * g.outSpatial() * g.kernelSize(), planes);
        if (tasks <= 1) {
            planes(out, in, g, row, max, includePad, 0, planes);
            return;
        }
        PlaneTasks job = PLANE_TASKS.get();
        job.set(out, in, g, max, includePad, planes, tasks);
        try {
            Parallel.forEach(tasks, job);
        } finally {
            job.set(null, null, null, false, false, 0, 0);
        }
    }

    /** Planes [p0, p1), with {@code row} as the row buffer (when the windows need one). */
    private static void planes(MemorySegment out, MemorySegment in, ConvGeometry g, MemorySegment row, boolean max,
            boolean includePad, int p0, int p1) {
        if (g.padW == 0 && rowLength(g) <= g.inW) {
            direct(out, in, g, max, includePad, p0, p1);
            return;
        }
        float fill = max ? Float.NEGATIVE_INFINITY : 0f;
        int len = (int) rowLength(g);
        // row[j] holds input column j - padW; [lo, hi) is the part inside the input.
        int lo = Math.min(g.padW, len);
        int hi = Math.max(lo, Math.min(len, g.padW + g.inW));
        for (int j = 0; j < lo; j++) {
            row.setAtIndex(F32, j, fill);
        }
        for (int j = hi; j < len; j++) {
            row.setAtIndex(F32, j, fill);
        }
        if (!max) {
            long padLo = includePad ? -g.padW : 0;
            long padHi = includePad ? (long) g.inW + g.padEndW : g.inW;
            for (int ow = 0; ow < g.outW; ow++) {
                row.setAtIndex(F32, len + ow, ConvGeometry.tapsInside((long) ow * g.strideW - g.padW, g.kW, g.dilW, padLo, padHi));
            }
        }
        long o = (long) p0 * g.outSpatial();
        for (long pl = p0; pl < p1; pl++) {
            long base = pl * g.inSpatial() + lo - g.padW;
            for (int od = 0; od < g.outD; od++) {
                for (int oh = 0; oh < g.outH; oh++, o += g.outW) {
                    boolean first = true;
                    for (int kd = 0; kd < g.kD; kd++) {
                        int id = od * g.strideD - g.padD + kd * g.dilD;
                        if (id < 0 || id >= g.inD) {
                            continue;
                        }
                        for (int kh = 0; kh < g.kH; kh++) {
                            int ih = oh * g.strideH - g.padH + kh * g.dilH;
                            if (ih >= 0 && ih < g.inH) {
                                vertical(row, lo, hi, in, base + ((long) id * g.inH + ih) * g.inW, first, max);
                                first = false;
                            }
                        }
                    }
                    if (first) {
                        for (int j = lo; j < hi; j++) {
                            row.setAtIndex(F32, j, fill);
                        }
                    }
                    float divisor = 1f;
                    if (!max) {
                        long dLo = includePad ? -g.padD : 0, dHi = includePad ? (long) g.inD + g.padEndD : g.inD;
                        long hLo = includePad ? -g.padH : 0, hHi = includePad ? (long) g.inH + g.padEndH : g.inH;
                        divisor = (float) ConvGeometry.tapsInside((long) od * g.strideD - g.padD, g.kD, g.dilD, dLo, dHi)
                                * ConvGeometry.tapsInside((long) oh * g.strideH - g.padH, g.kH, g.dilH, hLo, hHi);
                    }
                    horizontal(out, o, row, len, g, max, divisor);
                }
            }
        }
    }

    /**
     * Pooling whose windows all lie inside the W extent (no W padding; the usual 2×2/2 or 3×3/2), without a row
     * buffer: a vector of input columns is reduced over the window's rows and its kW shifted loads straight from
     * the input, then the lanes where a window starts (every strideW-th) are compressed into consecutive
     * outputs. Lanes whose window would leave the row are never kept, so only a load at the very end of the
     * input needs a mask.
     */
    private static final ThreadLocal<PlaneTasks> PLANE_TASKS = ThreadLocal.withInitial(PlaneTasks::new);

    /**
     * The arguments of a parallel pool, reused per thread: task t pools a t-th share of the planes, with a row
     * buffer from its own thread's scratch.
     */
    private static final class PlaneTasks implements Parallel.Body {
        private MemorySegment out, in;
        private ConvGeometry g;
        private boolean max, includePad;
        private int planes, tasks;

        void set(MemorySegment out, MemorySegment in, ConvGeometry g, boolean max, boolean includePad, int planes,
                int tasks) {
            this.out = out;
            this.in = in;
            this.g = g;
            this.max = max;
            this.includePad = includePad;
            this.planes = planes;
            this.tasks = tasks;
        }

        @Override
        public void run(int t) {
            MemorySegment row = Scratch.get(SLOT_ROW, Math.max(scratchFloats(g), 1) * 4);
            planes(out, in, g, row, max, includePad, (int) ((long) planes * t / tasks),
                    (int) ((long) planes * (t + 1) / tasks));
        }
    }

    private static void direct(MemorySegment out, MemorySegment in, ConvGeometry g, boolean max, boolean includePad,
            int p0, int p1) {
        int s = g.strideW;
        int perVector = (LANES + s - 1) / s;
        VectorMask<Float> pick = VectorMask.fromLong(F, Vectors.everyNthLane(s));
        FloatVector fill = FloatVector.broadcast(F, max ? Float.NEGATIVE_INFINITY : 0f);
        long dLo = includePad ? -g.padD : 0, dHi = includePad ? (long) g.inD + g.padEndD : g.inD;
        long hLo = includePad ? -g.padH : 0, hHi = includePad ? (long) g.inH + g.padEndH : g.inH;
        long inBytes = in.byteSize();
        long vectorBytes = (long) LANES * 4;
        long o = (long) p0 * g.outSpatial();
        for (long pl = p0; pl < p1; pl++) {
            long plane = pl * g.inSpatial();
            for (int od = 0; od < g.outD; od++) {
                for (int oh = 0; oh < g.outH; oh++, o += g.outW) {
                    float divisor = max ? 1f : ((float) g.kW
                            * ConvGeometry.tapsInside((long) od * g.strideD - g.padD, g.kD, g.dilD, dLo, dHi)
                            * ConvGeometry.tapsInside((long) oh * g.strideH - g.padH, g.kH, g.dilH, hLo, hHi));
                    // The window's rows inside the input: [kd0, kd1) × [kh0, kh1), so the loops below test nothing.
                    int d0 = od * g.strideD - g.padD, h0 = oh * g.strideH - g.padH;
                    int kd0 = firstInside(d0, g.dilD), kd1 = endInside(d0, g.kD, g.dilD, g.inD);
                    int kh0 = firstInside(h0, g.dilH), kh1 = endInside(h0, g.kH, g.dilH, g.inH);
                    for (int ow = 0; ow < g.outW; ow += perVector) {
                        long col = (long) ow * s;
                        FloatVector acc = fill;
                        for (int kd = kd0; kd < kd1; kd++) {
                            for (int kh = kh0; kh < kh1; kh++) {
                                long byteAt = (plane + ((long) (d0 + kd * g.dilD) * g.inH + h0 + kh * g.dilH) * g.inW
                                        + col) * 4;
                                if (byteAt + vectorBytes + (long) (g.kW - 1) * g.dilW * 4 <= inBytes && g.kW <= 3) {
                                    // The usual 2- and 3-wide windows, unrolled: C2 pays a lot for a 2-trip loop.
                                    long step = (long) g.dilW * 4;
                                    FloatVector x = FloatVector.fromMemorySegment(F, in, byteAt, NO);
                                    if (g.kW > 1) {
                                        FloatVector y = FloatVector.fromMemorySegment(F, in, byteAt + step, NO);
                                        x = max ? x.max(y) : x.add(y);
                                    }
                                    if (g.kW > 2) {
                                        FloatVector y = FloatVector.fromMemorySegment(F, in, byteAt + 2 * step, NO);
                                        x = max ? x.max(y) : x.add(y);
                                    }
                                    acc = max ? acc.max(x) : acc.add(x);
                                    continue;
                                }
                                for (int kw = 0; kw < g.kW; kw++, byteAt += (long) g.dilW * 4) {
                                    // Lanes past the row's end are dropped, so reading into the next row is fine;
                                    // only the input's last row needs a mask (a slower, rare load).
                                    FloatVector x = byteAt + vectorBytes <= inBytes
                                            ? FloatVector.fromMemorySegment(F, in, byteAt, NO)
                                            : FloatVector.fromMemorySegment(F, in, byteAt, NO,
                                                    F.indexInRange(col + (long) kw * g.dilW, g.inW));
                                    acc = max ? acc.max(x) : acc.add(x);
                                }
                            }
                        }
                        if (s > 1) {
                            acc = acc.compress(pick);
                        }
                        if (!max) {
                            acc = acc.div(divisor);
                        }
                        acc.intoMemorySegment(out, (o + ow) * 4, NO, F.indexInRange(0, Math.min(perVector, g.outW - ow)));
                    }
                }
            }
        }
    }

    /** The first k with start + k·dil ≥ 0. */
    private static int firstInside(int start, int dil) {
        return start >= 0 ? 0 : (-start + dil - 1) / dil;
    }

    /** One past the last k < taps with start + k·dil < size. */
    private static int endInside(int start, int taps, int dil, int size) {
        return start >= size ? 0 : Math.min(taps, (size - 1 - start) / dil + 1);
    }

    /** row[lo..hi) = in[src..] (first row of the window), else row = max/sum(row, in). */
    private static void vertical(MemorySegment row, int lo, int hi, MemorySegment in, long src, boolean first,
            boolean max) {
        int n = hi - lo;
        if (n == 0) {
            return;
        }
        if (first) {
            MemorySegment.copy(in, src * 4, row, (long) lo * 4, (long) n * 4);
            return;
        }
        int t = 0;
        for (; t + LANES <= n; t += LANES) {
            FloatVector r = FloatVector.fromMemorySegment(F, row, (long) (lo + t) * 4, NO);
            FloatVector x = FloatVector.fromMemorySegment(F, in, (src + t) * 4, NO);
            (max ? r.max(x) : r.add(x)).intoMemorySegment(row, (long) (lo + t) * 4, NO);
        }
        for (; t < n; t++) {
            float r = row.getAtIndex(F32, lo + t);
            float x = in.getAtIndex(F32, src + t);
            row.setAtIndex(F32, lo + t, max ? Math.max(r, x) : r + x);
        }
    }

    /** out[o + ow] = max/sum over kw of row[ow * strideW + kw * dilW], divided (average) by divisor * cntW[ow]. */
    private static void horizontal(MemorySegment out, long o, MemorySegment row, int len, ConvGeometry g, boolean max,
            float divisor) {
        int ow = 0;
        if (g.strideW == 1) {
            for (; ow + LANES <= g.outW; ow += LANES) {
                FloatVector acc = FloatVector.fromMemorySegment(F, row, (long) ow * 4, NO);
                for (int kw = 1; kw < g.kW; kw++) {
                    FloatVector x = FloatVector.fromMemorySegment(F, row, ((long) ow + (long) kw * g.dilW) * 4, NO);
                    acc = max ? acc.max(x) : acc.add(x);
                }
                if (!max) {
                    acc = acc.div(FloatVector.fromMemorySegment(F, row, ((long) len + ow) * 4, NO).mul(divisor));
                }
                acc.intoMemorySegment(out, (o + ow) * 4, NO);
            }
        }
        int s = g.strideW;
        if (s > 1 && s <= LANES / 2) {
            // Strided: a vector of window starts, every s-th lane kept (compress), as in direct(). A kept lane
            // reads inside the row; the others may read the divisors or the slack, and are dropped.
            int perVector = (LANES + s - 1) / s;
            VectorMask<Float> pick = VectorMask.fromLong(F, Vectors.everyNthLane(s));
            for (; ow < g.outW; ow += perVector) {
                long j = (long) ow * s;
                FloatVector acc = FloatVector.fromMemorySegment(F, row, j * 4, NO);
                for (int kw = 1; kw < g.kW; kw++) {
                    FloatVector x = FloatVector.fromMemorySegment(F, row, (j + (long) kw * g.dilW) * 4, NO);
                    acc = max ? acc.max(x) : acc.add(x);
                }
                acc = acc.compress(pick);
                VectorMask<Float> keep = F.indexInRange(0, Math.min(perVector, g.outW - ow));
                if (!max) {
                    acc = acc.div(FloatVector.fromMemorySegment(F, row, ((long) len + ow) * 4, NO, keep).mul(divisor));
                }
                acc.intoMemorySegment(out, (o + ow) * 4, NO, keep);
            }
        }
        for (; ow < g.outW; ow++) {
            long j = (long) ow * g.strideW;
            float acc = row.getAtIndex(F32, j);
            for (int kw = 1; kw < g.kW; kw++) {
                float x = row.getAtIndex(F32, j + (long) kw * g.dilW);
                acc = max ? Math.max(acc, x) : acc + x;
            }
            if (!max) {
                acc /= row.getAtIndex(F32, (long) len + ow) * divisor;
            }
            out.setAtIndex(F32, o + ow, acc);
        }
    }

    /** out[p] = mean of plane p (of {@code spatial} elements), for each of {@code planes} (N * C) planes. */
    public static void globalAvg(MemorySegment out, MemorySegment in, long planes, long spatial) {
        if (Vectors.SCALAR) {
            PoolRef.globalAvg(out, in, planes, spatial);
            return;
        }
        for (long p = 0; p < planes; p++) {
            long base = p * spatial;
            FloatVector acc = FloatVector.zero(F);
            long i = 0;
            for (; i + LANES <= spatial; i += LANES) {
                acc = acc.add(FloatVector.fromMemorySegment(F, in, (base + i) * 4, NO));
            }
            float sum = acc.reduceLanes(VectorOperators.ADD);
            for (; i < spatial; i++) {
                sum += in.getAtIndex(F32, base + i);
            }
            out.setAtIndex(F32, p, sum / spatial);
        }
    }

    /** out[p] = max of plane p; NaN wins. */
    public static void globalMax(MemorySegment out, MemorySegment in, long planes, long spatial) {
        if (Vectors.SCALAR) {
            PoolRef.globalMax(out, in, planes, spatial);
            return;
        }
        for (long p = 0; p < planes; p++) {
            long base = p * spatial;
            FloatVector acc = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            long i = 0;
            for (; i + LANES <= spatial; i += LANES) {
                acc = acc.max(FloatVector.fromMemorySegment(F, in, (base + i) * 4, NO));
            }
            float best = acc.reduceLanes(VectorOperators.MAX);
            for (; i < spatial; i++) {
                best = Math.max(best, in.getAtIndex(F32, base + i));
            }
            out.setAtIndex(F32, p, best);
        }
    }
}
