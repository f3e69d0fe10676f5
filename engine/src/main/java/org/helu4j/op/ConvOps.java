package org.helu4j.op;

import java.util.Map;

/** Operator family registration (see OpRegistry): convolution and pooling. */
final class ConvOps {
    private ConvOps() {
    }

    static void register(Map<String, OpFactory> m) {
        m.put("Conv", ConvOp::new);
        m.put("MaxPool", n -> new PoolOp(n, true));
        m.put("AveragePool", n -> new PoolOp(n, false));
        m.put("GlobalAveragePool", n -> new PoolGlobalOp(n, false));
        m.put("GlobalMaxPool", n -> new PoolGlobalOp(n, true));
    }
}
