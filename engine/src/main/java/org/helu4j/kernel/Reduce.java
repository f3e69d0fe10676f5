package org.helu4j.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.helu4j.kernel.ref.ReduceRef;

/**
 * Sum, mean and max over the middle axis of an input viewed as {@code [outer, red, inner]}, into
 * {@code out[outer, inner]}. Two vector shapes: with {@code inner == 1} (global pooling over HW, a row reduced to
 * one value) each row is folded into one vector and reduced across lanes; otherwise whole rows of {@code inner}
 * are added into the output row, lane by lane. Accumulation is in float32; the twin is {@link ReduceRef}.
 */
public final class Reduce {
    private static final VectorSpecies<Float> F = Vectors.F;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private Reduce() {
    }

    public static void sum(MemorySegment out, MemorySegment in, int outer, int red, int inner) {
        if (Vectors.SCALAR) {
            ReduceRef.sum(out, in, outer, red, inner);
        } else {
            add(out, in, outer, red, inner, 1f);
        }
    }

    public static void mean(MemorySegment out, MemorySegment in, int outer, int red, int inner) {
        if (Vectors.SCALAR) {
            ReduceRef.mean(out, in, outer, red, inner);
        } else {
            add(out, in, outer, red, inner, red == 0 ? Float.NaN : 1f / red);
        }
    }

    public static void max(MemorySegment out, MemorySegment in, int outer, int red, int inner) {
        if (Vectors.SCALAR) {
            ReduceRef.max(out, in, outer, red, inner);
        } else if (inner == 1) {
            maxRows(out, in, outer, red);
        } else {
            maxColumns(out, in, outer, red, inner);
        }
    }

    /** Sums times {@code scale} (1 for sum, 1/red for mean). */
    private static void add(MemorySegment out, MemorySegment in, int outer, int red, int inner, float scale) {
        int lanes = F.length();
        if (inner == 1) {
            int bound = F.loopBound(red);
            for (int o = 0; o < outer; o++) {
                long base = (long) o * red;
                FloatVector acc = FloatVector.zero(F);
                int r = 0;
                for (; r < bound; r += lanes) { // hot spot: global average pooling
                    acc = acc.add(FloatVector.fromMemorySegment(F, in, (base + r) * 4, ORDER));
                }
                float s = acc.reduceLanes(VectorOperators.ADD);
                for (; r < red; r++) {
                    s += in.getAtIndex(ValueLayout.JAVA_FLOAT, base + r);
                }
                out.setAtIndex(ValueLayout.JAVA_FLOAT, o, s * scale);
            }
            return;
        }
        int bound = F.loopBound(inner);
        for (int o = 0; o < outer; o++) {
            long dst = (long) o * inner;
            long src = (long) o * red * inner;
            int i = 0;
            for (; i < bound; i += lanes) {
                FloatVector acc = FloatVector.zero(F);
                for (int r = 0; r < red; r++) {
                    acc = acc.add(FloatVector.fromMemorySegment(F, in, (src + (long) r * inner + i) * 4, ORDER));
                }
                acc.mul(scale).intoMemorySegment(out, (dst + i) * 4, ORDER);
            }
            for (; i < inner; i++) {
                float s = 0;
                for (int r = 0; r < red; r++) {
                    s += in.getAtIndex(ValueLayout.JAVA_FLOAT, src + (long) r * inner + i);
                }
                out.setAtIndex(ValueLayout.JAVA_FLOAT, dst + i, s * scale);
            }
        }
    }

    private static void maxRows(MemorySegment out, MemorySegment in, int outer, int red) {
        int lanes = F.length();
        int bound = F.loopBound(red);
        for (int o = 0; o < outer; o++) {
            long base = (long) o * red;
            FloatVector acc = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            int r = 0;
            for (; r < bound; r += lanes) {
                acc = acc.max(FloatVector.fromMemorySegment(F, in, (base + r) * 4, ORDER));
            }
            float m = acc.reduceLanes(VectorOperators.MAX);
            for (; r < red; r++) {
                m = Math.max(m, in.getAtIndex(ValueLayout.JAVA_FLOAT, base + r));
            }
            out.setAtIndex(ValueLayout.JAVA_FLOAT, o, m);
        }
    }

    private static void maxColumns(MemorySegment out, MemorySegment in, int outer, int red, int inner) {
        int lanes = F.length();
        int bound = F.loopBound(inner);
        for (int o = 0; o < outer; o++) {
            long dst = (long) o * inner;
            long src = (long) o * red * inner;
            int i = 0;
            for (; i < bound; i += lanes) {
                FloatVector acc = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
                for (int r = 0; r < red; r++) {
                    acc = acc.max(FloatVector.fromMemorySegment(F, in, (src + (long) r * inner + i) * 4, ORDER));
                }
                acc.intoMemorySegment(out, (dst + i) * 4, ORDER);
            }
            for (; i < inner; i++) {
                float m = Float.NEGATIVE_INFINITY;
                for (int r = 0; r < red; r++) {
                    m = Math.max(m, in.getAtIndex(ValueLayout.JAVA_FLOAT, src + (long) r * inner + i));
                }
                out.setAtIndex(ValueLayout.JAVA_FLOAT, dst + i, m);
            }
        }
    }
}
