package org.helu4j.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.helu4j.Model;
import org.helu4j.op.Op;
import org.junit.jupiter.api.Test;

/**
 * Weights are packed once at load even when the batch is dynamic, so that no run packs them again (the shipped
 * models all declare a dynamic batch; before {@link Op#prepare} their weights were packed on every run).
 */
class WeightPackingTest {
    private static Path firstModel(String architecture) throws Exception {
        try (Stream<Path> files = Files.list(Path.of("../models", architecture))) {
            return files.filter(p -> p.toString().endsWith(".onnx")).sorted().findFirst().orElseThrow();
        }
    }

    @Test
    void gemmWeightsOfADynamicBatchMlpArePackedAtLoad() throws Exception {
        try (Model m = Model.load(firstModel("fashion-mlp"))) {
            assertTrue(m.inputs().get(0).dims()[0] < 0, "the shipped MLP declares a dynamic batch");
            List<Op> gemms = m.plan().ops().stream().filter(op -> op.node().opType().equals("Gemm")).toList();
            assertEquals(8, gemms.size());
            for (Op op : gemms) {
                assertTrue(op.describe().contains("(packed B)"), op.describe());
            }
        }
    }
}
