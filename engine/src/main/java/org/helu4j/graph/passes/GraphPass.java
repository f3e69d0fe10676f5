package org.helu4j.graph.passes;

import java.lang.foreign.Arena;
import org.helu4j.ModelFormatException;
import org.helu4j.graph.Graph;

/**
 * One rewrite of the IR before compilation. A pass never changes what the graph computes, only how.
 *
 * <p>Passes run in every load, often in a JVM that has run nothing yet, so they use plain loops and identity
 * maps of nodes ({@link Uses#nodeMap}): a stream, a lambda or a record's {@code hashCode} each generate classes
 * on first use, milliseconds apiece before the first result.
 */
public interface GraphPass {
    /** Returns the rewritten graph (or {@code graph} itself when nothing applies); new constants go in {@code arena}. */
    Graph apply(Graph graph, Arena arena) throws ModelFormatException;
}
