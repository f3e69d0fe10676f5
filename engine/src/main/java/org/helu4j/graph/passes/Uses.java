package org.helu4j.graph.passes;

import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.helu4j.graph.Graph;
import org.helu4j.graph.Node;
import org.helu4j.graph.ValueInfo;

/** Who produces and who reads each value: the facts every rewrite must check before it moves an edge. */
final class Uses {
    private final Map<String, Node> producers = new HashMap<>();
    private final Map<String, Integer> readers = new HashMap<>();
    private final Set<String> graphOutputs = new HashSet<>();

    Uses(Graph graph) {
        for (Node n : graph.nodes()) {
            for (String out : n.outputs()) {
                producers.put(out, n);
            }
            for (String in : n.inputs()) {
                if (!in.isEmpty()) {
                    readers.put(in, readers.getOrDefault(in, 0) + 1);
                }
            }
        }
        for (ValueInfo v : graph.outputs()) {
            graphOutputs.add(v.name());
        }
    }

    Node producer(String value) {
        return producers.get(value);
    }

    /** True if {@code value} is read by exactly one node input and is not a graph output. */
    boolean onlyFeedsOneNode(String value) {
        return readers.getOrDefault(value, 0) == 1 && !graphOutputs.contains(value);
    }

    boolean isRead(String value) {
        return readers.containsKey(value) || graphOutputs.contains(value);
    }

    /** A map keyed by node identity: nodes are unique objects, and hashing a record's fields is not free. */
    static <V> Map<Node, V> nodeMap() {
        return new IdentityHashMap<>();
    }

    /** A set of nodes by identity. */
    static Set<Node> nodeSet() {
        return Collections.newSetFromMap(new IdentityHashMap<>());
    }

    /**
     * The graph with each node in {@code replaced} swapped for its replacement and the nodes in {@code removed}
     * dropped, over {@code initializers}; the graph itself when nothing was replaced.
     */
    static Graph rewrite(Graph graph, Map<Node, Node> replaced, Set<Node> removed,
            Map<String, org.helu4j.Tensor> initializers) throws org.helu4j.ModelFormatException {
        if (replaced.isEmpty()) {
            return graph;
        }
        List<Node> nodes = new java.util.ArrayList<>(graph.nodes().size());
        for (Node n : graph.nodes()) {
            if (!removed.contains(n)) {
                nodes.add(replaced.getOrDefault(n, n));
            }
        }
        return Graph.of(graph.inputs(), graph.outputs(), initializers, nodes, graph.metadata());
    }

    static Node withInputs(Node n, List<String> inputs) {
        return new Node(n.name(), n.opType(), n.domain(), n.opset(), inputs, n.outputs(), n.attributes());
    }
}
