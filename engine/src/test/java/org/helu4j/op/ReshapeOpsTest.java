package org.helu4j.op;

import static org.helu4j.op.ShapeOpRunner.f;
import static org.helu4j.op.ShapeOpRunner.iota;
import static org.helu4j.op.ShapeOpRunner.iotaLong;
import static org.helu4j.op.ShapeOpRunner.ls;
import static org.helu4j.op.ShapeOpRunner.op;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.helu4j.ModelFormatException;
import org.helu4j.Tensor;
import org.helu4j.graph.Attributes;
import org.helu4j.graph.Graph;
import org.helu4j.graph.Node;
import org.helu4j.graph.ValueInfo;
import org.helu4j.runtime.Executor;
import org.helu4j.runtime.Plan;
import org.helu4j.tensor.DType;
import org.junit.jupiter.api.Test;

class ReshapeOpsTest {
    @Test
    void noOpIsRegisteredByTwoFamilies() {
        OpRegistry.supported(); // initializes the registry
        assertEquals(List.of(), ShapeOps.DUPLICATES);
    }

    @Test
    void reshapeCopiesZeroAndInfersMinusOne() throws Exception {
        Tensor out = op("Reshape").run1(iota(2, 3, 4), ls(0, -1));
        assertArrayEquals(new long[] {2, 12}, out.dims());
        assertArrayEquals(iota(2, 3, 4).toFloatArray(), out.toFloatArray());
        assertArrayEquals(new long[] {4, 6}, op("Reshape").run1(iota(2, 3, 4), ls(4, -1)).dims());
    }

    @Test
    void reshapeAllowZeroKeepsZero() throws Exception {
        Tensor out = op("Reshape").opset(14).attr("allowzero", 1L).run1(f(new float[0], 0, 3), ls(3, 0));
        assertArrayEquals(new long[] {3, 0}, out.dims());
    }

