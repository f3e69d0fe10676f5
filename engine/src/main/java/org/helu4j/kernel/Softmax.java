package org.helu4j.kernel;

import static org.helu4j.kernel.Unary.load;
import static org.helu4j.kernel.Vectors.F;
import static org.helu4j.kernel.Vectors.LANES;
import static org.helu4j.kernel.Vectors.SCALAR;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import org.helu4j.kernel.ref.SoftmaxRef;

/**
 * Softmax and LogSoftmax over one axis of a tensor seen as [outer, n, inner]: {@code softmax(out, o, x, xo, outer,
 * n, inner, log)}. With inner = 1 (the last axis, or the pre-13 2-D coercion) each row is contiguous and is
 * vectorized along n; otherwise the vector runs across inner, keeping max and sum per lane in registers, so no
 * scratch memory is needed. out may be x. Scalar twin: {@link SoftmaxRef}.
 */
public final class Softmax {
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private Softmax() {
    }

    public static void softmax(MemorySegment out, long o, MemorySegment x, long xo, long outer, long n, long inner,
            boolean log) {
        if (SCALAR) {
            SoftmaxRef.softmax(out, o, x, xo, outer, n, inner, log);
            return;
        }
        if (n == 0) {
            return;
        }
        for (long p = 0; p < outer; p++) {
            long base = p * n * inner;
            if (inner == 1) {
                row(out, o + base, x, xo + base, n, log);
            } else {
                for (long j = 0; j < inner; j += LANES) {
                    columns(out, o + base + j, x, xo + base + j, n, inner, F.indexInRange(j, inner), log);
                }
            }
        }
    }

    /** One contiguous row of n. */
    private static void row(MemorySegment out, long o, MemorySegment x, long xo, long n, boolean log) {
        long bound = F.loopBound(n);
        VectorMask<Float> tail = F.indexInRange(bound, n);
        FloatVector vmax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        long i = 0;
        for (; i < bound; i += LANES) {
            vmax = vmax.max(load(x, xo + i));
        }
        if (i < n) {
            vmax = vmax.lanewise(VectorOperators.MAX, load(x, xo + i, tail), tail);
        }
        float max = vmax.reduceLanes(VectorOperators.MAX);
        // Kahan-compensated sums per lane, then a double reduction: log(sum) stays accurate when the largest
        // term (exactly 1) dominates, which is where LogSoftmax outputs are close to 0 and an absolute error shows.
        FloatVector vsum = FloatVector.zero(F);
        FloatVector vc = FloatVector.zero(F);
        for (i = 0; i < bound; i += LANES) {  // hot: exp of every element
            FloatVector e = load(x, xo + i).sub(max).lanewise(VectorOperators.EXP);
            if (!log) {
                e.intoMemorySegment(out, (o + i) * 4, NATIVE);
            }
            FloatVector y = e.sub(vc);
            FloatVector t = vsum.add(y);
            vc = t.sub(vsum).sub(y);
            vsum = t;
        }
        if (i < n) {
            FloatVector e = load(x, xo + i, tail).sub(max).lanewise(VectorOperators.EXP);
            if (!log) {
                e.intoMemorySegment(out, (o + i) * 4, NATIVE, tail);
            }
            FloatVector y = FloatVector.zero(F).blend(e, tail).sub(vc);
            FloatVector t = vsum.add(y);
            vc = t.sub(vsum).sub(y);
            vsum = t;
        }
        double sum = 0;
        for (int l = 0; l < LANES; l++) {
            sum += (double) vsum.lane(l) - vc.lane(l);
        }
        if (log) {
            float logSum = (float) Math.log(sum);
            for (i = 0; i < bound; i += LANES) {
                load(x, xo + i).sub(max).sub(logSum).intoMemorySegment(out, (o + i) * 4, NATIVE);
            }
            if (i < n) {
                load(x, xo + i, tail).sub(max).sub(logSum).intoMemorySegment(out, (o + i) * 4, NATIVE, tail);
            }
        } else {
            float inv = (float) (1 / sum);
            for (i = 0; i < bound; i += LANES) {
                load(out, o + i).mul(inv).intoMemorySegment(out, (o + i) * 4, NATIVE);
            }
            if (i < n) {
                load(out, o + i, tail).mul(inv).intoMemorySegment(out, (o + i) * 4, NATIVE, tail);
            }
        }
    }

    /** Up to LANES neighbouring slices, each n elements {@code inner} apart, one per lane. */
    private static void columns(MemorySegment out, long o, MemorySegment x, long xo, long n, long inner,
            VectorMask<Float> m, boolean log) {
        FloatVector vmax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (long k = 0; k < n; k++) {
            vmax = vmax.max(load(x, xo + k * inner, m));
        }
        FloatVector vsum = FloatVector.zero(F);
        FloatVector vc = FloatVector.zero(F);  // Kahan compensation, as in row()
        for (long k = 0; k < n; k++) {
            FloatVector e = load(x, xo + k * inner, m).sub(vmax).lanewise(VectorOperators.EXP);
            if (!log) {
                e.intoMemorySegment(out, (o + k * inner) * 4, NATIVE, m);
            }
            FloatVector y = e.sub(vc);
            FloatVector t = vsum.add(y);
            vc = t.sub(vsum).sub(y);
            vsum = t;
        }
        if (log) {
            // sum = vsum - vc, so log(sum) = log(vsum) + log1p(-vc / vsum) ~ log(vsum) - vc / vsum
            FloatVector logSum = vsum.lanewise(VectorOperators.LOG).sub(vc.div(vsum));
            for (long k = 0; k < n; k++) {
                load(x, xo + k * inner, m).sub(vmax).sub(logSum).intoMemorySegment(out, (o + k * inner) * 4, NATIVE, m);
            }
        } else {
            FloatVector inv = FloatVector.broadcast(F, 1f).div(vsum.sub(vc));
            for (long k = 0; k < n; k++) {
                load(out, o + k * inner, m).mul(inv).intoMemorySegment(out, (o + k * inner) * 4, NATIVE, m);
            }
        }
    }
}
