package org.helu4j.graph.passes;

import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.helu4j.graph.Attributes;
import org.helu4j.graph.Graph;
import org.helu4j.graph.Node;

/**
 * Folds an activation that directly follows a Conv or Gemm into that op's epilogue, and the activation node and
 * its buffer disappear (and a Relu or Clip after a BatchNormalization into its pass, where BN was not folded into
 * a conv: pre-activation blocks put BN and Relu before the conv). Relu becomes {@code max(acc, 0)} on the accumulators while they are still in registers:
 * ReLU- and HeLU-trained models get the very same fused kernel. LeakyRelu, Sigmoid and Gelu (as {@link FuseGelu}
 * leaves it, or ONNX's own) run on the finished tile while it is in L1. The producer takes over the activation's
 * output name, so observers of that value (dead-unit counting) still see it.
 */
public final class FuseActivation implements GraphPass {
    /** The attribute the fused op reads: the name of the activation applied in its epilogue. */
    public static final String ATTRIBUTE = org.helu4j.op.Op.FUSED_ACTIVATION;

    private static final Set<String> PRODUCERS = Set.of("Conv", "Gemm", "BatchNormalization");
    /** What BatchNormalization (a pre-activation ResNet's BN then Relu) clamps in its own pass. */
    private static final Set<String> CLAMPS = Set.of("Relu", "Clip");

    @Override
    public Graph apply(Graph graph, Arena arena) throws org.helu4j.ModelFormatException {
        Uses uses = new Uses(graph);
        Map<Node, Node> fused = Uses.nodeMap();
        Set<Node> removed = Uses.nodeSet();
        for (Node relu : graph.nodes()) {
            String name = fusedName(relu);
            float[] clip = name != null && name.equals("Clip") ? clipBounds(relu, graph, uses) : null;
            if (name == null || name.equals("Clip") && clip == null) {
                continue;
            }
            Node producer = uses.producer(relu.input(0));
            if (producer == null || !PRODUCERS.contains(producer.opType()) || !producer.domain().isEmpty()
                    || producer.attributes().has(ATTRIBUTE) || fused.containsKey(producer)
                    || producer.outputs().size() != 1 || !uses.onlyFeedsOneNode(relu.input(0))
                    || producer.opType().equals("BatchNormalization") && !CLAMPS.contains(name)) {
                continue;
            }
            Map<String, Object> attrs = new LinkedHashMap<>(producer.attributes().asMap());
            attrs.put(ATTRIBUTE, name);
            if (name.equals("LeakyRelu")) {
                attrs.put(org.helu4j.op.Op.FUSED_ACTIVATION_ALPHA, relu.attributes().getFloat("alpha", 0.01f));
            } else if (clip != null) {
                attrs.put(org.helu4j.op.Op.FUSED_ACTIVATION_ALPHA, clip[0]);
                attrs.put(org.helu4j.op.Op.FUSED_ACTIVATION_BETA, clip[1]);
            }
            fused.put(producer, new Node(producer.name(), producer.opType(), producer.domain(), producer.opset(),
                    producer.inputs(), relu.outputs(), new Attributes(attrs)));
            removed.add(relu);
        }
        return Uses.rewrite(graph, fused, removed, graph.initializers());
    }

    /** The name an epilogue knows {@code n} by, or null when it is not an activation the epilogue can apply. */
    private static String fusedName(Node n) {
        if (n.domain().isEmpty() && n.opType().equals("Clip")) {
            return "Clip";
        }
        if (!n.domain().isEmpty() || n.inputs().size() != 1) {
            return null;
        }
        return switch (n.opType()) {
            case "Relu", "Sigmoid" -> n.opType();
            case "LeakyRelu" -> "LeakyRelu";
            case "Gelu" -> switch (n.attributes().getString("approximate", "none")) {
                case "none" -> "Gelu";
                case "tanh" -> "GeluTanh";
                default -> null;
            };
            default -> null;
        };
    }

    /**
     * Clip's [min, max]: attributes before opset 11, then optional inputs that must be constants here (an
     * initializer or a Constant node, one float each); null when a bound is only known at run time.
     */
    private static float[] clipBounds(Node clip, Graph graph, Uses uses) {
        float lo = Float.NEGATIVE_INFINITY;
        float hi = Float.POSITIVE_INFINITY;
        if (clip.opset() < 11) {
            lo = clip.attributes().getFloat("min", lo);
            hi = clip.attributes().getFloat("max", hi);
        } else {
            for (int i = 1; i < clip.inputs().size() && i <= 2; i++) {
                String name = clip.inputs().get(i);
                if (name.isEmpty()) {
                    continue;
                }
                org.helu4j.Tensor t = graph.initializers().get(name);
                Node producer = uses.producer(name);
                if (t == null && producer != null && producer.opType().equals("Constant") && producer.domain().isEmpty()
                        && producer.attributes().has("value")) {
                    t = producer.attributes().getTensor("value");
                }
                if (t == null || t.type() != org.helu4j.tensor.DType.FLOAT32 || t.shape().size() != 1) {
                    return null;
                }
                float v = t.segment().getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, 0);
                if (i == 1) {
                    lo = v;
                } else {
                    hi = v;
                }
            }
        }
        return Float.isNaN(lo) || Float.isNaN(hi) ? null : new float[] {lo, hi};
    }
}