    @Test
    void reshapeReportsBothShapes() {
        var e = assertThrows(IllegalArgumentException.class, () -> op("Reshape").run1(iota(2, 3), ls(4, -1)));
        assertTrue(e.getMessage().startsWith("cannot reshape [2, 3] (6 elements) to [4, -1]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> op("Reshape").run1(iota(2, 3), ls(-1, -1)));
        assertThrows(IllegalArgumentException.class, () -> op("Reshape").run1(iota(2, 3), ls(5)));
    }

    @Test
    void reshapeMovesInt64() throws Exception {
        Tensor out = op("Reshape").run1(iotaLong(2, 3), ls(3, 2));
        assertArrayEquals(iotaLong(6).toLongArray(), out.toLongArray());
    }

    @Test
    void flattenAtEveryAxis() throws Exception {
        assertArrayEquals(new long[] {1, 24}, op("Flatten").attr("axis", 0L).run1(iota(2, 3, 4)).dims());
        assertArrayEquals(new long[] {2, 12}, op("Flatten").run1(iota(2, 3, 4)).dims());
        assertArrayEquals(new long[] {24, 1}, op("Flatten").attr("axis", 3L).run1(iota(2, 3, 4)).dims());
        assertArrayEquals(new long[] {6, 4}, op("Flatten").attr("axis", -1L).run1(iota(2, 3, 4)).dims());
        assertThrows(IllegalArgumentException.class, () -> op("Flatten").attr("axis", 4L).run1(iota(2, 3, 4)));
    }

    @Test
    void squeezeByAttributeInputOrAll() throws Exception {
        assertArrayEquals(new long[] {3, 1}, op("Squeeze").opset(11).attr("axes", new long[] {0}).run1(iota(1, 3, 1)).dims());
        assertArrayEquals(new long[] {1, 3}, op("Squeeze").run1(iota(1, 3, 1), ls(-1)).dims());
        assertArrayEquals(new long[] {3}, op("Squeeze").run1(iota(1, 3, 1)).dims());
        assertArrayEquals(new long[] {3}, op("Squeeze").run1(iota(1, 3, 1), ls()).dims());
        assertThrows(IllegalArgumentException.class, () -> op("Squeeze").run1(iota(1, 3, 1), ls(1)));
    }

    @Test
    void unsqueezeAxesAreInOutputRank() throws Exception {
        assertArrayEquals(new long[] {1, 3, 1, 4}, op("Unsqueeze").opset(11).attr("axes", new long[] {2, 0}).run1(iota(3, 4)).dims());
        assertArrayEquals(new long[] {3, 4, 1}, op("Unsqueeze").run1(iota(3, 4), ls(-1)).dims());
        assertArrayEquals(new long[] {1}, op("Unsqueeze").run1(Tensor.ofLongs(new long[] {7}), ls(0)).dims());
        assertThrows(IllegalArgumentException.class, () -> op("Unsqueeze").run1(iota(3), ls(0, 0)));
        assertThrows(ModelFormatException.class, () -> op("Unsqueeze").opset(11).create());
    }

    @Test
    void identityAndDropoutCopy() throws Exception {
        assertArrayEquals(iota(5).toFloatArray(), op("Identity").run1(iota(5)).toFloatArray());
        Tensor[] out = op("Dropout").opset(12).outputs(2).run(iota(2, 3), f(new float[] {0.5f}));
        assertArrayEquals(iota(2, 3).toFloatArray(), out[0].toFloatArray());
        assertEquals(DType.INT64, out[1].type());
        assertArrayEquals(new long[] {1, 1, 1, 1, 1, 1}, out[1].toLongArray());
        Tensor[] old = op("Dropout").opset(7).attr("ratio", 0.3f).outputs(2).run(iota(2));
        assertArrayEquals(new float[] {1, 1}, old[1].toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> op("Dropout").opset(12)
                .run1(iota(2), f(new float[] {0.5f}), Tensor.ofLongs(new long[] {1})));
    }

    @Test
    void knownInt64ResultsAreInferredNotRun() throws Exception {
        InferContext ctx = op("Unsqueeze").inferOnly(new Tensor[] {ls(3), ls(0)}, new Tensor[] {ls(3), ls(0)});
        assertNotNull(ctx.outputValue(0));
        assertArrayEquals(new long[] {3}, ctx.outputValue(0).toLongArray());
        // a float or unknown input is left to run time
        ctx = op("Unsqueeze").inferOnly(new Tensor[] {iota(3), ls(0)}, new Tensor[] {iota(3), ls(0)});
        assertNull(ctx.outputValue(0));
        // an int64 result of float data is left to run time too: it is model output, not shape arithmetic
        ctx = op("ArgMax").inferOnly(new Tensor[] {iota(3)}, new Tensor[] {iota(3)});
        assertNull(ctx.outputValue(0));
        ctx = op("Unsqueeze").inferOnly(new Tensor[] {ls(3), ls(0)}, new Tensor[] {null, ls(0)});
        assertNull(ctx.outputValue(0));
        assertArrayEquals(new long[] {1, 1}, ctx.outputShape(0).longDims());
    }

    /** The same chain with a dynamic batch: inferred at run time, and right for every batch size in turn. */
    @Test
    void pytorchFlattenChainWithDynamicBatch() throws Exception {
        Plan plan = Plan.compile(flattenChain(new long[] {-1, 3, 4}));
        assertFalse(plan.isFolded(0));
        try (Executor ex = new Executor(plan)) {
            for (int n : new int[] {2, 2, 5, 1, 5}) {
                Tensor y = ex.run(new Tensor[] {iota(n, 3, 4)})[0];
                assertArrayEquals(new long[] {n, 12}, y.dims());
                assertArrayEquals(iota(n, 3, 4).toFloatArray(), y.toFloatArray());
            }
        }
    }

    private static Graph flattenChain(long[] inputDims) throws ModelFormatException {
        Attributes none = Attributes.NONE;
        List<Node> nodes = List.of(
                new Node("shape", "Shape", "", 13, List.of("x"), List.of("s"), none),
                new Node("gather", "Gather", "", 13, List.of("s", "zero"), List.of("n"), new Attributes(Map.of("axis", 0L))),
                new Node("unsq", "Unsqueeze", "", 13, List.of("n", "axes"), List.of("n1"), none),
                new Node("concat", "Concat", "", 13, List.of("n1", "minus1"), List.of("spec"), new Attributes(Map.of("axis", 0L))),
                new Node("reshape", "Reshape", "", 13, List.of("x", "spec"), List.of("y"), none));
        Map<String, Tensor> init = Map.of("zero", Tensor.ofLongs(new long[] {0}), "axes", ls(0), "minus1", ls(-1));
        return Graph.of(List.of(new ValueInfo("x", DType.FLOAT32, inputDims, null)),
                List.of(new ValueInfo("y", DType.FLOAT32, null, null)), init, nodes, Map.of());
    }

    /** PyTorch's x.view(x.size(0), -1): Shape → Gather → Unsqueeze → Concat → Reshape folds at load time. */
    @Test
    void pytorchFlattenChainFolds() throws Exception {
        Plan plan = Plan.compile(flattenChain(new long[] {2, 3, 4}));
        for (int k = 0; k < 4; k++) {
            assertTrue(plan.isFolded(k), "node " + k + " should fold");
        }
        assertFalse(plan.isFolded(4));
        assertArrayEquals(new long[] {2, 12}, plan.staticShape("y").longDims());
        try (Executor ex = new Executor(plan)) {
            Tensor y = ex.run(new Tensor[] {iota(2, 3, 4)})[0];
            assertArrayEquals(iota(2, 3, 4).toFloatArray(), y.toFloatArray());
        }
    }
}
