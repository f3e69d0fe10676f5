package org.helu4j.graph.passes;

import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.helu4j.graph.Attributes;
import org.helu4j.graph.Graph;
import org.helu4j.graph.Node;
import org.helu4j.op.Op;

/**
 * Folds a 2-D MaxPool without padding (fashion-cnn's 2×2/2 after each conv pair) into the Conv that feeds it: the
 * conv's output grid is pooled while it is compacted, so the full-resolution activation is never written out and
 * the pool op disappears. It runs after {@link FuseActivation}, so the pool applies to the activated values, as in
 * the graph. Only a Conv whose output feeds nothing but this MaxPool qualifies (not a graph output, so an observer
 * of the activation, such as dead-unit counting, keeps it), without a fused residual, and only a pool with a
 * single output, no padding, no dilation and ceil_mode 0.
 */
public final class FusePool implements GraphPass {
    @Override
    public Graph apply(Graph graph, Arena arena) throws org.helu4j.ModelFormatException {
        Uses uses = new Uses(graph);
        Map<Node, Node> fused = Uses.nodeMap();
        Set<Node> removed = Uses.nodeSet();
        for (Node pool : graph.nodes()) {
            long[] window = plainWindow(pool);
            if (window == null) {
                continue;
            }
            Node conv = uses.producer(pool.input(0));
            if (conv == null || !conv.opType().equals("Conv") || !conv.domain().isEmpty()
                    || conv.attributes().has(Op.FUSED_RESIDUAL) || conv.attributes().has(Op.FUSED_POOL)
                    || fused.containsKey(conv) || conv.outputs().size() != 1
                    || !uses.onlyFeedsOneNode(pool.input(0))) {
                continue;
            }
            Map<String, Object> attrs = new LinkedHashMap<>(conv.attributes().asMap());
            attrs.put(Op.FUSED_POOL, window);
            fused.put(conv, new Node(conv.name(), conv.opType(), conv.domain(), conv.opset(), conv.inputs(),
                    pool.outputs(), new Attributes(attrs)));
            removed.add(pool);
        }
        return Uses.rewrite(graph, fused, removed, graph.initializers());
    }

    /** {kH, kW, sH, sW} of a 2-D MaxPool this pass can fold, or null. */
    private static long[] plainWindow(Node pool) {
        Attributes a = pool.attributes();
        if (!pool.opType().equals("MaxPool") || !pool.domain().isEmpty() || pool.inputs().size() != 1
                || pool.outputs().size() != 1) {
            return null;
        }
        String autoPad = a.getString("auto_pad", "NOTSET");
        long[] k = a.getInts("kernel_shape");
        long[] s = a.getInts("strides");
        if (!(autoPad.equals("NOTSET") || autoPad.equals("VALID")) || k == null || k.length != 2
                || a.getInt("ceil_mode", 0) != 0 || !allEqual(a.getInts("pads"), 0)
                || !allEqual(a.getInts("dilations"), 1) || s != null && s.length != 2) {
            return null;
        }
        long sh = s == null ? 1 : s[0], sw = s == null ? 1 : s[1];
        if (k[0] < 1 || k[1] < 1 || sh < 1 || sw < 1 || k[0] > 64 || k[1] > 64 || sh > 64 || sw > 64) {
            return null;
        }
        return new long[] {k[0], k[1], sh, sw};
    }

    private static boolean allEqual(long[] values, long v) {
        if (values != null) {
            for (long x : values) {
                if (x != v) {
                    return false;
                }
            }
        }
        return true;
    }
}
