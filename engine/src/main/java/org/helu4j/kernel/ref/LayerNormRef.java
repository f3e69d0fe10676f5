package org.helu4j.kernel.ref;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Scalar reference twin of {@link org.helu4j.kernel.LayerNorm}: simple loops, double accumulation, two passes
 * (the mean, then the variance of the deviations).
 */
public final class LayerNormRef {
    private LayerNormRef() {
    }

    /**
     * For each of {@code rows} rows of {@code n} values: {@code y = (x - mean) / sqrt(var + eps) * scale + bias}.
     * {@code bias}, {@code mean} and {@code invStd} may be null; {@code mean} and {@code invStd} get one value per row.
     */
    public static void normalize(MemorySegment y, MemorySegment mean, MemorySegment invStd, MemorySegment x,
            MemorySegment scale, MemorySegment bias, int rows, int n, float eps) {
        for (int r = 0; r < rows; r++) {
            long base = (long) r * n;
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += x.getAtIndex(ValueLayout.JAVA_FLOAT, base + i);
            }
            double m = sum / n;
            double sq = 0;
            for (int i = 0; i < n; i++) {
                double d = x.getAtIndex(ValueLayout.JAVA_FLOAT, base + i) - m;
                sq += d * d;
            }
            double inv = 1 / Math.sqrt(sq / n + eps);
            for (int i = 0; i < n; i++) {
                double v = (x.getAtIndex(ValueLayout.JAVA_FLOAT, base + i) - m) * inv
                        * scale.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                if (bias != null) {
                    v += bias.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                }
                y.setAtIndex(ValueLayout.JAVA_FLOAT, base + i, (float) v);
            }
            if (mean != null) {
                mean.setAtIndex(ValueLayout.JAVA_FLOAT, r, (float) m);
            }
            if (invStd != null) {
                invStd.setAtIndex(ValueLayout.JAVA_FLOAT, r, (float) inv);
            }
        }
    }

    /**
     * Instance normalization: row {@code r} (one channel of one image, {@code n} values) is normalized and then
     * scaled and shifted by the scalars {@code scale[r % channels]} and {@code bias[r % channels]}.
     */
    public static void normalizeChannels(MemorySegment y, MemorySegment x, MemorySegment scale, MemorySegment bias,
            int rows, int channels, int n, float eps) {
        for (int r = 0; r < rows; r++) {
            long base = (long) r * n;
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += x.getAtIndex(ValueLayout.JAVA_FLOAT, base + i);
            }
            double m = sum / n;
            double sq = 0;
            for (int i = 0; i < n; i++) {
                double d = x.getAtIndex(ValueLayout.JAVA_FLOAT, base + i) - m;
                sq += d * d;
            }
            double k = scale.getAtIndex(ValueLayout.JAVA_FLOAT, r % channels) / Math.sqrt(sq / n + eps);
            double b = bias.getAtIndex(ValueLayout.JAVA_FLOAT, r % channels);
            for (int i = 0; i < n; i++) {
                y.setAtIndex(ValueLayout.JAVA_FLOAT, base + i, (float) ((x.getAtIndex(ValueLayout.JAVA_FLOAT, base + i) - m) * k + b));
            }
        }
    }
}
