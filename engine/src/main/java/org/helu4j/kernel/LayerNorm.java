package org.helu4j.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.helu4j.kernel.ref.LayerNormRef;

/**
 * Layer normalization of contiguous rows: the mean, the variance of the deviations (two passes, which stays
 * accurate when the mean is large), then {@code (x - mean) * invStd * scale + bias} with one fused multiply-add
 * per lane. Accumulation is in float32; the twin is {@link LayerNormRef}.
 */
public final class LayerNorm {
    private static final VectorSpecies<Float> F = Vectors.F;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private LayerNorm() {
    }

    /** See {@link LayerNormRef#normalizeChannels}: same arguments, same meaning. */
    public static void normalizeChannels(MemorySegment y, MemorySegment x, MemorySegment scale, MemorySegment bias,
            int rows, int channels, int n, float eps) {
        if (Vectors.SCALAR) {
            LayerNormRef.normalizeChannels(y, x, scale, bias, rows, channels, n, eps);
            return;
        }
        int lanes = F.length();
        int bound = F.loopBound(n);
        for (int r = 0; r < rows; r++) {
            long base = (long) r * n;
            float m = mean(x, base, n, bound, lanes);
            float inv = invStd(x, base, n, bound, lanes, m, eps);
            float k = scale.getAtIndex(ValueLayout.JAVA_FLOAT, r % channels) * inv;
            float b = bias.getAtIndex(ValueLayout.JAVA_FLOAT, r % channels);
            // (x - m) * k + b, not x * k + (b - m * k): with a tiny variance k is huge and the latter cancels badly
            FloatVector vm = FloatVector.broadcast(F, m);
            FloatVector vk = FloatVector.broadcast(F, k);
            FloatVector vb = FloatVector.broadcast(F, b);
            int i = 0;
            for (; i < bound; i += lanes) {
                FloatVector.fromMemorySegment(F, x, (base + i) * 4, ORDER).sub(vm).fma(vk, vb)
                        .intoMemorySegment(y, (base + i) * 4, ORDER);
            }
            for (; i < n; i++) {
                y.setAtIndex(ValueLayout.JAVA_FLOAT, base + i, Math.fma(x.getAtIndex(ValueLayout.JAVA_FLOAT, base + i) - m, k, b));
            }
        }
    }

    private static float mean(MemorySegment x, long base, int n, int bound, int lanes) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i < bound; i += lanes) {
            acc = acc.add(FloatVector.fromMemorySegment(F, x, (base + i) * 4, ORDER));
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += x.getAtIndex(ValueLayout.JAVA_FLOAT, base + i);
        }
        return sum / n;
    }

    private static float invStd(MemorySegment x, long base, int n, int bound, int lanes, float m, float eps) {
        FloatVector vm = FloatVector.broadcast(F, m);
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i < bound; i += lanes) {
            FloatVector d = FloatVector.fromMemorySegment(F, x, (base + i) * 4, ORDER).sub(vm);
            acc = d.fma(d, acc);
        }
        float sq = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float d = x.getAtIndex(ValueLayout.JAVA_FLOAT, base + i) - m;
            sq += d * d;
        }
        return (float) (1 / Math.sqrt(sq / n + eps));
    }

    /** See {@link LayerNormRef#normalize}: same arguments, same meaning. */
    public static void normalize(MemorySegment y, MemorySegment mean, MemorySegment invStd, MemorySegment x,
            MemorySegment scale, MemorySegment bias, int rows, int n, float eps) {
        if (Vectors.SCALAR) {
            LayerNormRef.normalize(y, mean, invStd, x, scale, bias, rows, n, eps);
            return;
        }
        int lanes = F.length();
        int bound = F.loopBound(n);
        for (int r = 0; r < rows; r++) {
            long base = (long) r * n;
            float m = mean(x, base, n, bound, lanes);
            FloatVector vm = FloatVector.broadcast(F, m);
            float inv = invStd(x, base, n, bound, lanes, m, eps);
            FloatVector vinv = FloatVector.broadcast(F, inv);
            int i = 0;
            for (; i < bound; i += lanes) { // hot spot: the normalized, scaled output
                FloatVector d = FloatVector.fromMemorySegment(F, x, (base + i) * 4, ORDER).sub(vm).mul(vinv);
                FloatVector s = FloatVector.fromMemorySegment(F, scale, (long) i * 4, ORDER);
                FloatVector b = bias == null ? FloatVector.zero(F) : FloatVector.fromMemorySegment(F, bias, (long) i * 4, ORDER);
                d.fma(s, b).intoMemorySegment(y, (base + i) * 4, ORDER);
            }
            for (; i < n; i++) {
                float d = (x.getAtIndex(ValueLayout.JAVA_FLOAT, base + i) - m) * inv;
                float b = bias == null ? 0 : bias.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                y.setAtIndex(ValueLayout.JAVA_FLOAT, base + i, Math.fma(d, scale.getAtIndex(ValueLayout.JAVA_FLOAT, i), b));
            }
            if (mean != null) {
                mean.setAtIndex(ValueLayout.JAVA_FLOAT, r, m);
            }
            if (invStd != null) {
                invStd.setAtIndex(ValueLayout.JAVA_FLOAT, r, inv);
            }
        }
    }
}
