package org.helu4j.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.helu4j.kernel.Gemm;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Single-thread SGEMM, {@code C[M×N] = A[M×K] · B[K×N]}, on square sizes and on layer shapes from real networks
 * ({@link Shapes}). Score: average time per GEMM; {@link BenchReport} turns it into GFLOP/s (2·M·N·K per op) and
 * a fraction of the {@link PeakFlops} peak.
 *
 * <p>{@code layout=plain}: B row-major, as a conv's im2col columns reach the GEMM. {@code layout=packed}: B packed
 * into panels once in setup, as constant weights are at model load ({@link Gemm#gemmPacked}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class GemmBench {
    @Param({
        "square:128x128x128", "square:256x256x256", "square:512x512x512", "square:1024x1024x1024",
        // fashion-mlp (784-256x7-10): fully connected layers at batch 32 and 1
        "mlp-fc1-b32:32x256x784", "mlp-fc-b32:32x256x256", "mlp-fc1-b1:1x256x784",
        // fashion-cnn (width 8) convs as GEMM, batch 1
        "cnn-conv2:8x784x72", "cnn-conv4:16x196x144", "cnn-conv6:32x49x288",
        // ResNet-18 (224x224) convs as GEMM, batch 1, and the classifier at batch 32
        "r18-conv1:64x12544x147", "r18-l1:64x3136x576", "r18-l2:128x784x1152", "r18-l3:256x196x2304",
        "r18-l4:512x49x4608", "r18-fc-b32:32x1000x512",
        // MobileNetV2 (224x224) pointwise convs as GEMM, batch 1, and the classifier at batch 32
        "mv2-pw-112:16x12544x32", "mv2-expand-56:144x3136x24", "mv2-project-56:24x3136x144",
        "mv2-project-14:64x196x384", "mv2-project-7:160x49x960", "mv2-last-7:1280x49x320", "mv2-fc-b32:32x1000x1280",
        // WRN-16-4 (32x32) convs as GEMM, batch 1
        "wrn-g1:64x1024x576", "wrn-g2:128x256x1152", "wrn-g3:256x64x2304",
    })
    public String shape;

    @Param({"plain", "packed"})
    public String layout;

    private Arena arena;
    private MemorySegment a, b, packed, c;
    private int m, n, k;
    private boolean isPacked;

    @Setup(Level.Trial)
    public void setup() {
        Shapes.GemmShape s = Shapes.GemmShape.parse(shape);
        m = s.m();
        n = s.n();
        k = s.k();
        isPacked = layout.equals("packed");
        arena = Arena.ofShared();
        SplittableRandom rnd = new SplittableRandom(42);
        a = random(arena, (long) m * k, rnd);
        b = random(arena, (long) k * n, rnd);
        c = arena.allocate((long) m * n * Float.BYTES, 64);
        packed = arena.allocate(Gemm.packedSize(n, k) * Float.BYTES, 64);
        Gemm.packB(packed, 0, b, 0, n, false, n, k);
    }

    static MemorySegment random(Arena arena, long count, SplittableRandom rnd) {
        MemorySegment seg = arena.allocate(Math.max(count, 1) * Float.BYTES, 64);
        for (long i = 0; i < count; i++) {
            seg.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (rnd.nextDouble() * 2 - 1));
        }
        return seg;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public MemorySegment gemm() {
        if (isPacked) {
            Gemm.gemmPacked(c, 0, n, a, 0, k, false, packed, 0, m, n, k, Gemm.Epilogue.NONE);
        } else {
            Gemm.gemm(c, 0, n, a, 0, k, false, b, 0, n, false, m, n, k, Gemm.Epilogue.NONE);
        }
        return c;
    }
}
