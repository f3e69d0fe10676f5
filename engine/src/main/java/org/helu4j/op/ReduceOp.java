package org.helu4j.op;

import java.util.ArrayList;
import java.util.List;
import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.kernel.Reduce;
import org.helu4j.kernel.ref.ReduceRef;
import org.helu4j.kernel.ref.ReduceRef.Kind;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * The Reduce* family over float32. Axes are an attribute, except for ReduceSum from opset 13, where they are an
 * optional input (and {@code noop_with_empty_axes} applies); no axes means all axes. For ReduceMean, ReduceSum
 * and ReduceMax, when the reduced axes form one block (after dropping unit axes), the input is viewed as
 * [outer, red, inner] and the vector kernel runs. Other axis sets, and ReduceMin, ReduceProd, ReduceL1, ReduceL2,
 * ReduceSumSquare, ReduceLogSum and ReduceLogSumExp, take the scalar general path.
 */
final class ReduceOp extends Op {
    private final Kind kind;
    private final boolean keepDims;
    private final boolean noopWithEmptyAxes;
    private final long[] axesAttr;
    private final boolean axesFromInput;

    /** The reductions, registered with the shape family (see ShapeOps). */
    static final String[] TYPES = {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1",
        "ReduceL2", "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp"};

    /** The reduction {@code node} asks for, or null when its op is not a reduction. */
    static ReduceOp create(Node node) {
        Kind kind = switch (node.opType()) {
            case "ReduceMean" -> Kind.MEAN;
            case "ReduceSum" -> Kind.SUM;
            case "ReduceMax" -> Kind.MAX;
            case "ReduceMin" -> Kind.MIN;
            case "ReduceProd" -> Kind.PROD;
            case "ReduceL1" -> Kind.L1;
            case "ReduceL2" -> Kind.L2;
            case "ReduceSumSquare" -> Kind.SUM_SQUARE;
            case "ReduceLogSum" -> Kind.LOG_SUM;
            case "ReduceLogSumExp" -> Kind.LOG_SUM_EXP;
            default -> null;
        };
        return kind == null ? null : new ReduceOp(node, kind);
    }

    ReduceOp(Node node, Kind kind) {
        super(node);
        this.kind = kind;
        keepDims = node.attributes().getInt("keepdims", 1) != 0;
        axesFromInput = kind == Kind.SUM && node.opset() >= 13;
        noopWithEmptyAxes = axesFromInput && node.attributes().getInt("noop_with_empty_axes", 0) != 0;
        axesAttr = axesFromInput ? null : node.attributes().getInts("axes");
    }

    /** Which axes are reduced, or null for none at all (the no-op case). */
    private boolean[] reduced(Shape in, long[] axes) {
        boolean[] r = new boolean[in.rank()];
        if (axes == null || axes.length == 0) {
            if (noopWithEmptyAxes) {
                return null;
            }
            java.util.Arrays.fill(r, true);
            return r;
        }
        for (int a : ShapeOps.axes(axes, in.rank())) {
            r[a] = true;
        }
        return r;
    }

    private long[] axes(Tensor axesInput) {
        return axesFromInput ? (axesInput == null ? null : axesInput.toLongArray()) : axesAttr;
    }

    @Override
    public void infer(InferContext ctx) {
        Shape in = ctx.shape(0);
        DType type = ctx.type(0);
        boolean intKind = kind == Kind.SUM || kind == Kind.MEAN || kind == Kind.MAX || kind == Kind.MIN
                || kind == Kind.PROD;
        if (type != DType.FLOAT32 && !(type == DType.INT64 && intKind)) {
            throw new IllegalArgumentException(node.opType() + " supports float32 only, not " + type);
        }
        boolean[] red = reduced(in, axes(axesFromInput && ctx.has(1) ? ctx.value(1) : null));
        // int64 reductions are shape arithmetic (the product of a shape, say): small ones fold at load time
        ShapeOps.declare(this, ctx, type, red == null ? in : outputShape(in, red));
    }

    private Shape outputShape(Shape in, boolean[] red) {
        List<Long> dims = new ArrayList<>();
        for (int k = 0; k < in.rank(); k++) {
            if (!red[k]) {
                dims.add((long) in.dim(k));
            } else if (keepDims) {
                dims.add(1L);
            }
        }
        return Shape.of(dims.stream().mapToLong(Long::longValue).toArray());
    }

    /**
     * One input shape and axes, resolved: a copy (no-op), the scalar general path over {@code reduced}, or the
     * [outer, count, inner] block kernel.
     */
    private record Plan(Shape shape, long[] axesIn, boolean copy, boolean[] reduced, int outer, int count, int inner) {
    }

    private volatile Plan last; // the plan of the last run: the same shape and axes run again without allocating

