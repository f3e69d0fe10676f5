package org.helu4j.op;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.tensor.DType;

/**
 * Cast (and CastLike, whose target is the type of its second input) between the engine's two storage types. The ONNX target type still matters: double is stored as float32,
 * and every integer type and bool is stored as int64, wrapped to the target's range (bool becomes 0 or 1), so a
 * Cast to int32 or uint8 gives the values those types would hold. Float to integer truncates toward zero.
 */
final class CastOp extends Op {
    private static final int FLOAT = 1, UINT8 = 2, INT8 = 3, UINT16 = 4, INT16 = 5, INT32 = 6, INT64 = 7,
            BOOL = 9, DOUBLE = 11, UINT32 = 12, UINT64 = 13;

    private final int to;
    private final DType type;

    CastOp(Node node) {
        super(node);
        if (node.opType().equals("CastLike")) {
            to = 0; // the type of input 1, known at inference
            type = null;
            return;
        }
        if (!node.attributes().has("to")) {
            throw new IllegalArgumentException("attribute 'to' is required");
        }
        to = (int) node.attributes().getInt("to", 0);
        type = switch (to) {
            case FLOAT, DOUBLE -> DType.FLOAT32;
            case UINT8, INT8, UINT16, INT16, INT32, INT64, BOOL, UINT32, UINT64 -> DType.INT64;
            default -> throw new IllegalArgumentException("Cast to ONNX data type " + to + " is not supported");
        };
    }

    @Override
    public void infer(InferContext ctx) {
        ShapeOps.declare(this, ctx, type != null ? type : ctx.type(1), ctx.shape(0));
    }

    @Override
    public void run(Tensor[] in, Tensor[] out) {
        MemorySegment src = in[0].segment();
        MemorySegment dst = out[0].segment();
        long n = in[0].size();
        boolean fromFloat = in[0].type() == DType.FLOAT32;
        if (out[0].type() == DType.FLOAT32) {
            if (fromFloat) {
                Strided.copyAll(in[0], out[0]);
            } else {
                for (long i = 0; i < n; i++) {
                    dst.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) src.getAtIndex(ValueLayout.JAVA_LONG, i));
                }
            }
        } else if (fromFloat) {
            for (long i = 0; i < n; i++) {
                float f = src.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                dst.setAtIndex(ValueLayout.JAVA_LONG, i, to == BOOL ? (f != 0 ? 1 : 0) : wrap((long) f));
            }
        } else {
            for (long i = 0; i < n; i++) {
                dst.setAtIndex(ValueLayout.JAVA_LONG, i, wrap(src.getAtIndex(ValueLayout.JAVA_LONG, i)));
            }
        }
    }

    /** An integer in the target type's range, as that type would hold it. */
    private long wrap(long v) {
        return switch (to) {
            case BOOL -> v != 0 ? 1 : 0;
            case UINT8 -> v & 0xFF;
            case INT8 -> (byte) v;
            case UINT16 -> v & 0xFFFF;
            case INT16 -> (short) v;
            case INT32 -> (int) v;
            case UINT32 -> v & 0xFFFFFFFFL;
            default -> v;
        };
    }
}
