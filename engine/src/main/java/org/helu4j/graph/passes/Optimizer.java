package org.helu4j.graph.passes;

import java.lang.foreign.Arena;
import java.util.List;
import org.helu4j.ModelFormatException;
import org.helu4j.graph.Graph;

/** The passes run between import and compilation, in order. */
public final class Optimizer {
    private static final List<GraphPass> PASSES = List.of(
            new EliminateIdentities(),
            new FoldBatchNorm(),
            new FuseActivation(),
            new FuseGelu(),
            new EliminateDeadNodes());

    private Optimizer() {
    }

    public static Graph optimize(Graph graph, Arena arena) throws ModelFormatException {
        for (GraphPass pass : PASSES) {
            graph = pass.apply(graph, arena);
        }
        return graph;
    }
}
