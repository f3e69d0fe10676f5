package org.helu4j.graph.passes;

import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.helu4j.ModelFormatException;
import org.helu4j.Tensor;
import org.helu4j.graph.Graph;
import org.helu4j.graph.Node;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * Folds an inference BatchNormalization into the Conv that feeds it: with {@code s = scale / sqrt(var + eps)},
 * the conv's weights become {@code W * s} (per output channel) and its bias {@code (b - mean) * s + beta}. The
 * BN node and its pass over memory disappear. Applies only when every parameter is a constant and the conv's
 * output feeds nothing else. The arithmetic is done in double, so the folded model rounds once.
 */
public final class FoldBatchNorm implements GraphPass {
    @Override
    public Graph apply(Graph graph, Arena arena) throws ModelFormatException {
        Uses uses = new Uses(graph);
        Map<String, Tensor> init = graph.initializers();
        Map<String, Tensor> initializers = new LinkedHashMap<>(init);
        Map<Node, Node> replaced = Uses.nodeMap();
        Set<Node> removed = Uses.nodeSet();
        for (Node bn : graph.nodes()) {
            if (!bn.opType().equals("BatchNormalization") || !bn.domain().isEmpty()
                    || hasTrainingOutputs(bn)
                    || bn.attributes().getInt("spatial", 1) != 1 || bn.attributes().getInt("training_mode", 0) != 0) {
                continue;
            }
            Node conv = uses.producer(bn.input(0));
            if (conv == null || !conv.opType().equals("Conv") || !conv.domain().isEmpty() || replaced.containsKey(conv)
                    || !uses.onlyFeedsOneNode(bn.input(0)) || conv.attributes().has(FuseActivation.ATTRIBUTE)) {
                continue;
            }
            Tensor w = init.get(conv.input(1));
            Tensor b = conv.hasInput(2) ? init.get(conv.input(2)) : null;
            Tensor scale = init.get(bn.input(1));
            Tensor beta = init.get(bn.input(2));
            Tensor mean = init.get(bn.input(3));
            Tensor var = init.get(bn.input(4));
            if (w == null || w.type() != DType.FLOAT32 || w.shape().rank() < 3 || (conv.hasInput(2) && b == null)
                    || scale == null || beta == null || mean == null || var == null) {
                continue;
            }
            int m = w.shape().dim(0);
            if (!isVector(scale, m) || !isVector(beta, m) || !isVector(mean, m) || !isVector(var, m)
                    || (b != null && !isVector(b, m))) {
                continue;
            }
            double eps = bn.attributes().getFloat("epsilon", 1e-5f);
            long per = w.size() / m;
            Tensor w2 = Tensor.allocate(arena, DType.FLOAT32, w.shape());
            Tensor b2 = Tensor.allocate(arena, DType.FLOAT32, Shape.of(m));
            for (int c = 0; c < m; c++) {
                double s = scale.getFloat(c) / Math.sqrt((double) var.getFloat(c) + eps);
                for (long j = 0; j < per; j++) {
                    long i = c * per + j;
                    w2.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, (float) (w.getFloat(i) * s));
                }
                double bias = b == null ? 0 : b.getFloat(c);
                b2.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, c,
                        (float) ((bias - mean.getFloat(c)) * s + beta.getFloat(c)));
            }
            String wName = unique(initializers, conv.name() + ".folded_weight");
            String bName = unique(initializers, conv.name() + ".folded_bias");
            initializers.put(wName, w2);
            initializers.put(bName, b2);
            List<String> inputs = List.of(conv.input(0), wName, bName);
            replaced.put(conv, new Node(conv.name(), conv.opType(), conv.domain(), conv.opset(), inputs,
                    List.of(bn.outputs().get(0)), conv.attributes()));
            removed.add(bn);
        }
        // The original weights may now be unused; EliminateDeadNodes drops them.
        return Uses.rewrite(graph, replaced, removed, initializers);
    }

    /** True if the node names any output after the first (running mean and variance: training mode). */
    private static boolean hasTrainingOutputs(Node bn) {
        for (int i = 1; i < bn.outputs().size(); i++) {
            if (!bn.outputs().get(i).isEmpty()) {
                return true;
            }
        }
        return false;
    }

    private static boolean isVector(Tensor t, int m) {
        return t.type() == DType.FLOAT32 && t.size() == m && t.shape().rank() == 1;
    }

    private static String unique(Map<String, Tensor> taken, String base) {
        String name = base;
        for (int i = 1; taken.containsKey(name); i++) {
            name = base + "_" + i;
        }
        return name;
    }
}
