package org.helu4j.graph.passes;

import java.lang.foreign.Arena;
import org.helu4j.ModelFormatException;
import org.helu4j.graph.Graph;

/** One rewrite of the IR before compilation. A pass never changes what the graph computes, only how. */
public interface GraphPass {
    /** Returns the rewritten graph (or {@code graph} itself when nothing applies); new constants go in {@code arena}. */
    Graph apply(Graph graph, Arena arena) throws ModelFormatException;
}
