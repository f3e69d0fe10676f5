package org.helu4j.runtime;

import static org.helu4j.onnx.OnnxFiles.floatTensor;
import static org.helu4j.onnx.OnnxFiles.floatValue;
import static org.helu4j.onnx.OnnxFiles.model;
import static org.helu4j.onnx.OnnxFiles.node;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.helu4j.Model;
import org.helu4j.Session;
import org.helu4j.Tensor;
import org.junit.jupiter.api.Test;

/** {@link BatchSplit}: which models it splits, and that a split batch gives the whole batch's results. */
class BatchSplitTest {
    private static final Path MODELS = Path.of("../models");

    /**
     * The shipped architectures split, and a 2-thread session (sub-batches of 3 and of 1; batch 5 runs whole) gives
     * the bits of a 1-thread one: every kernel computes a sample the same way whatever the batch around it.
     */
    @Test
    void shippedModelsSplitAndGiveTheSameBits() throws Exception {
        for (String file : List.of("fashion-cnn/fashion-cnn-relu-s0.onnx", "fashion-mlp/fashion-mlp-gelu-s0.onnx",
                "fashion-wrn/fashion-wrn-helu-a0.05-paperlong-s0.onnx")) {
            try (Model m = Model.load(MODELS.resolve(file)); Session one = m.newSession(1);
                    Session two = m.newSession(2)) {
                assertTrue(BatchSplit.separable(m.plan()), file + " should split");
                for (int batch : new int[] {6, 2, 5, 6}) {
                    Tensor x = Tensor.of(random(new Random(batch), batch * 784), batch, 1, 28, 28);
                    float[] expected = one.run(x).get(0).toFloatArray();
                    assertArrayEquals(expected, two.run(x).get(0).toFloatArray(), file + " batch " + batch);
                    assertEquals(batch * 10, expected.length);
                }
            }
        }
    }

    /** What could mix the samples of a batch keeps the model whole; what cannot, splits. */
    @Test
    void separableOnlyWhenNoOpMixesSamples() throws Exception {
        assertTrue(separable(node("Relu", "r", new String[] {"x"}, "y")));
        assertTrue(separable(node("Add", "a", new String[] {"x", "row"}, "y"), floatTensor("row", new float[6], 1, 6)));
        assertFalse(separable(node("Add", "a", new String[] {"x", "per"}, "y"), floatTensor("per", new float[24], 4, 6)));
        assertTrue(separable(ints(node("Softmax", "s", new String[] {"x"}, "y"), "axis", 1)));
        assertFalse(separable(ints(node("Softmax", "s", new String[] {"x"}, "y"), "axis", 0)));
        assertTrue(separable(ints(node("ReduceMean", "m", new String[] {"x"}, "y"), "axes", 1)));
        assertFalse(separable(ints(node("ReduceMean", "m", new String[] {"x"}, "y"), "axes", 0)));
        assertFalse(separable(ints(node("ReduceMean", "m", new String[] {"x"}, "y"), "axes", -2)));
        assertTrue(separable(ints(node("Gemm", "g", new String[] {"x", "w"}, "y"), "transB", 1),
                floatTensor("w", new float[36], 6, 6)));
        assertFalse(separable(ints(node("Gemm", "g", new String[] {"x", "w"}, "y"), "transA", 1),
                floatTensor("w", new float[36], 6, 6)));
        assertFalse(separable(node("Reshape", "r", new String[] {"x", "shape"}, "y")));
    }

    /** One node from x [N, 6] (or [4, 6]) to y, with the given initializers. */
    private static boolean separable(NodeProto n, ai.onnx.proto.OnnxMl.TensorProto... inits) throws Exception {
        GraphProto.Builder g = GraphProto.newBuilder().addInput(floatValue("x", -1, 6)).addNode(n)
                .addOutput(floatValue("y"));
        for (var t : inits) {
            g.addInitializer(t);
        }
        if (n.getOpType().equals("Reshape")) {
            g.addInitializer(ai.onnx.proto.OnnxMl.TensorProto.newBuilder().setName("shape")
                    .setDataType(ai.onnx.proto.OnnxMl.TensorProto.DataType.INT64_VALUE).addDims(2).addInt64Data(-1)
                    .addInt64Data(6));
        }
        try (Model m = Model.load(model(g.build()).toByteArray())) {
            return BatchSplit.separable(m.plan());
        }
    }

    private static NodeProto ints(NodeProto n, String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name);
        if (name.equals("axes") || name.equals("perm")) {
            a.setType(AttributeProto.AttributeType.INTS);
            for (long v : values) {
                a.addInts(v);
            }
        } else {
            a.setType(AttributeProto.AttributeType.INT).setI(values[0]);
        }
        return n.toBuilder().addAttribute(a).build();
    }

    private static float[] random(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }
}
