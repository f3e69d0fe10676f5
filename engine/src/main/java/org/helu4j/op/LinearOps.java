package org.helu4j.op;

import java.util.Map;

/** Operator family registration (see OpRegistry). */
final class LinearOps {
    private LinearOps() {
    }

    static void register(Map<String, OpFactory> m) {
    }
}
