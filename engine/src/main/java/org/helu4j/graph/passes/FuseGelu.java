package org.helu4j.graph.passes;

import java.lang.foreign.Arena;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.helu4j.ModelFormatException;
import org.helu4j.Tensor;
import org.helu4j.graph.Attributes;
import org.helu4j.graph.Graph;
import org.helu4j.graph.Node;
import org.helu4j.tensor.DType;

/**
 * Replaces PyTorch's exported exact GELU, {@code Mul(Mul(x, Add(Erf(Div(x, sqrt 2)), 1)), 0.5)}, by one Gelu
 * node: one pass over memory instead of five, and one kernel that computes erf in registers. Matches only when
 * the constants are those of GELU and no intermediate value is read elsewhere.
 */
public final class FuseGelu implements GraphPass {
    private static final double TOLERANCE = 1e-5;

    @Override
    public Graph apply(Graph graph, Arena arena) throws ModelFormatException {
        Uses uses = new Uses(graph);
        Map<String, Node> readerOf = soleReaders(graph);
        Map<String, Node> producers = new HashMap<>();
        for (Node n : graph.nodes()) {
            for (String o : n.outputs()) {
                producers.put(o, n);
            }
        }
        Map<Node, Node> replacements = Uses.nodeMap();
        Set<Node> removed = Uses.nodeSet();
        for (Node erf : graph.nodes()) {
            if (!erf.opType().equals("Erf") || !erf.domain().isEmpty()) {
                continue;
            }
            Node div = producers.get(erf.input(0));
            if (div == null || !div.opType().equals("Div") || !uses.onlyFeedsOneNode(div.outputs().get(0))
                    || !isScalar(graph, producers, div.input(1), Math.sqrt(2))) {
                continue;
            }
            String x = div.input(0);
            Node add = readerOf.get(erf.outputs().get(0));
            if (add == null || !add.opType().equals("Add") || !uses.onlyFeedsOneNode(erf.outputs().get(0))
                    || !isScalar(graph, producers, other(add, erf.outputs().get(0)), 1.0)) {
                continue;
            }
            Node mulX = readerOf.get(add.outputs().get(0));
            if (mulX == null || !mulX.opType().equals("Mul") || !uses.onlyFeedsOneNode(add.outputs().get(0))
                    || !x.equals(other(mulX, add.outputs().get(0)))) {
                continue;
            }
            Node half = readerOf.get(mulX.outputs().get(0));
            if (half == null || !half.opType().equals("Mul") || !uses.onlyFeedsOneNode(mulX.outputs().get(0))
                    || !isScalar(graph, producers, other(half, mulX.outputs().get(0)), 0.5)) {
                continue;
            }
            Node gelu = new Node(erf.name() + ".gelu", "Gelu", "", erf.opset(), List.of(x), half.outputs(),
                    new Attributes(Map.of("approximate", "none")));
            replacements.put(half, gelu);
            removed.addAll(List.of(div, erf, add, mulX));
        }
        return Uses.rewrite(graph, replacements, removed, graph.initializers());
    }

    /** The one node reading each value, for values read by exactly one node input. */
    private static Map<String, Node> soleReaders(Graph graph) {
        Map<String, Node> readers = new HashMap<>();
        Set<String> shared = new HashSet<>();
        for (Node n : graph.nodes()) {
            for (String in : n.inputs()) {
                if (readers.putIfAbsent(in, n) != null) {
                    shared.add(in);
                }
            }
        }
        for (String s : shared) {
            readers.remove(s);
        }
        return readers;
    }

    /** The input of a binary node that is not {@code known}, or null when the node is not binary. */
    private static String other(Node n, String known) {
        if (n.inputs().size() != 2) {
            return null;
        }
        return n.input(0).equals(known) ? n.input(1) : n.input(1).equals(known) ? n.input(0) : null;
    }

    /** True if {@code name} is a one-element float constant (initializer or Constant node) equal to {@code value}. */
    private static boolean isScalar(Graph graph, Map<String, Node> producers, String name, double value) {
        if (name == null) {
            return false;
        }
        Tensor t = graph.initializers().get(name);
        Node p = producers.get(name);
        if (t == null && p != null && p.opType().equals("Constant")) {
            if (p.attributes().asMap().get("value_float") instanceof Float) {
                return Math.abs(p.attributes().getFloat("value_float", 0) - value) <= TOLERANCE * Math.abs(value);
            }
            // A malformed file may give "value" another kind (a sparse tensor, say): then it is no GELU constant.
            t = p.attributes().asMap().get("value") instanceof Tensor v ? v : null;
        }
        return t != null && t.type() == DType.FLOAT32 && t.size() == 1
                && Math.abs(t.getFloat(0) - value) <= TOLERANCE * Math.abs(value);
    }
}
