package org.helu4j.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.helu4j.ModelFormatException;
import org.helu4j.graph.Graph;
import org.helu4j.graph.Node;
import org.helu4j.graph.ValueInfo;
import org.helu4j.runtime.Plan;
import org.helu4j.tensor.Shape;

/**
 * Multiply-accumulates per inference at batch 1, from shapes inferred by compiling the graph with every symbolic
 * input dimension set to 1. Counts Conv, Gemm and MatMul (FLOPs = 2 × MACs); the elementwise ops, pools and
 * normalizations are a few percent at most in these networks and are not counted.
 */
final class Flops {
    /** MACs per op type, and the total. */
    record Count(Map<String, Long> macsByOp, long macs, Plan batchOnePlan) {
        long flops() {
            return 2 * macs;
        }
    }

    private Flops() {
    }

    static Count of(Graph graph) throws ModelFormatException {
        Plan plan = Plan.compile(batchOne(graph));
        Map<String, Long> byOp = new LinkedHashMap<>();
        long total = 0;
        for (Node n : graph.nodes()) {
            long macs = macs(n, plan);
            if (macs > 0) {
                byOp.merge(n.opType(), macs, Long::sum);
                total += macs;
            }
        }
        return new Count(byOp, total, plan);
    }

    /** The same graph with symbolic input dimensions (the batch) fixed to 1. */
    static Graph batchOne(Graph graph) throws ModelFormatException {
        List<ValueInfo> inputs = new ArrayList<>();
        for (ValueInfo v : graph.inputs()) {
            long[] d = v.dims();
            if (d != null) {
                for (int i = 0; i < d.length; i++) {
                    d[i] = d[i] < 0 ? 1 : d[i];
                }
            }
            inputs.add(new ValueInfo(v.name(), v.type(), d, v.dimNames()));
        }
        return Graph.of(inputs, graph.outputs(), graph.initializers(), graph.nodes(), graph.metadata());
    }

    static long macs(Node n, Plan plan) {
        Shape out = plan.staticShape(n.outputs().get(0));
        if (out == null) {
            return 0;
        }
        switch (n.opType()) {
            case "Conv" -> {
                Shape w = plan.staticShape(n.input(1));
                return w == null ? 0 : out.size() * w.size(1, w.rank()); // each output: C/group × kernel MACs
            }
            case "Gemm" -> {
                Shape b = plan.staticShape(n.input(1));
                if (b == null || b.rank() != 2) {
                    return 0;
                }
                long k = n.attributes().getInt("transB", 0) != 0 ? b.dim(1) : b.dim(0);
                return out.size() * k;
            }
            case "MatMul" -> {
                Shape a = plan.staticShape(n.input(0));
                return a == null || a.rank() == 0 ? 0 : out.size() * a.dim(a.rank() - 1);
            }
            default -> {
                return 0;
            }
        }
    }
}
