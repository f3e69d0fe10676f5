package org.helu4j.graph.passes;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.helu4j.graph.Attributes;
import org.helu4j.graph.Graph;
import org.helu4j.graph.Node;

/**
 * Folds a Relu that directly follows a Conv or Gemm into that op's epilogue: {@code max(acc, 0)} is applied while
 * the accumulators are still in registers, and the Relu node and its buffer disappear. ReLU- and HeLU-trained
 * models get the very same fused kernel. The producer takes over the Relu's output name, so observers of that
 * value (dead-unit counting) still see it.
 */
public final class FuseActivation implements GraphPass {
    /** The attribute the fused op reads: the name of the activation applied in its epilogue. */
    public static final String ATTRIBUTE = org.helu4j.op.Op.FUSED_ACTIVATION;

    private static final Set<String> PRODUCERS = Set.of("Conv", "Gemm");

    @Override
    public Graph apply(Graph graph, Arena arena) throws org.helu4j.ModelFormatException {
        Uses uses = new Uses(graph);
        Map<Node, Node> fused = new LinkedHashMap<>();
        Set<Node> removed = new HashSet<>();
        for (Node relu : graph.nodes()) {
            if (!relu.opType().equals("Relu") || !relu.domain().isEmpty()) {
                continue;
            }
            Node producer = uses.producer(relu.input(0));
            if (producer == null || !PRODUCERS.contains(producer.opType()) || !producer.domain().isEmpty()
                    || producer.attributes().has(ATTRIBUTE) || fused.containsKey(producer)
                    || producer.outputs().size() != 1 || !uses.onlyFeedsOneNode(relu.input(0))) {
                continue;
            }
            Map<String, Object> attrs = new LinkedHashMap<>(producer.attributes().asMap());
            attrs.put(ATTRIBUTE, "Relu");
            fused.put(producer, new Node(producer.name(), producer.opType(), producer.domain(), producer.opset(),
                    producer.inputs(), relu.outputs(), new Attributes(attrs)));
            removed.add(relu);
        }
        if (fused.isEmpty()) {
            return graph;
        }
        List<Node> nodes = new ArrayList<>(graph.nodes().size());
        for (Node n : graph.nodes()) {
            if (!removed.contains(n)) {
                nodes.add(fused.getOrDefault(n, n));
            }
        }
        return Graph.of(graph.inputs(), graph.outputs(), graph.initializers(), nodes, graph.metadata());
    }
}
