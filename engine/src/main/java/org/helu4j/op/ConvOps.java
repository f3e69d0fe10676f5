package org.helu4j.op;

import java.util.Map;
import org.helu4j.ModelFormatException;
import org.helu4j.graph.Node;

/** Operator family registration (see OpRegistry): convolution and pooling. */
final class ConvOps {
    private ConvOps() {
    }

    private static final String[] TYPES = {"Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool"};

    // One factory for the family, rather than a lambda per op: each lambda costs a generated class at startup.
    static void register(Map<String, OpFactory> m) {
        for (String type : TYPES) {
            m.put(type, ConvOps::create);
        }
    }

    private static Op create(Node n) throws ModelFormatException {
        return switch (n.opType()) {
            case "Conv" -> new ConvOp(n);
            case "MaxPool" -> new PoolOp(n, true);
            case "AveragePool" -> new PoolOp(n, false);
            case "GlobalAveragePool" -> new PoolGlobalOp(n, false);
            case "GlobalMaxPool" -> new PoolGlobalOp(n, true);
            default -> throw new AssertionError("ConvOps lists " + n.opType() + " but has no factory for it");
        };
    }
}
