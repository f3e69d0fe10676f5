package org.helu4j.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.helu4j.graph.Graph;
import org.helu4j.graph.Node;

/**
 * The activation layers of a graph, in graph order: each {@code Relu} node (ReLU and HeLU export alike), and each
 * exact GELU, which PyTorch exports as {@code x * 0.5 * (1 + erf(x / sqrt 2))}: the layer's output is the end of
 * the Add/Mul chain that follows the {@code Erf}. The same rule as {@code tools/train/deadunits.py}, so that the
 * layers line up with PyTorch's.
 */
final class ActivationLayers {
    /** One activation layer: the node that names it and the value that holds its output. */
    record Layer(String node, String kind, String output) {
    }

    private ActivationLayers() {
    }

    static List<Layer> of(Graph graph) {
        Map<String, List<Node>> consumers = new HashMap<>();
        for (Node n : graph.nodes()) {
            for (String in : n.inputs()) {
                consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
            }
        }
        List<Layer> layers = new ArrayList<>();
        for (Node n : graph.nodes()) {
            if (n.opType().equals("Relu")) {
                layers.add(new Layer(n.name(), "Relu", n.outputs().get(0)));
            } else if (n.opType().equals("Erf")) {
                Node cur = n;
                for (int step = 0; step < 3; step++) {
                    List<Node> next = consumers.getOrDefault(cur.outputs().get(0), List.of()).stream()
                            .filter(c -> c.opType().equals("Add") || c.opType().equals("Mul")).toList();
                    if (next.size() != 1) {
                        break;
                    }
                    cur = next.get(0);
                }
                layers.add(new Layer(n.name(), "Gelu", cur.outputs().get(0)));
            }
        }
        return layers;
    }

    static List<String> outputs(List<Layer> layers) {
        return layers.stream().map(Layer::output).distinct().toList();
    }
}
