package org.helu4j.op;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.helu4j.ModelFormatException;
import org.helu4j.UnsupportedOperatorException;
import org.helu4j.graph.Node;

/** Maps ONNX operator types (default domain) to the factories that compile them. One family per class. */
public final class OpRegistry {
    private static final Map<String, OpFactory> FACTORIES;

    static {
        Map<String, OpFactory> m = new TreeMap<>();
        ElementwiseOps.register(m);
        ConvOps.register(m);
        LinearOps.register(m);
        ShapeOps.register(m);
        FACTORIES = Collections.unmodifiableMap(m);
    }

    private OpRegistry() {
    }

    /** The operator types the engine implements, sorted. */
    public static Set<String> supported() {
        return FACTORIES.keySet();
    }

    public static boolean supports(String domain, String opType) {
        return (domain.isEmpty() || domain.equals("ai.onnx")) && FACTORIES.containsKey(opType);
    }

    /** Compiles {@code node}, or explains why it cannot. */
    public static Op create(Node node) throws ModelFormatException {
        OpFactory factory = node.domain().isEmpty() ? FACTORIES.get(node.opType()) : null;
        if (factory == null) {
            throw new UnsupportedOperatorException(node.opType(), node.domain(), node.name(), node.opset(), null);
        }
        if (node.opset() > 17 || node.opset() < 1) {
            throw new UnsupportedOperatorException(node.opType(), node.domain(), node.name(), node.opset(),
                    "helu4j supports opsets 7 to 17");
        }
        try {
            return factory.create(node);
        } catch (IllegalArgumentException | IllegalStateException | ArithmeticException | IndexOutOfBoundsException e) {
            throw new ModelFormatException(node.describe() + ": " + e.getMessage(), e);
        }
    }
}
