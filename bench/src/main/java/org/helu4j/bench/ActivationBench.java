package org.helu4j.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.helu4j.kernel.Activation;
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
 * Standalone activations, out-of-place ({@code out = f(x)}), single thread: ReLU (the HeLU forward pass is the
 * same kernel, {@code max(x, 0)}), GELU (erf), GELU (tanh approximation), and a plain {@link MemorySegment#copy}
 * as the bandwidth reference. {@link BenchReport} reports GB/s as 8 bytes (one float read, one written) per
 * element. Sizes: 64 Ki floats (in and out fit in L2), 1 Mi (L3-sized), 16 Mi (DRAM).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class ActivationBench {
    @Param({"65536", "1048576", "16777216"})
    public int n;

    private Arena arena;
    private MemorySegment x, out;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        x = GemmBench.random(arena, n, new SplittableRandom(3));
        out = arena.allocate((long) n * Float.BYTES, 64);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public MemorySegment copy() {
        MemorySegment.copy(x, 0, out, 0, (long) n * Float.BYTES);
        return out;
    }

    @Benchmark
    public MemorySegment relu() {
        Activation.relu(out, 0, x, 0, n);
        return out;
    }

    @Benchmark
    public MemorySegment gelu() {
        Activation.gelu(out, 0, x, 0, n);
        return out;
    }

    @Benchmark
    public MemorySegment geluTanh() {
        Activation.geluTanh(out, 0, x, 0, n);
        return out;
    }
}
