package org.helu4j.op;

import java.util.Map;

/** The linear algebra family: Gemm, MatMul and BatchNormalization (inference). */
final class LinearOps {
    private LinearOps() {
    }

    static void register(Map<String, OpFactory> m) {
        m.put("Gemm", GemmOp::new);
        m.put("MatMul", MatMulOp::new);
        m.put("BatchNormalization", BatchNormOp::new);
    }
}
