package org.helu4j.graph.passes;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.helu4j.ModelFormatException;
import org.helu4j.graph.Graph;
import org.helu4j.graph.Node;
import org.helu4j.graph.ValueInfo;

/**
 * Removes nodes that pass their input through unchanged at inference (Identity, and Dropout without a mask
 * output), rewiring their readers to the input. A node whose output is a graph output stays, so that the output
 * keeps its name.
 */
public final class EliminateIdentities implements GraphPass {
    private static final Set<String> PASS_THROUGH = Set.of("Identity", "Dropout");

    @Override
    public Graph apply(Graph graph, Arena arena) throws ModelFormatException {
        Set<String> outputs = new java.util.HashSet<>();
        for (ValueInfo v : graph.outputs()) {
            outputs.add(v.name());
        }
        Map<String, String> alias = new HashMap<>();
        List<Node> kept = new ArrayList<>();
        for (Node n : graph.nodes()) {
            boolean passThrough = PASS_THROUGH.contains(n.opType()) && n.domain().isEmpty()
                    && n.outputs().size() >= 1 && !outputs.contains(n.outputs().get(0))
                    && (n.outputs().size() == 1 || n.outputs().get(1).isEmpty())
                    && (n.inputs().size() == 1 || !n.opType().equals("Dropout") || !n.hasInput(2));
            if (passThrough) {
                alias.put(n.outputs().get(0), resolve(alias, n.input(0)));
            } else {
                kept.add(n);
            }
        }
        if (alias.isEmpty()) {
            return graph;
        }
        List<Node> nodes = new ArrayList<>(kept.size());
        for (Node n : kept) {
            List<String> inputs = new ArrayList<>(n.inputs().size());
            for (String in : n.inputs()) {
                inputs.add(resolve(alias, in));
            }
            nodes.add(inputs.equals(n.inputs()) ? n : Uses.withInputs(n, inputs));
        }
        return Graph.of(graph.inputs(), graph.outputs(), graph.initializers(), nodes, graph.metadata());
    }

    private static String resolve(Map<String, String> alias, String name) {
        String target = alias.get(name);
        return target == null ? name : target;
    }
}
