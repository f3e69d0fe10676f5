package org.helu4j.op;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.tensor.DType;

/** IsNaN and IsInf (with detect_negative / detect_positive): float32 in, bool (int64 0/1) out; a scalar loop. */
final class UnaryPredicateOp extends Op {
    private final boolean nan;
    private final boolean negInf;
    private final boolean posInf;

    UnaryPredicateOp(Node node, boolean nan) {
        super(node);
        this.nan = nan;
        this.negInf = !nan && node.attributes().getInt("detect_negative", 1) != 0;
        this.posInf = !nan && node.attributes().getInt("detect_positive", 1) != 0;
    }

    @Override
    public void infer(InferContext ctx) {
        if (ctx.type(0) != DType.FLOAT32) {
            throw new IllegalArgumentException(node.opType() + " supports float32 only, not " + ctx.type(0));
        }
        ctx.output(0, DType.INT64, ctx.shape(0));
    }

    @Override
    public void run(Tensor[] in, Tensor[] out) {
        MemorySegment x = in[0].segment();
        MemorySegment y = out[0].segment();
        for (long i = 0, n = in[0].size(); i < n; i++) {
            float v = x.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            boolean hit = nan ? Float.isNaN(v)
                    : (posInf && v == Float.POSITIVE_INFINITY) || (negInf && v == Float.NEGATIVE_INFINITY);
            y.setAtIndex(ValueLayout.JAVA_LONG, i, hit ? 1 : 0);
        }
    }
}
