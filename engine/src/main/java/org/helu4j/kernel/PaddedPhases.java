package org.helu4j.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * A convolution's input, zero-padded and split by phase, for {@link ConvGrid} and {@link DepthwiseConv}: with
 * strides (sH, sW), padded row y and column x of a channel go to phase plane (y mod sH, x mod sW) at
 * (y / sH, x / sW), each phase plane {@code qw} columns wide (unit strides: one phase, the padded plane itself).
 * Output (oh, ow) then sits at {@code oh·qw + ow} of an output grid, and tap (kh, kw), for every output, is one
 * phase plane read at a constant {@link #tap offset}: a convolution becomes shifted, contiguous reads. One per
 * thread, {@link #set} per call.
 */
final class PaddedPhases {
    private static final VectorSpecies<Float> F = Vectors.F;
    private static final int L = Vectors.LANES;
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    /** Scratch slot staging the last vector of an input (see {@link #phase}). */
    private static final int SLOT_STAGE = 0;

    /** Padded extent; phase plane extent (H, W); floats per phase plane and per input channel. */
    int ph, pw, qh, qw;
    long phase, channel;
    /** Bit f set: some tap reads row (column) phase f; the others are never read (a 1×1 with a stride). */
    long rowPhases, colPhases;

    PaddedPhases set(ConvGeometry g) {
        ph = (g.outH - 1) * g.strideH + (g.kH - 1) * g.dilH + 1;
        pw = (g.outW - 1) * g.strideW + (g.kW - 1) * g.dilW + 1;
        qh = (ph + g.strideH - 1) / g.strideH;
        qw = (pw + g.strideW - 1) / g.strideW;
        phase = (long) qh * qw;
        channel = (long) g.strideH * g.strideW * phase;
        rowPhases = phasesRead(g.kH, g.dilH, g.strideH);
        colPhases = phasesRead(g.kW, g.dilW, g.strideW);
        return this;
    }

    private static long phasesRead(int taps, int dil, int stride) {
        long bits = 0;
        for (int t = 0; t < taps && stride < 64; t++) {
            bits |= 1L << ((long) t * dil % stride);
        }
        return stride < 64 ? bits : -1L;
    }

    /** True when some tap reads phase plane (fy, fx). */
    boolean reads(int fy, int fx) {
        return (rowPhases >>> fy & 1) != 0 && (colPhases >>> fx & 1) != 0;
    }

    /** Float offset, from its channel's start, of padded (y, x). */
    long at(ConvGeometry g, long y, long x) {
        return ((y % g.strideH) * g.strideW + x % g.strideW) * phase + y / g.strideH * qw + x / g.strideW;
    }

    /** Float offset, from its channel's start, of tap (kh, kw). */
    long tap(ConvGeometry g, int kh, int kw) {
        return at(g, (long) kh * g.dilH, (long) kw * g.dilW);
    }

    /**
     * Row r = (c, kh, kw) of the im2col matrix, for c below {@code channels}: its float offset from the padded input's
     * start, where every output position reads it at the same distance from its own base, into {@code dst[r]}.
     */
    void tapOffsets(ConvGeometry g, int channels, int[] dst) {
        // The first channel's taps, then every other channel's at a constant distance from them: this runs on every
        // call, and a tap's divisions for each row took 1.1 us of a 16 us conv (fashion-cnn's 32 -> 32 at 7x7).
        int taps = g.kH * g.kW;
        for (int kh = 0, r = 0; kh < g.kH; kh++) {
            for (int kw = 0; kw < g.kW; kw++) {
                dst[r++] = (int) tap(g, kh, kw);
            }
        }
        for (int c = 1, r = taps; c < channels; c++) {
            int shift = (int) (c * channel);
            for (int t = 0; t < taps; t++) {
                dst[r++] = dst[t] + shift;
            }
        }
    }

    /** Floats of the output grid: output rows {@code qw} apart, the last one {@code outW} long. */
    long gridCols(ConvGeometry g) {
        return (long) (g.outH - 1) * qw + g.outW;
    }

    /**
     * Copies input planes [firstPlane, firstPlane + planes) into zeroed channels of padded, phase-split planes,
     * then zeroes the slack. With a W stride, a vector of an input row is split into its W phases by compressing
     * every sW-th lane. Phases no tap reads are skipped. (Divisions stay out of the row loop: they cost more than
     * the copying.)
     */
    void copy(MemorySegment padded, MemorySegment in, ConvGeometry g, long firstPlane, long planes, long slack) {
        for (long c = 0; c < planes; c++) {
            copyChannel(padded, c * channel, in, (firstPlane + c) * g.inH * g.inW, g, false);
        }
        fill(padded, planes * channel, slack);
    }

    /**
     * One input plane (at float {@code src} of in) into its padded, phase-split channel at float {@code dst}. With
     * {@code padZero}, the channel held another plane of this geometry before, so its padding is zero already: a
     * copy writes the same interior cells every time, and only zeros elsewhere.
     */
    void copyChannel(MemorySegment padded, long dst, MemorySegment in, long src, ConvGeometry g, boolean padZero) {
        int rows = Math.min(g.inH, ph - g.padH);
        int width = Math.min(g.inW, pw - g.padW);
        // Rows of up to 4 vectors: both column phases per pass over the input (per 2·L-float row, us per copy:
        // 8 × 28² 6.1 -> 4.1, 16 × 14² 4.0 -> 3.1, 32 × 32² 24 -> 17, 64 × 56² 123 -> 121). On MobileNetV2's
        // 96 × 112² it was slower (508 -> 733 us), so wider rows keep a pass per phase.
        if (g.strideW == 2 && L >= 2 && width <= 4 * L) {
            for (int fy = 0; fy < g.strideH; fy++) {
                boolean even = reads(fy, 0), odd = reads(fy, 1);
                long plane = dst + (long) fy * 2 * phase;
                if (!padZero && even) {
                    fill(padded, plane, phase);
                }
                if (!padZero && odd) {
                    fill(padded, plane + phase, phase);
                }
                if (width > 0 && (even || odd)) {
                    phasePair(padded, plane, in, src, g, fy, rows, width, even, odd);
                }
            }
            return;
        }
        for (int fy = 0; fy < g.strideH; fy++) {
            for (int fx = 0; fx < g.strideW; fx++) {
                if (reads(fy, fx)) {
                    long plane = dst + ((long) fy * g.strideW + fx) * phase;
                    if (!padZero) {
                        fill(padded, plane, phase);
                    }
                    if (width > 0) {
                        phase(padded, plane, in, src, g, fy, fx, rows, width);
                    }
                }
            }
        }
    }

    /**
     * {@link #phase} without a W stride, for rows of up to two vectors: a load and a masked store each, where a copy
     * call per row cost more than the row (ConvProbe, outside the repository, 16 -> 32 3×3 at 7×7, batch 8: the
     * copy was 15% of the call). Its own method: in {@link #phase} it made that too big for C1.
     */
    private void narrowRows(MemorySegment padded, long to, MemorySegment in, long src, ConvGeometry g, int r0,
            int rows, int width) {
        VectorMask<Float> head = F.indexInRange(0, width), tail = F.indexInRange(L, width);
        long vb = (long) L * Float.BYTES, inBytes = in.byteSize(), loads = width > L ? 2 * vb : vb;
        for (int r = r0; r < rows; r += g.strideH, to += qw) {
            long from = (src + (long) r * g.inW) * Float.BYTES, at = to * Float.BYTES;
            if (from + loads <= inBytes) {
                FloatVector.fromMemorySegment(F, in, from, NO).intoMemorySegment(padded, at, NO, head);
                if (width > L) {
                    FloatVector.fromMemorySegment(F, in, from + vb, NO).intoMemorySegment(padded, at + vb, NO, tail);
                }
            } else {
                MemorySegment.copy(in, from, padded, at, (long) width * Float.BYTES);
            }
        }
    }

    /**
     * Phase plane (fy, fx) of one channel from the input plane at {@code src}: the input rows of row phase fy, in
     * order. With a W stride each vector of a row is compressed to its phase-fx lanes and stored whole: the zeros
     * compress leaves above them land on later columns or rows of this plane, which are written after, or on
     * padding, which is zero anyway. The plane's last row stores just its lanes, so that nothing lands past the
     * plane: channels may be copied by different threads.
     */
    private void phase(MemorySegment padded, long plane, MemorySegment in, long src, ConvGeometry g, int fy, int fx,
            int rows, int width) {
        int s = g.strideW;
        int r0 = Math.floorMod(fy - g.padH, g.strideH);  // the first input row of row phase fy
        int x0 = Math.floorMod(fx - g.padW, s);          // the first input column of column phase fx
        long to = plane + (long) (r0 + g.padH) / g.strideH * qw + (x0 + g.padW) / s;
        if (s == 1 && width <= 2 * L) {
            narrowRows(padded, to, in, src, g, r0, rows, width);
            return;
        }
        if (s == 1) {
            for (int r = r0; r < rows; r += g.strideH, to += qw) {
                MemorySegment.copy(in, (src + (long) r * g.inW) * Float.BYTES, padded, to * Float.BYTES,
                        (long) width * Float.BYTES);
            }
            return;
        }
        int perVector = (L + s - 1) / s;
        int step = s * perVector;
        VectorMask<Float> pick = VectorMask.fromLong(F, Vectors.everyNthLane(s));
        // Per row: `full` vectors whose picked lanes are all inside the row, then at most one that is cut.
        int inside = width - 1 - x0 - s * (perVector - 1);
        int full = inside < 0 ? 0 : inside / step + 1;
        boolean cut = x0 + (long) full * step < width;
        int vectors = full + (cut ? 1 : 0);
        long lastLoadEnd = (long) (x0 + (vectors - 1) * step + L) * Float.BYTES;
        long inBytes = in.byteSize();
        MemorySegment stage = null;
        for (int r = r0; r < rows; r += g.strideH, to += qw) {
            long from = (src + (long) r * g.inW + x0) * Float.BYTES;
            long at = to * Float.BYTES;
            boolean loadable = from - (long) x0 * Float.BYTES + lastLoadEnd <= inBytes;
            boolean last = r + g.strideH >= rows;
            if (loadable && !last) {
                for (int i = 0; i < full; i++, from += (long) step * Float.BYTES, at += (long) perVector * Float.BYTES) {
                    FloatVector.fromMemorySegment(F, in, from, NO).compress(pick).intoMemorySegment(padded, at, NO);
                }
                if (cut) {
                    // Lanes past the row (the next row's first columns) are zeroed: they would land on padding.
                    FloatVector v = FloatVector.fromMemorySegment(F, in, from, NO);
                    v.blend(0f, F.indexInRange(x0 + full * step, width).not()).compress(pick)
                            .intoMemorySegment(padded, at, NO);
                }
                continue;
            }
            // The plane's last row stores only its own lanes: the zeros past them could land on the next channel,
            // which another thread may have copied already. The input's last rows are loaded through scratch,
            // since a masked load at a segment's end is not intrinsified (microseconds per load).
            if (!loadable && stage == null) {
                stage = Scratch.get(SLOT_STAGE, (long) L * Float.BYTES);
            }
            for (int i = 0; i < vectors; i++, from += (long) step * Float.BYTES, at += (long) perVector * Float.BYTES) {
                int x = x0 + i * step;
                FloatVector v;
                if (loadable) {
                    v = FloatVector.fromMemorySegment(F, in, from, NO);
                } else {
                    MemorySegment.copy(in, from, stage, 0, Math.min(L, width - x) * (long) Float.BYTES);
                    v = FloatVector.fromMemorySegment(F, stage, 0, NO);
                }
                v = v.blend(0f, F.indexInRange(x, width).not()).compress(pick);
                if (last) {
                    v.intoMemorySegment(padded, at, NO, F.indexInRange(0, Math.min(perVector, (width - x + s - 1) / s)));
                } else {
                    v.intoMemorySegment(padded, at, NO);
                }
            }
        }
    }

    /**
     * Phase planes (fy, 0) and (fy, 1) at {@code plane} (those {@code even}, {@code odd} asks for) from the input
     * plane at {@code src}, for a W stride of 2: each vector of an input row is loaded once and compressed twice,
     * to its even and to its odd lanes (one phase per call, as {@link #phase} does, cost 6 us for fashion-wrn's
     * 8 × 28×28 input: as much as the conv). Lanes past the row are zeroed first, and compressed vectors are stored
     * whole: the zeros above their lanes land on columns the next vector overwrites, on padding, or on cells a later
     * row of this plane overwrites; a store that would leave the plane is masked (another thread may be writing the
     * next channel).
     */
    private void phasePair(MemorySegment padded, long plane, MemorySegment in, long src, ConvGeometry g, int fy,
            int rows, int width, boolean even, boolean odd) {
        int half = L / 2;
        int fxEven = g.padW & 1;  // the phase of input columns 0, 2, 4, ...
        long evenPlane = plane + (long) fxEven * phase, oddPlane = plane + (long) (1 - fxEven) * phase;
        boolean toEven = fxEven == 0 ? even : odd, toOdd = fxEven == 0 ? odd : even;
        VectorMask<Float> evenLanes = VectorMask.fromLong(F, Vectors.everyNthLane(2));
        VectorMask<Float> oddLanes = VectorMask.fromLong(F, Vectors.everyNthLane(2) << 1);
        int cut = (width - 1) / L * L;  // the last vector's first column: its lanes past the row are zeroed
        VectorMask<Float> keep = F.indexInRange(cut, width);
        long inBytes = in.byteSize();
        long vb = (long) L * Float.BYTES;
        MemorySegment stage = null;
        for (int r = Math.floorMod(fy - g.padH, g.strideH); r < rows; r += g.strideH) {
            long qy = (long) (r + g.padH) / g.strideH * qw;
            long atEven = evenPlane + qy + g.padW / 2, atOdd = oddPlane + qy + (g.padW + 1) / 2;
            long from = (src + (long) r * g.inW) * Float.BYTES;
            for (int x0 = 0; x0 < width; x0 += L, from += vb, atEven += half, atOdd += half) {
                FloatVector v;
                if (from + vb <= inBytes) {
                    v = FloatVector.fromMemorySegment(F, in, from, NO);
                } else {
                    // The input's last vector: through scratch, since a masked load across its end is slow.
                    if (stage == null) {
                        stage = Scratch.get(SLOT_STAGE, vb);
                    }
                    MemorySegment.copy(in, from, stage, 0, inBytes - from);
                    v = FloatVector.fromMemorySegment(F, stage, 0, NO);
                }
                if (x0 == cut) {
                    v = FloatVector.zero(F).blend(v, keep);
                }
                // (Written out, not a helper: a vector passed to a call the JIT leaves out of line is boxed.)
                if (toEven) {
                    FloatVector e = v.compress(evenLanes);
                    if (atEven + L <= evenPlane + phase) {
                        e.intoMemorySegment(padded, atEven * Float.BYTES, NO);
                    } else {
                        e.intoMemorySegment(padded, atEven * Float.BYTES, NO, F.indexInRange(0, (width - x0 + 1) / 2));
                    }
                }
                if (toOdd) {
                    FloatVector o = v.compress(oddLanes);
                    if (atOdd + L <= oddPlane + phase) {
                        o.intoMemorySegment(padded, atOdd * Float.BYTES, NO);
                    } else {
                        o.intoMemorySegment(padded, atOdd * Float.BYTES, NO, F.indexInRange(0, (width - x0) / 2));
                    }
                }
            }
        }
    }

    static void fill(MemorySegment s, long at, long n) {
        FloatVector z = FloatVector.zero(F);
        long i = 0;
        for (; i + L <= n; i += L) {
            z.intoMemorySegment(s, (at + i) * Float.BYTES, NO);
        }
        for (; i < n; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, at + i, 0f);
        }
    }
}
