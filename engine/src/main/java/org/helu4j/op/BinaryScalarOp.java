package org.helu4j.op;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.kernel.Broadcast;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * Broadcasting binary ops that run as a plain scalar loop: comparisons (Equal, Less, LessOrEqual, Greater,
 * GreaterOrEqual) and logic (And, Or, Xor), whose bool results are stored as int64 0/1 like every bool in the
 * engine, and Mod. These build masks and shape arithmetic, not hot paths; int64 results fold during inference.
 */
final class BinaryScalarOp extends Op {
    enum Kind {
        EQUAL, LESS, LESS_OR_EQUAL, GREATER, GREATER_OR_EQUAL, AND, OR, XOR, MOD
    }

    private final Kind kind;
    private final boolean fmod;
    /** The last broadcast plan, reused while the shapes repeat (see BinaryOp). */
    private volatile Broadcast plan;

    BinaryScalarOp(Node node, Kind kind) {
        super(node);
        this.kind = kind;
        if (node.inputs().size() != 2 || !node.hasInput(0) || !node.hasInput(1)) {
            throw new IllegalArgumentException("needs exactly 2 inputs, got " + node.inputs().size());
        }
        long f = node.attributes().getInt("fmod", 0);
        if (f != 0 && f != 1) {
            throw new IllegalArgumentException("fmod must be 0 or 1, not " + f);
        }
        this.fmod = f == 1;
    }

    @Override
    public void infer(InferContext ctx) {
        DType t = ctx.type(0);
        if (ctx.type(1) != t) {
            throw new IllegalArgumentException("input types differ: " + t + " and " + ctx.type(1));
        }
        if (kind == Kind.MOD && t == DType.FLOAT32 && !fmod) {
            throw new IllegalArgumentException("Mod on floats needs fmod = 1");
        }
        if ((kind == Kind.AND || kind == Kind.OR || kind == Kind.XOR) && t != DType.INT64) {
            throw new IllegalArgumentException(node.opType() + " takes bool inputs, not " + t);
        }
        Shape out = Broadcast.shape(ctx.shape(0), ctx.shape(1));
        ShapeOps.declare(this, ctx, kind == Kind.MOD ? t : DType.INT64, out);
    }

    @Override
    public void run(Tensor[] in, Tensor[] out) {
        Tensor y = out[0];
        if (y.size() == 0) {
            return;
        }
        MemorySegment a = in[0].segment();
        MemorySegment b = in[1].segment();
        MemorySegment ys = y.segment();
        boolean floats = in[0].type() == DType.FLOAT32;
        Broadcast plan = this.plan;
        if (plan == null || !plan.matches(y.shape(), in[0].shape(), in[1].shape())) {
            plan = Broadcast.plan(y.shape(), in[0].shape(), in[1].shape());
            this.plan = plan;
        }
        long n = plan.inner;
        for (long r = 0; r < plan.rows; r++) {
            long ao = plan.a(r);
            long bo = plan.b(r);
            long oo = r * n;
            for (long i = 0; i < n; i++) {
                long ia = ao + i * plan.aStep;
                long ib = bo + i * plan.bStep;
                if (floats) {
                    float u = a.getAtIndex(ValueLayout.JAVA_FLOAT, ia);
                    float v = b.getAtIndex(ValueLayout.JAVA_FLOAT, ib);
                    if (kind == Kind.MOD) {
                        ys.setAtIndex(ValueLayout.JAVA_FLOAT, oo + i, u % v);  // C fmod: sign of the dividend
                    } else {
                        ys.setAtIndex(ValueLayout.JAVA_LONG, oo + i, compare(u, v) ? 1 : 0);
                    }
                } else {
                    long u = a.getAtIndex(ValueLayout.JAVA_LONG, ia);
                    long v = b.getAtIndex(ValueLayout.JAVA_LONG, ib);
                    ys.setAtIndex(ValueLayout.JAVA_LONG, oo + i, longs(u, v));
                }
            }
        }
    }

    private boolean compare(float u, float v) {
        return switch (kind) {
            case EQUAL -> u == v;
            case LESS -> u < v;
            case LESS_OR_EQUAL -> u <= v;
            case GREATER -> u > v;
            case GREATER_OR_EQUAL -> u >= v;
            default -> throw new IllegalStateException(kind + " on floats");
        };
    }

    private long longs(long u, long v) {
        return switch (kind) {
            case EQUAL -> u == v ? 1 : 0;
            case LESS -> u < v ? 1 : 0;
            case LESS_OR_EQUAL -> u <= v ? 1 : 0;
            case GREATER -> u > v ? 1 : 0;
            case GREATER_OR_EQUAL -> u >= v ? 1 : 0;
            case AND -> (u != 0 && v != 0) ? 1 : 0;
            case OR -> (u != 0 || v != 0) ? 1 : 0;
            case XOR -> ((u != 0) != (v != 0)) ? 1 : 0;
            case MOD -> fmod ? u % v : Math.floorMod(u, v);  // fmod = 0: the divisor's sign, as Python's %
        };
    }
}
