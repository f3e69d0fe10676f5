package org.helu4j.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.helu4j.kernel.Conv;
import org.helu4j.kernel.ConvGeometry;
import org.helu4j.kernel.Gemm;
import org.helu4j.kernel.Parallel;
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
 * One conv layer, single thread, batch 1, through {@link Conv#conv} with the weights prepared as a model's
 * are (packed, and transformed for Winograd where that path is taken), so each layer runs the engine's path: every conv layer of the shipped fashion-cnn and fashion-wrn, and representative layers of
 * ResNet-18 and MobileNetV2 ({@link Shapes}). {@code relu=true} fuses the activation into the epilogue: the
 * difference to {@code relu=false} is the fused ReLU/HeLU's cost. Score: average time per layer; {@link BenchReport}
 * reports GFLOP/s and the fraction of peak.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class ConvBench {
    @Param({
        // fashion-cnn (width 8): every conv layer
        "cnn-conv1:1x28x28-8k3s1p1g1", "cnn-conv2:8x28x28-8k3s1p1g1", "cnn-conv3:8x14x14-16k3s1p1g1",
        "cnn-conv4:16x14x14-16k3s1p1g1", "cnn-conv5:16x7x7-32k3s1p1g1", "cnn-conv6:32x7x7-32k3s1p1g1",
        // fashion-wrn (WRN-10-1, base 8): every conv layer (wrn-b1 occurs twice)
        "wrn-stem:1x28x28-8k3s1p1g1", "wrn-b1:8x28x28-8k3s1p1g1", "wrn-b2a:8x28x28-16k3s2p1g1",
        "wrn-b2b:16x14x14-16k3s1p1g1", "wrn-b2sc:8x28x28-16k1s2p0g1", "wrn-b3a:16x14x14-32k3s2p1g1",
        "wrn-b3b:32x7x7-32k3s1p1g1", "wrn-b3sc:16x14x14-32k1s2p0g1",
        // ResNet-18 (224x224): the stem and one 3x3 conv per stage
        "r18-conv1:3x224x224-64k7s2p3g1", "r18-l1:64x56x56-64k3s1p1g1", "r18-l2:128x28x28-128k3s1p1g1",
        "r18-l3:256x14x14-256k3s1p1g1", "r18-l4:512x7x7-512k3s1p1g1", "r18-l4s2:256x14x14-512k3s2p1g1",
        "r18-l4sc:256x14x14-512k1s2p0g1",
        // MobileNetV2 (224x224): depthwise 3x3 at stride 1 and 2, a pointwise expansion
        "mv2-dw-112:32x112x112-32k3s1p1g32", "mv2-dw-112s2:96x112x112-96k3s2p1g96",
        "mv2-dw-14:384x14x14-384k3s1p1g384", "mv2-pw-56:24x56x56-144k1s1p0g1", "mv2-pw-14:64x14x14-384k1s1p0g1",
        "mv2-pw-14b:384x14x14-96k1s1p0g1", "mv2-pw-7:160x7x7-960k1s1p0g1", "mv2-pw-7b:960x7x7-160k1s1p0g1",
        "mv2-pw-7c:320x7x7-1280k1s1p0g1",
        // WRN-16-4 (32x32): one 3x3 conv per group
        "wrn164-g1:64x32x32-64k3s1p1g1", "wrn164-g2:128x16x16-128k3s1p1g1", "wrn164-g3:256x8x8-256k3s1p1g1",
    })
    public String shape;

    @Param({"false", "true"})
    public boolean relu;

    /** Intra-op threads (the calling thread and workers), as a session's. */
    @Param({"1"})
    public int threads;

    private Arena arena;
    /**
     * {@code auto}: the weights also in the layout of the kernel the engine picks, as in a model; {@code strips}:
     * only the packed strips, so the grid (or im2col) path runs: the baseline that pick is measured against.
     */
    @Param({"auto"})
    public String weights;

    private MemorySegment in, w, bias, out, packed, transformed;
    private Gemm.Epilogue epilogue;
    private ConvGeometry g;

    @Setup(Level.Trial)
    public void setup() {
        Parallel.setParallelism(threads);
        Shapes.ConvShape s = Shapes.ConvShape.parse(shape);
        g = s.geometry(1);
        arena = Arena.ofShared();
        SplittableRandom rnd = new SplittableRandom(7);
        in = GemmBench.random(arena, (long) s.c() * s.h() * s.w(), rnd);
        w = GemmBench.random(arena, (long) s.m() * (s.c() / s.g()) * s.k() * s.k(), rnd);
        bias = GemmBench.random(arena, s.m(), rnd);
        out = arena.allocate((long) s.m() * s.outH() * s.outW() * Float.BYTES, 64);
        // Weights packed once, as ConvOp does at model load.
        packed = arena.allocate(Math.max(1, Conv.packedWeightFloats(g)) * Float.BYTES, 64);
        Conv.packWeights(packed, w, g);
        epilogue = Gemm.Epilogue.rowBias(bias, 0, relu);
        // And in the layout of the kernel the engine picks (Winograd, channel lanes), as ConvOp does at the first run.
        Conv.Transform tf = Conv.Transform.of(g, epilogue);
        if (tf != Conv.Transform.NONE && !weights.equals("strips")) {
            transformed = arena.allocate(Math.max(1, tf.floats(g)) * Float.BYTES, 64);
            tf.pack(transformed, w, g);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Parallel.setParallelism(1);
        arena.close();
    }

    @Benchmark
    public MemorySegment conv() {
        Conv.conv(out, in, w, packed, transformed, g, epilogue);
        return out;
    }
}
