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
            new FuseResidual(),
            new FuseGelu(),
            new FuseActivation(),
            new FusePool(),
            new EliminateDeadNodes());

    private Optimizer() {
    }

    /**
     * Runs the passes. A pass that meets a malformed node (an attribute of the wrong type, a constant of the wrong
     * size) fails with the ModelFormatException that compiling the node would have given, never with a runtime
     * exception out of {@code Model.load}.
     */
    public static Graph optimize(Graph graph, Arena arena) throws ModelFormatException {
        for (GraphPass pass : PASSES) {
            try {
                graph = pass.apply(graph, arena);
            } catch (IllegalArgumentException | IllegalStateException | IndexOutOfBoundsException
                    | ArithmeticException e) {
                throw new ModelFormatException("inconsistent model: " + e.getMessage(), e);
            }
        }
        return graph;
    }
}
