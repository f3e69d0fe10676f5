package org.helu4j.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector width every kernel uses, chosen once per JVM. {@code -Dhelu4j.vectorBits=0|128|256|512} forces it
 * ({@code 0} selects the scalar reference path; {@code 128} stands in for ARM NEON); without it, the widest
 * width the CPU supports is used. Kernels read {@link #F} from a static final, so the JIT sees a constant species.
 */
public final class Vectors {
    /** The selected width in bits; 0 means scalar. */
    public static final int BITS;
    /** True when the scalar path is forced. Kernels then delegate to their reference twins. */
    public static final boolean SCALAR;
    /** The float species of the selected width (the preferred one when scalar, so that code stays valid). */
    public static final VectorSpecies<Float> F;
    /** Floats per vector, {@code F.length()}. */
    public static final int LANES;

    static {
        String forced = System.getProperty("helu4j.vectorBits");
        int bits = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        if (forced != null && !forced.isBlank()) {
            try {
                bits = Integer.parseInt(forced.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("helu4j.vectorBits must be 0, 128, 256 or 512, not '" + forced + "'");
            }
            if (bits != 0 && bits != 128 && bits != 256 && bits != 512) {
                throw new IllegalArgumentException("helu4j.vectorBits must be 0, 128, 256 or 512, not " + bits);
            }
        }
        BITS = bits;
        SCALAR = bits == 0;
        F = SCALAR ? FloatVector.SPECIES_PREFERRED : FloatVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(bits));
        LANES = F.length();
        // No debug log line here: the first System.Logger in a JVM starts java.util.logging, 20 to 50 ms of
        // every cold start. The width is shown by describe() (infer --version, the benchmark reports).
    }

    private Vectors() {
    }

    /**
     * Lanes 0, s, 2s, ... of a vector as mask bits (for {@code VectorMask.fromLong}): the window starts of a
     * stride-s row, which compressing packs into consecutive outputs. A long, not a mask: a vector or mask that
     * crosses a call the JIT does not inline is boxed.
     */
    static long everyNthLane(int s) {
        long bits = 0;
        for (int i = 0; i < LANES; i += s) {
            bits |= 1L << i;
        }
        return bits;
    }

    /** For reports: {@code "512-bit (16 floats)"} or {@code "scalar"}. */
    public static String describe() {
        return SCALAR ? "scalar" : BITS + "-bit (" + LANES + " floats)";
    }
}
