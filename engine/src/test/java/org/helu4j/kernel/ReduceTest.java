package org.helu4j.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.helu4j.kernel.ref.ReduceRef;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The Reduce kernels against their scalar twin, at sizes around the vector length (run at every width). */
class ReduceTest {
    private static final int T = Vectors.LANES;

    static Stream<Arguments> sizes() {
        int[] around = {0, 1, T - 1, T, T + 1, 3 * T + 1};
        Stream.Builder<Arguments> b = Stream.builder();
        for (int outer : new int[] {1, 3}) {
            for (int red : around) {
                for (int inner : new int[] {1, 2, T - 1, T, T + 1, 3 * T + 1}) {
                    if (inner > 0) {
                        b.add(Arguments.of(outer, red, inner));
                    }
                }
            }
        }
        b.add(Arguments.of(2, 49, 1)); // global pooling over 7x7
        b.add(Arguments.of(1, 64, 49)); // mean over channels of 64x7x7
        return b.build();
    }

    private static MemorySegment random(Arena arena, long n, long seed, boolean special) {
        MemorySegment s = arena.allocate(Math.max(n, 1) * 4, 64);
        Random rnd = new Random(seed);
        float[] specials = {0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN};
        for (long i = 0; i < n; i++) {
            float v = (float) rnd.nextGaussian() * 10;
            if (special && rnd.nextInt(8) == 0) {
                v = specials[rnd.nextInt(specials.length)];
            }
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, v);
        }
        return s;
    }

    interface Kernel {
        void apply(MemorySegment out, MemorySegment in, int outer, int red, int inner);
    }

    private static void check(Kernel kernel, Kernel ref, int outer, int red, int inner, boolean special, String what) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = random(arena, (long) outer * red * inner, outer * 1000L + red * 31L + inner, special);
            int n = outer * inner;
            MemorySegment got = arena.allocate(Math.max(n, 1) * 4L, 64);
            MemorySegment want = arena.allocate(Math.max(n, 1) * 4L, 64);
            kernel.apply(got, in, outer, red, inner);
            ref.apply(want, in, outer, red, inner);
            IntStream.range(0, n).forEach(i -> {
                float g = got.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                float w = want.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                String at = what + " [" + outer + ", " + red + ", " + inner + "] at " + i;
                if (Float.isNaN(w) || Float.isInfinite(w)) {
                    assertEquals(w, g, at);
                } else {
                    assertEquals(w, g, 1e-5f * (1 + Math.abs(w)) * Math.max(1, red) / 4f, at);
                }
            });
        }
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void sumMeanMaxMatchTheTwin(int outer, int red, int inner) {
        check(Reduce::sum, ReduceRef::sum, outer, red, inner, false, "sum");
        check(Reduce::mean, ReduceRef::mean, outer, red, inner, false, "mean");
        check(Reduce::max, ReduceRef::max, outer, red, inner, false, "max");
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void specialValuesPropagate(int outer, int red, int inner) {
        check(Reduce::max, ReduceRef::max, outer, red, inner, true, "max");
        check(Reduce::sum, ReduceRef::sum, outer, red, inner, true, "sum");
    }
}
