package org.helu4j;

import static org.helu4j.onnx.OnnxFiles.floatTensor;
import static org.helu4j.onnx.OnnxFiles.floatValue;
import static org.helu4j.onnx.OnnxFiles.model;
import static org.helu4j.onnx.OnnxFiles.node;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;
import org.helu4j.kernel.Vectors;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;
import org.junit.jupiter.api.Test;

/**
 * Once compiled, {@code Session.runInto} allocates nothing on the heap through the kernels that used to: a
 * convolution with a fused ReLU (its accumulators were boxed), BatchNormalization with a symbolic batch (it
 * folded its parameters every run), Softmax over the channel axis, and a classifier Gemm with bias and ReLU
 * whose 10 outputs fill only part of a panel (the epilogue and the edge tiles). Batches 1 and 5 take the one-row
 * and four-row tiles. Compilation is asynchronous, so rounds run until one allocates nothing, within a deadline.
 */
class SessionAllocationTest {
    private static float[] random(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextFloat() - 0.5f;
        }
        return v;
    }

    private static NodeProto withInts(NodeProto n, String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name);
        if (values.length == 1 && !name.equals("pads")) {
            a.setType(AttributeProto.AttributeType.INT).setI(values[0]);
        } else {
            a.setType(AttributeProto.AttributeType.INTS);
            for (long v : values) {
                a.addInts(v);
            }
        }
        return n.toBuilder().addAttribute(a).build();
    }

    private static Model classifier() throws Exception {
        Random rnd = new Random(3);
        GraphProto g = GraphProto.newBuilder()
                .addInput(floatValue("x", -1, 2, 6, 6))
                .addInitializer(floatTensor("w1", random(rnd, 4 * 2 * 9), 4, 2, 3, 3))
                .addInitializer(floatTensor("b1", random(rnd, 4), 4))
                .addInitializer(floatTensor("scale", random(rnd, 4), 4))
                .addInitializer(floatTensor("shift", random(rnd, 4), 4))
                .addInitializer(floatTensor("mean", random(rnd, 4), 4))
                .addInitializer(floatTensor("var", new float[] {1, 2, 0.5f, 1.5f}, 4))
                .addInitializer(floatTensor("w2", random(rnd, 10 * 144), 10, 144))
                .addInitializer(floatTensor("b2", random(rnd, 10), 10))
                .addNode(withInts(node("Conv", "conv", new String[] {"x", "w1", "b1"}, "c"), "pads", 1, 1, 1, 1))
                .addNode(node("Relu", "relu1", new String[] {"c"}, "r"))
                .addNode(node("BatchNormalization", "bn", new String[] {"r", "scale", "shift", "mean", "var"}, "n"))
                .addNode(withInts(node("Softmax", "softmax", new String[] {"n"}, "s"), "axis", 1))
                .addNode(node("Flatten", "flatten", new String[] {"s"}, "f"))
                .addNode(withInts(node("Gemm", "fc", new String[] {"f", "w2", "b2"}, "g"), "transB", 1))
                .addNode(node("Relu", "relu2", new String[] {"g"}, "y"))
                .addOutput(floatValue("y", -1, 10))
                .build();
        return Model.load(model(g).toByteArray());
    }

    @Test
    void steadyStateRunsAllocateNothing() throws Exception {
        // exp is allocation-free only where the JDK has vector math stubs for it (SVML on x86-64).
        assumeTrue(System.getProperty("os.arch").equals("amd64") && Vectors.BITS >= 256);
        try (Model m = classifier()) {
            // One batch size at a time: ops keep the plan of their last shape, and they are shared by sessions.
            for (int batch : new int[] {1, 5}) {
                assertRunsAllocateNothing(m, 1, 1000, new long[] {batch, 2, 6, 6}, batch, 10);
            }
            // Two threads at batch 4: sub-batches of 2 on executors of their own (BatchSplit), sharing the ops.
            assertRunsAllocateNothing(m, 2, 1000, new long[] {4, 2, 6, 6}, 4, 10);
        }
    }

    /**
     * Two Winograd convs of different shapes in turn: the per-thread geometry cache held only the last one, so each
     * call made new tile and GEMM geometries (5.6 KB per ResNet-18 run).
     */
    private static Model twoWinogradShapes() throws Exception {
        Random rnd = new Random(5);
        GraphProto g = GraphProto.newBuilder()
                .addInput(floatValue("x", 1, 32, 32, 32))
                .addInitializer(floatTensor("w1", random(rnd, 32 * 32 * 9), 32, 32, 3, 3))
                .addInitializer(floatTensor("w2", random(rnd, 32 * 32 * 9), 32, 32, 3, 3))
                .addNode(withInts(node("Conv", "same", new String[] {"x", "w1"}, "c"), "pads", 1, 1, 1, 1))
                .addNode(node("Relu", "relu", new String[] {"c"}, "r"))
                .addNode(node("Conv", "valid", new String[] {"r", "w2"}, "y"))
                .addOutput(floatValue("y", 1, 32, 30, 30))
                .build();
        return Model.load(model(g).toByteArray());
    }

    @Test
    void winogradConvsOfTwoShapesAllocateNothing() throws Exception {
        assumeTrue(System.getProperty("os.arch").equals("amd64") && Vectors.BITS >= 256);
        try (Model m = twoWinogradShapes()) {
            assertRunsAllocateNothing(m, 1, 50, new long[] {1, 32, 32, 32}, 1, 32, 30, 30);
        }
    }

    /**
     * MobileNetV2-like depthwise layers: a stride-2 3×3 from 32×32 (the halving path) into a same-size 3×3 on 16×16
     * (the flat path). C1 once gave up on the flat path's method, which then stayed at tier 2 and ran the
     * Vector API's allocating fallbacks (463 MB a run on two threads).
     */
    private static Model depthwise() throws Exception {
        Random rnd = new Random(9);
        int c = 24;
        GraphProto g = GraphProto.newBuilder()
                .addInput(floatValue("x", 1, c, 32, 32))
                .addInitializer(floatTensor("w1", random(rnd, c * 9), c, 1, 3, 3))
                .addInitializer(floatTensor("w2", random(rnd, c * 9), c, 1, 3, 3))
                .addNode(withInts(withInts(withInts(node("Conv", "halving", new String[] {"x", "w1"}, "h"), "pads",
                        1, 1, 1, 1), "strides", 2, 2), "group", c))
                .addNode(withInts(withInts(node("Conv", "flat", new String[] {"h", "w2"}, "y"), "pads", 1, 1, 1, 1),
                        "group", c))
                .addOutput(floatValue("y", 1, c, 16, 16))
                .build();
        return Model.load(model(g).toByteArray());
    }

    @Test
    void depthwiseConvsAllocateNothing() throws Exception {
        assumeTrue(System.getProperty("os.arch").equals("amd64") && Vectors.BITS >= 256);
        try (Model m = depthwise()) {
            for (int threads : new int[] {1, 2}) {
                assertRunsAllocateNothing(m, threads, 200, new long[] {1, 24, 32, 32}, 1, 24, 16, 16);
            }
        }
    }

    private static void assertRunsAllocateNothing(Model m, int sessionThreads, int runs, long[] inDims, long... outDims) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Session s = m.newSession(sessionThreads); Arena arena = Arena.ofConfined()) {
            int n = (int) Arrays.stream(inDims).reduce(1, (a, b) -> a * b);
            Tensor[] in = {Tensor.of(random(new Random(7), n), inDims)};
            Tensor[] out = {Tensor.allocate(arena, DType.FLOAT32, Shape.of(outDims))};
            long deadline = System.nanoTime() + 60_000_000_000L;
            long bytes = -1;
            while (System.nanoTime() < deadline) {
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < runs; i++) {
                    s.runInto(in, out);
                }
                bytes = threads.getCurrentThreadAllocatedBytes() - before;
                if (bytes == 0) {
                    return;
                }
            }
            fail(runs + " runs of input " + Arrays.toString(inDims) + " still allocated " + bytes
                    + " bytes after a minute of warm-up");
        }
    }
}