    @Override
    public void run(Tensor[] in, Tensor[] out) {
        Tensor axesT = axesFromInput && in.length > 1 ? in[1] : null;
        Plan p = last;
        if (p == null || !p.shape.equals(in[0].shape()) || !Strided.same(axesT, p.axesIn)) {
            p = plan(in[0].shape(), axesT == null ? null : axesT.toLongArray());
            last = p;
        }
        if (p.copy) {
            Strided.copyAll(in[0], out[0]);
            return;
        }
        if (out[0].size() == 0) {
            return; // a kept axis is empty
        }
        if (in[0].type() == DType.INT64) {
            reduceLongs(out[0].segment(), in[0].segment(), p.shape.dims(), p.reduced != null ? p.reduced
                    : reduced(p.shape, axesFromInput ? p.axesIn : axesAttr), kind);
            return;
        }
        if (p.reduced != null) {
            ReduceRef.general(out[0].segment(), in[0].segment(), p.shape.dims(), p.reduced, kind);
            return;
        }
        switch (kind) {
            case SUM -> Reduce.sum(out[0].segment(), in[0].segment(), p.outer, p.count, p.inner);
            case MEAN -> Reduce.mean(out[0].segment(), in[0].segment(), p.outer, p.count, p.inner);
            case MAX -> Reduce.max(out[0].segment(), in[0].segment(), p.outer, p.count, p.inner);
            default -> throw new IllegalStateException(kind + " has no block kernel");
        }
    }

    private Plan plan(Shape s, long[] axesIn) {
        boolean[] red = reduced(s, axesFromInput ? axesIn : axesAttr);
        if (red == null) {
            return new Plan(s, axesIn, true, null, 0, 0, 0);
        }
        // Collapse to groups of kept/reduced axes, ignoring unit axes: [K] [R] [K] runs the vector kernel.
        long[] groups = new long[s.rank()];
        boolean[] groupReduced = new boolean[s.rank()];
        int g = 0;
        for (int k = 0; k < s.rank(); k++) {
            if (s.dim(k) == 1) {
                continue;
            }
            if (g > 0 && groupReduced[g - 1] == red[k]) {
                groups[g - 1] *= s.dim(k);
            } else {
                groups[g] = s.dim(k);
                groupReduced[g] = red[k];
                g++;
            }
        }
        int reducedGroups = 0;
        for (int i = 0; i < g; i++) {
            reducedGroups += groupReduced[i] ? 1 : 0;
        }
        if (reducedGroups > 1 || !(kind == Kind.SUM || kind == Kind.MEAN || kind == Kind.MAX)) {
            return new Plan(s, axesIn, false, red, 0, 0, 0);
        }
        // [outer, count, inner]; when only unit axes are reduced, count stays 1 and the kernel copies
        long outer = 1;
        long count = 1;
        long inner = 1;
        boolean seen = false;
        for (int i = 0; i < g; i++) {
            if (groupReduced[i]) {
                count = groups[i];
                seen = true;
            } else if (seen) {
                inner *= groups[i];
            } else {
                outer *= groups[i];
            }
        }
        return new Plan(s, axesIn, false, null, (int) outer, (int) count, (int) inner);
    }

    /** The int64 reductions, in exact integer arithmetic (mean truncates toward zero, as integer division does). */
    private static void reduceLongs(java.lang.foreign.MemorySegment out, java.lang.foreign.MemorySegment in,
            int[] dims, boolean[] reduced, Kind kind) {
        int rank = dims.length;
        long[] outStride = new long[rank];
        long outSize = 1;
        long count = 1;
        long n = 1;
        for (int k = rank - 1; k >= 0; k--) {
            n *= dims[k];
            if (reduced[k]) {
                count *= dims[k];
            } else {
                outStride[k] = outSize;
                outSize *= dims[k];
            }
        }
        long[] acc = new long[(int) outSize];
        java.util.Arrays.fill(acc, switch (kind) {
            case MAX -> Long.MIN_VALUE;
            case MIN -> Long.MAX_VALUE;
            case PROD -> 1;
            default -> 0;
        });
        int[] idx = new int[rank];
        int o = 0;
        for (long e = 0; e < n; e++) {
            long v = in.getAtIndex(java.lang.foreign.ValueLayout.JAVA_LONG, e);
            acc[o] = switch (kind) {
                case MAX -> Math.max(acc[o], v);
                case MIN -> Math.min(acc[o], v);
                case PROD -> acc[o] * v;
                default -> acc[o] + v;
            };
            for (int k = rank - 1; k >= 0; k--) {
                o += (int) outStride[k];
                if (++idx[k] < dims[k]) {
                    break;
                }
                o -= (int) (outStride[k] * dims[k]);
                idx[k] = 0;
            }
        }
        for (int i = 0; i < outSize; i++) {
            out.setAtIndex(java.lang.foreign.ValueLayout.JAVA_LONG, i, kind == Kind.MEAN && count > 0 ? acc[i] / count : acc[i]);
        }
    }
}
