package org.helu4j.op;

import java.util.Map;
import org.helu4j.ModelFormatException;
import org.helu4j.graph.Node;

/** The linear algebra family: Gemm, MatMul and BatchNormalization (inference). */
final class LinearOps {
    private LinearOps() {
    }

    private static final String[] TYPES = {"Gemm", "MatMul", "BatchNormalization"};

    // One factory for the family, rather than a lambda per op: each lambda costs a generated class at startup.
    static void register(Map<String, OpFactory> m) {
        for (String type : TYPES) {
            m.put(type, LinearOps::create);
        }
    }

    private static Op create(Node n) throws ModelFormatException {
        return switch (n.opType()) {
            case "Gemm" -> new GemmOp(n);
            case "MatMul" -> new MatMulOp(n);
            case "BatchNormalization" -> new BatchNormOp(n);
            default -> throw new AssertionError("LinearOps lists " + n.opType() + " but has no factory for it");
        };
    }
}
