package org.helu4j.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.stream.Stream;
import org.helu4j.kernel.ref.LayerNormRef;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** LayerNorm against its scalar twin at sizes around the vector length (run at every width). */
class LayerNormTest {
    private static final int T = Vectors.LANES;

    static Stream<Arguments> sizes() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (int rows : new int[] {1, 3}) {
            for (int n : new int[] {1, 2, T - 1, T, T + 1, 3 * T + 1, 768}) {
                if (n > 0) {
                    b.add(Arguments.of(rows, n, true));
                    b.add(Arguments.of(rows, n, false));
                }
            }
        }
        return b.build();
    }

    private static MemorySegment random(Arena arena, long n, Random rnd, float offset) {
        MemorySegment s = arena.allocate(Math.max(n, 1) * 4, 64);
        for (long i = 0; i < n; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, offset + (float) rnd.nextGaussian() * 3);
        }
        return s;
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void matchesTheTwin(int rows, int n, boolean withBias) {
        Random rnd = new Random(rows * 1000L + n);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = random(arena, (long) rows * n, rnd, 50); // a large mean: the two-pass variance matters
            MemorySegment scale = random(arena, n, rnd, 1);
            MemorySegment bias = withBias ? random(arena, n, rnd, 0) : null;
            MemorySegment y = arena.allocate((long) rows * n * 4, 64);
            MemorySegment want = arena.allocate((long) rows * n * 4, 64);
            MemorySegment mean = arena.allocate(rows * 4L, 64);
            MemorySegment inv = arena.allocate(rows * 4L, 64);
            MemorySegment wantMean = arena.allocate(rows * 4L, 64);
            MemorySegment wantInv = arena.allocate(rows * 4L, 64);
            LayerNorm.normalize(y, mean, inv, x, scale, bias, rows, n, 1e-5f);
            LayerNormRef.normalize(want, wantMean, wantInv, x, scale, bias, rows, n, 1e-5f);
            for (long i = 0; i < (long) rows * n; i++) {
                float w = want.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                assertEquals(w, y.getAtIndex(ValueLayout.JAVA_FLOAT, i), 1e-4f * (1 + Math.abs(w)), "y at " + i);
            }
            for (long r = 0; r < rows; r++) {
                float m = wantMean.getAtIndex(ValueLayout.JAVA_FLOAT, r);
                assertEquals(m, mean.getAtIndex(ValueLayout.JAVA_FLOAT, r), 1e-5f * (1 + Math.abs(m)), "mean");
                float v = wantInv.getAtIndex(ValueLayout.JAVA_FLOAT, r);
                assertEquals(v, inv.getAtIndex(ValueLayout.JAVA_FLOAT, r), 1e-4f * v, "invStd");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void channelsMatchTheTwin(int images, int n, boolean unused) {
        int channels = 3;
        int rows = images * channels;
        Random rnd = new Random(images * 7000L + n);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = random(arena, (long) rows * n, rnd, -20);
            MemorySegment scale = random(arena, channels, rnd, 1);
            MemorySegment bias = random(arena, channels, rnd, 0);
            MemorySegment y = arena.allocate((long) rows * n * 4, 64);
            MemorySegment want = arena.allocate((long) rows * n * 4, 64);
            LayerNorm.normalizeChannels(y, x, scale, bias, rows, channels, n, 1e-5f);
            LayerNormRef.normalizeChannels(want, x, scale, bias, rows, channels, n, 1e-5f);
            for (long i = 0; i < (long) rows * n; i++) {
                float w = want.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                assertEquals(w, y.getAtIndex(ValueLayout.JAVA_FLOAT, i), 1e-4f * (1 + Math.abs(w)), "y at " + i);
            }
        }
    }
}
