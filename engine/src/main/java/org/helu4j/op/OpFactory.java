package org.helu4j.op;

import org.helu4j.ModelFormatException;
import org.helu4j.graph.Node;

/** Compiles one node into an {@link Op}, reading and checking its attributes. */
@FunctionalInterface
public interface OpFactory {
    Op create(Node node) throws ModelFormatException;
}
