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
import org.helu4j.op.Op;

/**
 * Folds {@code Add(Conv(x), r)} into the Conv's epilogue: the residual {@code r} becomes the Conv's input 3 and is
 * added while the tile is in registers, and the Add node and its buffer disappear. It runs before
 * {@link FuseActivation}, so a ReLU after the Add (ResNet's {@code relu(conv(x) + x)}) is then fused too, after
 * the residual. Only a Conv whose output feeds nothing but this Add qualifies, and only when {@code r} is
 * computed (a constant added to a conv is a bias, not a residual); {@code r} cannot depend on the Conv's output,
 * because that output has no other reader.
 */
public final class FuseResidual implements GraphPass {
    @Override
    public Graph apply(Graph graph, Arena arena) throws org.helu4j.ModelFormatException {
        Uses uses = new Uses(graph);
        Map<Node, Node> fused = new LinkedHashMap<>();
        Set<Node> removed = new HashSet<>();
        for (Node add : graph.nodes()) {
            if (!add.opType().equals("Add") || !add.domain().isEmpty() || add.inputs().size() != 2
                    || add.inputs().get(0).equals(add.inputs().get(1))) {
                continue;
            }
            for (int side = 0; side < 2; side++) {
                String convOut = add.inputs().get(side);
                String residual = add.inputs().get(1 - side);
                Node conv = uses.producer(convOut);
                if (conv == null || !conv.opType().equals("Conv") || !conv.domain().isEmpty()
                        || conv.attributes().has(Op.FUSED_ACTIVATION) || conv.attributes().has(Op.FUSED_RESIDUAL)
                        || fused.containsKey(conv) || conv.outputs().size() != 1 || conv.inputs().size() > 3
                        || !uses.onlyFeedsOneNode(convOut) || residual.isEmpty()
                        || graph.initializers().containsKey(residual) || isConstant(uses.producer(residual))) {
                    continue;
                }
                List<String> inputs = new ArrayList<>(conv.inputs());
                while (inputs.size() < 3) {
                    inputs.add("");
                }
                inputs.add(residual);
                Map<String, Object> attrs = new LinkedHashMap<>(conv.attributes().asMap());
                attrs.put(Op.FUSED_RESIDUAL, 1L);
                fused.put(conv, new Node(conv.name(), conv.opType(), conv.domain(), conv.opset(), inputs,
                        add.outputs(), new Attributes(attrs)));
                removed.add(add);
                break;
            }
        }
        return Uses.rewrite(graph, fused, removed, graph.initializers());
    }

    private static boolean isConstant(Node producer) {
        return producer != null && producer.opType().equals("Constant") && producer.domain().isEmpty();
    }
}
