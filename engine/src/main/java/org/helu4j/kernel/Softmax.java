package org.helu4j.kernel;

import static org.helu4j.kernel.Unary.load;
import static org.helu4j.kernel.Vectors.F;
import static org.helu4j.kernel.Vectors.LANES;
import static org.helu4j.kernel.Vectors.SCALAR;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import org.helu4j.kernel.ref.SoftmaxRef;

/**
 * Softmax and LogSoftmax over one axis of a tensor seen as [outer, n, inner]: {@code softmax(out, o, x, xo, outer,
 * n, inner, log)}. With inner = 1 (the last axis, or the pre-13 2-D coercion) each row is contiguous and is
 * vectorized along n, with scalar tails; otherwise the vector runs across inner (masked at its end), keeping max
 * and sum per lane in registers, so no scratch memory is needed. out may be x. Scalar twin: {@link SoftmaxRef}.
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
                    columns(out, o + base, x, xo + base, j, n, inner, log);
                }
            }
        }
    }

    /**
     * One contiguous row of n, as small branch-free passes (max; exp and sum, stored or not; scale or subtract):
     * a vector live across a branch in one big method is where C2 gives up and boxes.
     */
    private static void row(MemorySegment out, long o, MemorySegment x, long xo, long n, boolean log) {
        float max = rowMax(x, xo, n);
        if (log) {
            float logSum = (float) Math.log(expSum(x, xo, n, max));
            subtract(out, o, x, xo, n, max, logSum);
        } else {
            scale(out, o, n, (float) (1 / expStoreSum(out, o, x, xo, n, max)));
        }
    }

    private static float rowMax(MemorySegment x, long xo, long n) {
        FloatVector vmax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            vmax = vmax.max(load(x, xo + i));
        }
        float max = vmax.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, x.getAtIndex(ValueLayout.JAVA_FLOAT, xo + i));
        }
        return max;
    }

    // The sums are Kahan-compensated per lane and reduced in double: log(sum) stays accurate when the largest
    // term (exactly 1) dominates, which is where LogSoftmax outputs are close to 0 and an absolute error shows.

    private static double expSum(MemorySegment x, long xo, long n, float max) {
        FloatVector vsum = FloatVector.zero(F);
        FloatVector vc = FloatVector.zero(F);
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            FloatVector y = load(x, xo + i).sub(max).lanewise(VectorOperators.EXP).sub(vc);
            FloatVector t = vsum.add(y);
            vc = t.sub(vsum).sub(y);
            vsum = t;
        }
        double sum = 0;
        for (int l = 0; l < LANES; l++) {
            sum += (double) vsum.lane(l) - vc.lane(l);
        }
        for (; i < n; i++) {
            sum += Math.exp(x.getAtIndex(ValueLayout.JAVA_FLOAT, xo + i) - max);
        }
        return sum;
    }

    /** As expSum, also storing each exp(x - max) in out. */
    private static double expStoreSum(MemorySegment out, long o, MemorySegment x, long xo, long n, float max) {
        FloatVector vsum = FloatVector.zero(F);
        FloatVector vc = FloatVector.zero(F);
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {  // hot: exp of every element
            FloatVector e = load(x, xo + i).sub(max).lanewise(VectorOperators.EXP);
            e.intoMemorySegment(out, (o + i) * 4, NATIVE);
            FloatVector y = e.sub(vc);
            FloatVector t = vsum.add(y);
            vc = t.sub(vsum).sub(y);
            vsum = t;
        }
        double sum = 0;
        for (int l = 0; l < LANES; l++) {
            sum += (double) vsum.lane(l) - vc.lane(l);
        }
        for (; i < n; i++) {
            float e = (float) Math.exp(x.getAtIndex(ValueLayout.JAVA_FLOAT, xo + i) - max);
            out.setAtIndex(ValueLayout.JAVA_FLOAT, o + i, e);
            sum += e;
        }
        return sum;
    }

    private static void scale(MemorySegment out, long o, long n, float inv) {
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            load(out, o + i).mul(inv).intoMemorySegment(out, (o + i) * 4, NATIVE);
        }
        for (; i < n; i++) {
            out.setAtIndex(ValueLayout.JAVA_FLOAT, o + i, out.getAtIndex(ValueLayout.JAVA_FLOAT, o + i) * inv);
        }
    }

    private static void subtract(MemorySegment out, long o, MemorySegment x, long xo, long n, float max,
            float logSum) {
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            load(x, xo + i).sub(max).sub(logSum).intoMemorySegment(out, (o + i) * 4, NATIVE);
        }
        for (; i < n; i++) {
            out.setAtIndex(ValueLayout.JAVA_FLOAT, o + i, x.getAtIndex(ValueLayout.JAVA_FLOAT, xo + i) - max - logSum);
        }
    }

    /**
     * Slices j .. j+LANES-1 (as far as inner goes), each n elements {@code inner} apart, one per lane. The mask is
     * made here, not passed in: a mask crossing a call that is not inlined would be boxed. Softmax and LogSoftmax
     * are separate methods, and they load through the Vector API directly rather than through {@code Unary.load}:
     * C2 may inline both into this one, reach its inlining node limit and leave a helper call behind, and a vector
     * and mask crossing that call are boxed on every element (144 bytes each at 512 bits).
     */
    private static void columns(MemorySegment out, long o, MemorySegment x, long xo, long j, long n, long inner,
            boolean log) {
        if (log) {
            logColumns(out, o, x, xo, j, n, inner);
        } else {
            expColumns(out, o, x, xo, j, n, inner);
        }
    }

    /** Softmax down the columns: exp(x - max) stored, then scaled by 1 / sum. Byte offsets: a = x, b = out. */
    private static void expColumns(MemorySegment out, long o, MemorySegment x, long xo, long j, long n,
            long inner) {
        VectorMask<Float> m = F.indexInRange(j, inner);
        long stride = inner * 4;
        long a0 = (xo + j) * 4;
        long b0 = (o + j) * 4;
        FloatVector vmax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (long k = 0, a = a0; k < n; k++, a += stride) {
            vmax = vmax.max(FloatVector.fromMemorySegment(F, x, a, NATIVE, m));
        }
        FloatVector vsum = FloatVector.zero(F);
        FloatVector vc = FloatVector.zero(F);  // Kahan compensation, as in row()
        for (long k = 0, a = a0, b = b0; k < n; k++, a += stride, b += stride) {
            FloatVector e = FloatVector.fromMemorySegment(F, x, a, NATIVE, m).sub(vmax).lanewise(VectorOperators.EXP);
            e.intoMemorySegment(out, b, NATIVE, m);
            FloatVector y = e.sub(vc);
            FloatVector t = vsum.add(y);
            vc = t.sub(vsum).sub(y);
            vsum = t;
        }
        FloatVector inv = FloatVector.broadcast(F, 1f).div(vsum.sub(vc));
        for (long k = 0, b = b0; k < n; k++, b += stride) {
            FloatVector.fromMemorySegment(F, out, b, NATIVE, m).mul(inv).intoMemorySegment(out, b, NATIVE, m);
        }
    }

    /** LogSoftmax down the columns: x - max - log(sum of exp(x - max)). Byte offsets: a = x, b = out. */
    private static void logColumns(MemorySegment out, long o, MemorySegment x, long xo, long j, long n,
            long inner) {
        VectorMask<Float> m = F.indexInRange(j, inner);
        long stride = inner * 4;
        long a0 = (xo + j) * 4;
        long b0 = (o + j) * 4;
        FloatVector vmax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (long k = 0, a = a0; k < n; k++, a += stride) {
            vmax = vmax.max(FloatVector.fromMemorySegment(F, x, a, NATIVE, m));
        }
        FloatVector vsum = FloatVector.zero(F);
        FloatVector vc = FloatVector.zero(F);
        for (long k = 0, a = a0; k < n; k++, a += stride) {
            FloatVector y = FloatVector.fromMemorySegment(F, x, a, NATIVE, m).sub(vmax).lanewise(VectorOperators.EXP)
                    .sub(vc);
            FloatVector t = vsum.add(y);
            vc = t.sub(vsum).sub(y);
            vsum = t;
        }
        // sum = vsum - vc, so log(sum) = log(vsum) + log1p(-vc / vsum) ~ log(vsum) - vc / vsum
        FloatVector logSum = vsum.lanewise(VectorOperators.LOG).sub(vc.div(vsum));
        for (long k = 0, a = a0, b = b0; k < n; k++, a += stride, b += stride) {
            FloatVector.fromMemorySegment(F, x, a, NATIVE, m).sub(vmax).sub(logSum)
                    .intoMemorySegment(out, b, NATIVE, m);
        }
    }
}
