package org.helu4j.graph.passes;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.helu4j.ModelFormatException;
import org.helu4j.Tensor;
import org.helu4j.graph.Graph;
import org.helu4j.graph.Node;
import org.helu4j.graph.ValueInfo;

/** Drops nodes and initializers that no graph output depends on (one backward sweep over the topological order). */
public final class EliminateDeadNodes implements GraphPass {
    @Override
    public Graph apply(Graph graph, Arena arena) throws ModelFormatException {
        Set<String> live = new HashSet<>();
        for (ValueInfo v : graph.outputs()) {
            live.add(v.name());
        }
        List<Node> kept = new ArrayList<>();
        List<Node> nodes = graph.nodes();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node n = nodes.get(i);
            if (producesAny(n, live)) {
                kept.add(n);
                live.addAll(n.inputs());
            }
        }
        if (kept.size() == nodes.size() && live.containsAll(graph.initializers().keySet())) {
            return graph;
        }
        Collections.reverse(kept);
        Map<String, Tensor> initializers = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : graph.initializers().entrySet()) {
            if (live.contains(e.getKey())) {
                initializers.put(e.getKey(), e.getValue());
            }
        }
        return Graph.of(graph.inputs(), graph.outputs(), initializers, kept, graph.metadata());
    }

    private static boolean producesAny(Node n, Set<String> values) {
        for (String out : n.outputs()) {
            if (values.contains(out)) {
                return true;
            }
        }
        return false;
    }
}
