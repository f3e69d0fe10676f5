package org.helu4j.kernel.ref;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.helu4j.kernel.Binary;

/**
 * Scalar reference twins of {@link Binary}: one element at a time, with {@code aStep}/{@code bStep} of 1 (the
 * operand advances) or 0 (it repeats one element). The test oracle, and the path when
 * {@code -Dhelu4j.vectorBits=0}. Max and Min follow Math.max/min: NaN propagates, -0.0 < +0.0.
 */
public final class BinaryRef {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;

    private BinaryRef() {
    }

    public static void apply(int op, MemorySegment out, long o, MemorySegment a, long ao, int aStep, MemorySegment b,
            long bo, int bStep, long n) {
        for (long i = 0; i < n; i++) {
            float x = a.getAtIndex(F32, ao + i * aStep);
            float y = b.getAtIndex(F32, bo + i * bStep);
            out.setAtIndex(F32, o + i, apply(op, x, y));
        }
    }

    /** {@code a op s} for every element of a. */
    public static void applyScalar(int op, MemorySegment out, long o, MemorySegment a, long ao, float s, long n) {
        for (long i = 0; i < n; i++) {
            out.setAtIndex(F32, o + i, apply(op, a.getAtIndex(F32, ao + i), s));
        }
    }

    public static float apply(int op, float x, float y) {
        return switch (op) {
            case Binary.ADD -> x + y;
            case Binary.SUB -> x - y;
            case Binary.MUL -> x * y;
            case Binary.DIV -> x / y;
            case Binary.POW -> (float) Math.pow(x, y);
            case Binary.MAX -> Math.max(x, y);
            case Binary.MIN -> Math.min(x, y);
            case Binary.PRELU -> x < 0 ? x * y : x;
            default -> throw new IllegalArgumentException("unknown binary op " + op);
        };
    }
}
