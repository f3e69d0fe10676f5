package org.helu4j.graph;

import static org.helu4j.onnx.OnnxFiles.floatTensor;
import static org.helu4j.onnx.OnnxFiles.floatValue;
import static org.helu4j.onnx.OnnxFiles.model;
import static org.helu4j.onnx.OnnxFiles.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.helu4j.LoadOptions;
import org.helu4j.Model;
import org.helu4j.Session;
import org.helu4j.Tensor;
import org.helu4j.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every pass preserves what the graph computes: optimized and unoptimized runs agree, and the nodes are gone. */
class PassesTest {
    @TempDir
    Path dir;

    private static float[] random(Random r, int n, float lo, float hi) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = lo + (hi - lo) * r.nextFloat();
        }
        return v;
    }

    private static Model load(Path file, boolean optimize) throws Exception {
        return Model.load(file, LoadOptions.DEFAULT.withOptimize(optimize));
    }

    private static float[] run(Model m, Tensor input) {
        try (Session s = m.newSession()) {
            return s.run(input).get(0).toFloatArray();
        }
    }

    private static void assertSame(float[] expected, float[] actual, double tolerance) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Math.abs(expected[i] - actual[i]) <= tolerance * Math.max(1, Math.abs(expected[i])),
                    "element " + i + ": " + actual[i] + " vs " + expected[i]);
        }
    }

    private static long count(Model m, String opType) {
        return m.graph().nodes().stream().filter(n -> n.opType().equals(opType)).count();
    }

    @Test
    void convBatchNormReluChainFoldsAndAgrees() throws Exception {
        Random r = new Random(7);
        int c = 3;
        int m = 5;
        NodeProto conv = node("Conv", "conv", new String[] {"x", "w", "b"}, "y").toBuilder()
                .addAttribute(AttributeProto.newBuilder().setName("pads").setType(AttributeProto.AttributeType.INTS)
                        .addInts(1).addInts(1).addInts(1).addInts(1)).build();
        GraphProto g = GraphProto.newBuilder().addInput(floatValue("x", -1, c, 6, 6))
                .addInitializer(floatTensor("w", random(r, m * c * 9, -1, 1), m, c, 3, 3))
                .addInitializer(floatTensor("b", random(r, m, -1, 1), m))
                .addInitializer(floatTensor("scale", random(r, m, 0.5f, 1.5f), m))
                .addInitializer(floatTensor("beta", random(r, m, -0.5f, 0.5f), m))
                .addInitializer(floatTensor("mean", random(r, m, -0.5f, 0.5f), m))
                .addInitializer(floatTensor("var", random(r, m, 0.5f, 2f), m))
                .addNode(conv)
                .addNode(node("BatchNormalization", "bn", new String[] {"y", "scale", "beta", "mean", "var"}, "z"))
                .addNode(node("Identity", "id", new String[] {"z"}, "z2"))
                .addNode(node("Relu", "relu", new String[] {"z2"}, "out"))
                .addNode(node("Relu", "unused", new String[] {"x"}, "dead"))
                .addOutput(floatValue("out", -1, m, 6, 6)).build();
        Path file = dir.resolve("m.onnx");
        Files.write(file, model(g).toByteArray());
        Tensor input = Tensor.of(random(r, 2 * c * 36, -2, 2), 2, c, 6, 6);
        try (Model plain = load(file, false); Model optimized = load(file, true)) {
            assertSame(run(plain, input), run(optimized, input), 1e-5);
            assertEquals(1, count(plain, "BatchNormalization"));
            assertEquals(0, count(optimized, "BatchNormalization"));
            assertEquals(0, count(optimized, "Identity"));
            assertFalse(optimized.graph().nodes().stream().anyMatch(n -> n.name().equals("unused")));
        }
    }

    private static NodeProto withInts(NodeProto n, String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return n.toBuilder().addAttribute(a).build();
    }

    /** conv -> relu -> maxpool, with the pool's pads and whether the relu's output is also a graph output. */
    private Path convReluPool(Random r, long poolPad, boolean observed) throws Exception {
        int c = 3, m = 6;
        NodeProto conv = withInts(node("Conv", "conv", new String[] {"x", "w", "b"}, "y"), "pads", 1, 1, 1, 1);
        NodeProto pool = withInts(withInts(withInts(node("MaxPool", "pool", new String[] {"a"}, "out"),
                "kernel_shape", 2, 2), "strides", 2, 2), "pads", poolPad, poolPad, poolPad, poolPad);
        GraphProto.Builder g = GraphProto.newBuilder().addInput(floatValue("x", -1, c, 9, 10))
                .addInitializer(floatTensor("w", random(r, m * c * 9, -1, 1), m, c, 3, 3))
                .addInitializer(floatTensor("b", random(r, m, -1, 1), m))
                .addNode(conv)
                .addNode(node("Relu", "relu", new String[] {"y"}, "a"))
                .addNode(pool)
                .addOutput(floatValue("out", -1, m, 4 + (int) poolPad, 5 + (int) poolPad));
        if (observed) {
            g.addOutput(floatValue("a", -1, m, 9, 10));
        }
        Path file = dir.resolve("pool" + poolPad + observed + ".onnx");
        Files.write(file, model(g.build()).toByteArray());
        return file;
    }

    @Test
    void maxPoolAfterConvFoldsIntoItAndAgrees() throws Exception {
        Random r = new Random(11);
        Tensor input = Tensor.of(random(r, 2 * 3 * 90, -2, 2), 2, 3, 9, 10);
        Path file = convReluPool(r, 0, false);
        try (Model plain = load(file, false); Model optimized = load(file, true)) {
            assertEquals(0, count(optimized, "MaxPool"));
            assertEquals("Conv+Relu+MaxPool", optimized.plan().ops().get(0).describe());
            assertSame(run(plain, input), run(optimized, input), 0);
        }
        // A padded pool, and a pool whose input is observed as an output, stay pools of their own.
        for (Path kept : new Path[] {convReluPool(r, 1, false), convReluPool(r, 0, true)}) {
            try (Model plain = load(kept, false); Model optimized = load(kept, true)) {
                assertEquals(1, count(optimized, "MaxPool"));
                assertSame(run(plain, input), run(optimized, input), 0);
            }
        }
    }

    @Test
    void aTwoDimensionalPoolAfterAOneDimensionalConvIsRefusedFused() throws Exception {
        Random r = new Random(5);
        NodeProto pool = withInts(withInts(node("MaxPool", "pool", new String[] {"a"}, "out"), "kernel_shape", 1, 2),
                "strides", 1, 2);
        GraphProto g = GraphProto.newBuilder().addInput(floatValue("x", 1, 2, 8))
                .addInitializer(floatTensor("w", random(r, 3 * 2 * 3, -1, 1), 3, 2, 3))
                .addNode(node("Conv", "conv", new String[] {"x", "w"}, "y"))
                .addNode(node("Relu", "relu", new String[] {"y"}, "a"))
                .addNode(pool)
                .addOutput(floatValue("out", 1, 3, 1, 3)).build();
        Path file = dir.resolve("pool1d.onnx");
        Files.write(file, model(g).toByteArray());
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> {
            try (Model m = load(file, true)) {
                run(m, Tensor.of(random(r, 16, -1, 1), 1, 2, 8));
            }
        });
        assertTrue(e.getMessage().contains("max pool"), e.getMessage());
    }

    @Test
    void goldenCnnAgreesWithAndWithoutPasses() throws Exception {
        Path golden = Path.of("src/test/resources/golden");
        Tensor input = Npy.read(golden.resolve("golden-cnn-input.npy"));
        try (Model plain = load(golden.resolve("golden-cnn.onnx"), false);
                Model optimized = load(golden.resolve("golden-cnn.onnx"), true)) {
            assertSame(run(plain, input), run(optimized, input), 1e-5);
        }
    }

    @Test
    void pytorchErfGeluBecomesOneGeluNode() throws Exception {
        Path golden = Path.of("src/test/resources/golden");
        Tensor input = Npy.read(golden.resolve("golden-cnn-input.npy"));
        try (Model plain = load(golden.resolve("golden-cnn.onnx"), false);
                Model optimized = load(golden.resolve("golden-cnn.onnx"), true)) {
            assertEquals(1, count(plain, "Erf"));
            assertEquals(0, count(optimized, "Erf"));
            // One GELU: a Gelu node, or (here, after a Conv) a GELU in the Conv's epilogue.
            long fused = optimized.graph().nodes().stream()
                    .filter(n -> "Gelu".equals(n.attributes().getString(org.helu4j.op.Op.FUSED_ACTIVATION, null))).count();
            assertEquals(1, count(optimized, "Gelu") + fused);
            assertSame(run(plain, input), run(optimized, input), 1e-5);
        }
    }

    @Test
    void identityFeedingAGraphOutputKeepsTheName() throws Exception {
        GraphProto g = GraphProto.newBuilder().addInput(floatValue("x", 2))
                .addNode(node("Relu", "r", new String[] {"x"}, "y"))
                .addNode(node("Identity", "id", new String[] {"y"}, "out"))
                .addOutput(floatValue("out", 2)).build();
        Path file = dir.resolve("id.onnx");
        Files.write(file, model(g).toByteArray());
        try (Model m = load(file, true); Session s = m.newSession()) {
            assertEquals(List.of("out"), m.outputs().stream().map(ValueInfo::name).toList());
            assertSame(new float[] {0, 3}, s.run(Tensor.of(new float[] {-1, 3}, 2)).get(0).toFloatArray(), 0);
        }
    }

    private static NodeProto padded(NodeProto n) {
        return n.toBuilder().addAttribute(AttributeProto.newBuilder().setName("pads")
                .setType(AttributeProto.AttributeType.INTS).addInts(1).addInts(1).addInts(1).addInts(1)).build();
    }

    /** ResNet's {@code relu(conv(x) + r)}: the Add and the Relu both go into the Conv's epilogue, either operand order. */
    @Test
    void residualAddThenReluFuseIntoTheConv() throws Exception {
        Random r = new Random(11);
        int c = 4;
        for (boolean convFirst : new boolean[] {true, false}) {
            GraphProto g = GraphProto.newBuilder().addInput(floatValue("x", -1, c, 5, 5))
                    .addInitializer(floatTensor("w", random(r, c * c * 9, -1, 1), c, c, 3, 3))
                    .addInitializer(floatTensor("b", random(r, c, -1, 1), c))
                    .addNode(node("Relu", "pre", new String[] {"x"}, "xr"))
                    .addNode(padded(node("Conv", "conv", new String[] {"xr", "w", "b"}, "y")))
                    .addNode(node("Add", "add", convFirst ? new String[] {"y", "x"} : new String[] {"x", "y"}, "s"))
                    .addNode(node("Relu", "relu", new String[] {"s"}, "out"))
                    .addOutput(floatValue("out", -1, c, 5, 5)).build();
            Path file = dir.resolve("res.onnx");
            Files.write(file, model(g).toByteArray());
            Tensor input = Tensor.of(random(r, 2 * c * 25, -2, 2), 2, c, 5, 5);
            try (Model plain = load(file, false); Model optimized = load(file, true)) {
                assertSame(run(plain, input), run(optimized, input), 1e-5);
                assertEquals(0, count(optimized, "Add"));
                assertEquals(1, count(optimized, "Relu"));   // the pre-activation; the last one is fused
            }
        }
    }

    /** A residual that only broadcasts to the conv's output ([1, M, 1, 1]) still fuses, and still agrees. */
    @Test
    void broadcastResidualAgrees() throws Exception {
        Random r = new Random(12);
        int c = 3;
        GraphProto g = GraphProto.newBuilder().addInput(floatValue("x", 1, c, 4, 4)).addInput(floatValue("r", 1, c, 1, 1))
                .addInitializer(floatTensor("w", random(r, c * c * 9, -1, 1), c, c, 3, 3))
                .addNode(padded(node("Conv", "conv", new String[] {"x", "w"}, "y")))
                .addNode(node("Add", "add", new String[] {"r", "y"}, "s"))
                .addNode(node("Sigmoid", "act", new String[] {"s"}, "out"))
                .addOutput(floatValue("out", 1, c, 4, 4)).build();
        Path file = dir.resolve("bres.onnx");
        Files.write(file, model(g).toByteArray());
        Tensor x = Tensor.of(random(r, c * 16, -2, 2), 1, c, 4, 4);
        Tensor res = Tensor.of(random(r, c, -2, 2), 1, c, 1, 1);
        try (Model plain = load(file, false); Model optimized = load(file, true);
                Session a = plain.newSession(); Session b = optimized.newSession()) {
            assertSame(a.run(x, res).get(0).toFloatArray(), b.run(x, res).get(0).toFloatArray(), 1e-5);
            assertEquals(0, count(optimized, "Add"));
            assertEquals(0, count(optimized, "Sigmoid"));
        }
    }

    /** LeakyRelu and Sigmoid after a Conv or a Gemm run in the epilogue and agree with the separate nodes. */
    @Test
    void otherActivationsFuseAndAgree() throws Exception {
        Random r = new Random(13);
        int c = 3;
        for (String act : new String[] {"LeakyRelu", "Sigmoid"}) {
            NodeProto activation = node(act, "act", new String[] {"y"}, "z");
            if (act.equals("LeakyRelu")) {
                activation = activation.toBuilder().addAttribute(AttributeProto.newBuilder().setName("alpha")
                        .setType(AttributeProto.AttributeType.FLOAT).setF(0.2f)).build();
            }
            GraphProto g = GraphProto.newBuilder().addInput(floatValue("x", 2, c, 4, 4))
                    .addInitializer(floatTensor("w", random(r, c * c * 9, -1, 1), c, c, 3, 3))
                    .addInitializer(floatTensor("fc", random(r, c * 16 * 5, -1, 1), c * 16, 5))
                    .addNode(padded(node("Conv", "conv", new String[] {"x", "w"}, "y")))
                    .addNode(activation)
                    .addNode(node("Flatten", "flat", new String[] {"z"}, "f"))
                    .addNode(node("Gemm", "fc", new String[] {"f", "fc"}, "g"))
                    .addNode(node(act, "act2", new String[] {"g"}, "out").toBuilder().clearAttribute()
                            .addAllAttribute(activation.getAttributeList()).build())
                    .addOutput(floatValue("out", 2, 5)).build();
            Path file = dir.resolve("act.onnx");
            Files.write(file, model(g).toByteArray());
            Tensor input = Tensor.of(random(r, 2 * c * 16, -2, 2), 2, c, 4, 4);
            try (Model plain = load(file, false); Model optimized = load(file, true)) {
                assertSame(run(plain, input), run(optimized, input), 1e-5);
                assertEquals(0, count(optimized, act), act);
            }
        }
    }

    /**
     * A pre-activation block's BatchNormalization then Relu (nothing to fold BN into): the Relu runs in BN's pass.
     * A Sigmoid after BN stays a node of its own.
     */
    @Test
    void reluAfterAnUnfoldedBatchNormFusesIntoItAndAgrees() throws Exception {
        Random r = new Random(15);
        int c = 4;
        for (String act : new String[] {"Relu", "Sigmoid"}) {
            GraphProto g = GraphProto.newBuilder().addInput(floatValue("x", 2, c, 5, 5))
                    .addInitializer(floatTensor("scale", random(r, c, 0.5f, 2), c))
                    .addInitializer(floatTensor("shift", random(r, c, -1, 1), c))
                    .addInitializer(floatTensor("mean", random(r, c, -1, 1), c))
                    .addInitializer(floatTensor("var", random(r, c, 0.5f, 2), c))
                    .addInitializer(floatTensor("w", random(r, c * c * 9, -1, 1), c, c, 3, 3))
                    .addNode(node("BatchNormalization", "bn", new String[] {"x", "scale", "shift", "mean", "var"}, "n"))
                    .addNode(node(act, "act", new String[] {"n"}, "a"))
                    .addNode(padded(node("Conv", "conv", new String[] {"a", "w"}, "out")))
                    .addOutput(floatValue("out", 2, c, 5, 5)).build();
            Path file = dir.resolve("bn-" + act + ".onnx");
            Files.write(file, model(g).toByteArray());
            Tensor input = Tensor.of(random(r, 2 * c * 25, -3, 3), 2, c, 5, 5);
            try (Model plain = load(file, false); Model optimized = load(file, true)) {
                assertSame(run(plain, input), run(optimized, input), 1e-5);
                assertEquals(act.equals("Relu") ? 0 : 1, count(optimized, act), act);
                assertEquals(1, count(optimized, "BatchNormalization"));
            }
        }
    }

    /** MobileNetV2's ReLU6, exported as Clip with Constant bounds (opset 13), runs in the Conv's epilogue. */
    @Test
    void relu6ClipWithConstantBoundsFuses() throws Exception {
        Random r = new Random(14);
        int c = 3;
        GraphProto g = GraphProto.newBuilder().addInput(floatValue("x", 1, c, 5, 5))
                .addInitializer(floatTensor("w", random(r, c * c * 9, -2, 2), c, c, 3, 3))
                .addNode(node("Constant", "lo", new String[0], "lo").toBuilder().addAttribute(AttributeProto.newBuilder()
                        .setName("value").setType(AttributeProto.AttributeType.TENSOR).setT(floatTensor("", new float[] {0f}))).build())
                .addNode(node("Constant", "hi", new String[0], "hi").toBuilder().addAttribute(AttributeProto.newBuilder()
                        .setName("value").setType(AttributeProto.AttributeType.TENSOR).setT(floatTensor("", new float[] {6f}))).build())
                .addNode(padded(node("Conv", "conv", new String[] {"x", "w"}, "y")))
                .addNode(node("Clip", "relu6", new String[] {"y", "lo", "hi"}, "out"))
                .addOutput(floatValue("out", 1, c, 5, 5)).build();
        Path file = dir.resolve("clip.onnx");
        Files.write(file, model(g).toByteArray());
        Tensor input = Tensor.of(random(r, c * 25, -3, 3), 1, c, 5, 5);
        try (Model plain = load(file, false); Model optimized = load(file, true)) {
            float[] want = run(plain, input);
            assertSame(want, run(optimized, input), 1e-5);
            assertEquals(0, count(optimized, "Clip"));
            float max = Float.NEGATIVE_INFINITY;
            for (float v : want) {
                max = Math.max(max, v);
            }
            assertEquals(6f, max, "the fixture must reach the upper bound");
        }
    }
}
