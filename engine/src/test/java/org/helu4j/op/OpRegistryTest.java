package org.helu4j.op;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import java.util.Map;
import org.helu4j.ModelFormatException;
import org.helu4j.graph.Attributes;
import org.helu4j.graph.Node;
import org.junit.jupiter.api.Test;

/** The registry's op list and the families' factories agree: every listed type compiles to its own op. */
class OpRegistryTest {
    @Test
    void everyListedTypeHasAFactory() {
        assertEquals(125, OpRegistry.supported().size(), "the op list changed: update this count with intent");
        for (String type : OpRegistry.supported()) {
            Node n = new Node("n", type, "", 13, List.of("x"), List.of("y"), new Attributes(Map.of()));
            try {
                Op op = OpRegistry.create(n); // a family without a case for the type throws an AssertionError
                assertSame(n, op.node(), type);
            } catch (ModelFormatException e) {
                // The minimal node is malformed for this op (a missing attribute or input): the factory was found.
            }
        }
    }
}
