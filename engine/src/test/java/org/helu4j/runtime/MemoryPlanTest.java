package org.helu4j.runtime;

import static org.helu4j.onnx.OnnxFiles.floatValue;
import static org.helu4j.onnx.OnnxFiles.model;
import static org.helu4j.onnx.OnnxFiles.node;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.GraphProto;
import java.nio.file.Path;
import org.helu4j.LoadOptions;
import org.helu4j.Model;
import org.helu4j.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The executor's memory plan: values share buffers once dead, a value read far down the graph keeps its buffer
 * until then, and new input shapes plan again. Correctness on real models is ShippedModelsTest's and
 * GoldenModelTest's; run them with {@code -Dhelu4j.poisonBuffers=true} to catch an op that does not write all of
 * its output.
 */
class MemoryPlanTest {
    private static final int N = 1024;  // floats per row: whole 64-byte lines, so no rounding

    private static float[] ramp(int rows, float scale) {
        float[] x = new float[rows * N];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % 97 - 48) * scale;
        }
        return x;
    }

    /** x -> Neg -> Abs -> Neg -> Abs -> ... (8 nodes) -> y = |x|: at most two values are live at a time. */
    private static Model chain() throws Exception {
        GraphProto.Builder g = GraphProto.newBuilder().addInput(floatValue("x", -1, N));
        String prev = "x";
        for (int i = 0; i < 8; i++) {
            String out = i == 7 ? "y" : "v" + i;
            g.addNode(node(i % 2 == 0 ? "Neg" : "Abs", "n" + i, new String[] {prev}, out));
            prev = out;
        }
        return Model.load(model(g.addOutput(floatValue("y", -1, N)).build()).toByteArray());
    }

    @Test
    void aChainReusesBuffers() throws Exception {
        float[] x = ramp(3, 0.5f);
        float[] want = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            want[i] = Math.abs(x[i]);
        }
        try (Model m = chain(); Executor ex = new Executor(m.plan())) {
            for (int run = 0; run < 3; run++) {  // the first run plans, the others replay
                assertArrayEquals(want, ex.run(new Tensor[] {Tensor.of(x, 3, N)})[0].toFloatArray());
            }
            long row = 3L * N * 4;
            assertEquals(9 * row, ex.valueBytes(), "x, seven intermediates and y");
            // each node's output takes the buffer its input's input left: two buffers in turn, y in the last
            assertEquals(2 * row, ex.bufferBytes());
        }
    }

    /**
     * x -> Relu a -> Neg b -> Neg c -> Neg d -> Neg e -> Add(a, e) -> y: a is read again five nodes later, so its
     * buffer must not be given to b..e, which are its size and would take it if it were free.
     */
    @Test
    void aResidualKeepsItsBufferUntilItsLastRead() throws Exception {
        GraphProto g = GraphProto.newBuilder().addInput(floatValue("x", -1, N))
                .addNode(node("Relu", "r", new String[] {"x"}, "a"))
                .addNode(node("Neg", "n1", new String[] {"a"}, "b"))
                .addNode(node("Neg", "n2", new String[] {"b"}, "c"))
                .addNode(node("Neg", "n3", new String[] {"c"}, "d"))
                .addNode(node("Neg", "n4", new String[] {"d"}, "e"))
                .addNode(node("Add", "add", new String[] {"a", "e"}, "y"))
                .addOutput(floatValue("y", -1, N)).build();
        float[] x = ramp(2, 0.25f);
        float[] want = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            want[i] = 2 * Math.max(x[i], 0);  // a + neg^4(a)
        }
        try (Model m = Model.load(model(g).toByteArray()); Executor ex = new Executor(m.plan())) {
            for (int run = 0; run < 3; run++) {  // the first run plans, the others replay
                assertArrayEquals(want, ex.run(new Tensor[] {Tensor.of(x, 2, N)})[0].toFloatArray());
            }
            long row = 2L * N * 4;
            assertEquals(7 * row, ex.valueBytes());
            assertEquals(3 * row, ex.bufferBytes(), "a, and two of b..e, live at once");
        }
    }

    /** New shapes plan again; the old shapes then plan into the buffers the larger ones grew. */
    @Test
    void newShapesPlanAgain() throws Exception {
        try (Model m = chain(); Executor ex = new Executor(m.plan()); Executor fresh = new Executor(m.plan())) {
            long grown = 0;
            for (int rows : new int[] {2, 5, 1, 5, 2}) {
                float[] x = ramp(rows, -0.5f);
                float[] got = ex.run(new Tensor[] {Tensor.of(x, rows, N)})[0].toFloatArray();
                assertArrayEquals(fresh.run(new Tensor[] {Tensor.of(x, rows, N)})[0].toFloatArray(), got);
                assertEquals(rows * N, got.length);
                if (rows == 5) {
                    grown = ex.bufferBytes();
                } else if (grown > 0) {
                    assertEquals(grown, ex.bufferBytes(), "smaller shapes fit the buffers already there");
                }
            }
        }
    }

    /**
     * A shipped CNN (conv, ReLU, pool, fc), loaded without the graph passes so that every activation is a value of
     * its own, holds half the memory or less; its accuracy is tested elsewhere. (Fused, its pools are gone and the
     * largest value, the first conv's output, is most of what any plan must hold.)
     */
    @Test
    void theShippedCnnHoldsHalfTheMemory() throws Exception {
        Path file = Path.of("../models/fashion-cnn/fashion-cnn-relu-s0.onnx");
        float[] images = new float[8 * 28 * 28];
        for (int i = 0; i < images.length; i++) {
            images[i] = (i % 255) / 255f;
        }
        try (Model m = Model.load(file, LoadOptions.DEFAULT.withOptimize(false));
                Executor ex = new Executor(m.plan())) {
            ex.run(new Tensor[] {Tensor.of(images, 8, 1, 28, 28)});
            System.out.println(file.getFileName() + " at batch 8: " + ex.bufferBytes() + " bytes in buffers, "
                    + ex.valueBytes() + " in values");
            assertTrue(2 * ex.bufferBytes() <= ex.valueBytes(), ex.bufferBytes() + " of " + ex.valueBytes());
        }
    }
}
