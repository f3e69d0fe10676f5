package org.helu4j.op;

import java.util.Map;

/** Operator family registration (see OpRegistry). */
final class ElementwiseOps {
    private ElementwiseOps() {
    }

    static void register(Map<String, OpFactory> m) {
    }
}
