package org.helu4j.op;

import java.util.Map;
import org.helu4j.Tensor;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * Operator family registration (see OpRegistry): shape and tensor-manipulation operators, plus the small helper
 * that lets them compute shape arithmetic during inference, so that PyTorch's Shape → Gather → Unsqueeze →
 * Concat → Reshape chains fold into constants at load time.
 */
final class ShapeOps {
    /** Outputs up to this many elements are computed during inference when their inputs are known. */
    static final long FOLD_LIMIT = 1024;

    private ShapeOps() {
    }

    static void register(Map<String, OpFactory> m) {
        m.put("Reshape", ReshapeOps.Reshape::new);
        m.put("Flatten", ReshapeOps.Flatten::new);
        m.put("Squeeze", ReshapeOps.Squeeze::new);
        m.put("Unsqueeze", ReshapeOps.Unsqueeze::new);
        m.put("Identity", ReshapeOps.Identity::new);
        m.put("Dropout", ReshapeOps.Dropout::new);
        m.put("Transpose", TransposeOp::new);
        m.put("Concat", ConcatSplitOps.Concat::new);
        m.put("Split", ConcatSplitOps.Split::new);
        m.put("Gather", GatherOp::new);
        m.put("Slice", SliceOp::new);
        m.put("Pad", PadOp::new);
        m.put("Shape", ConstantOps.ShapeOf::new);
        m.put("Constant", ConstantOps.Constant::new);
        m.put("ConstantOfShape", ConstantOps.ConstantOfShape::new);
        m.put("Range", ConstantOps.Range::new);
        m.put("Cast", CastOp::new);
        m.put("CastLike", CastOp::new);
        m.put("Expand", ExpandTileOps.Expand::new);
        m.put("Tile", ExpandTileOps.Tile::new);
        m.put("Size", ConstantOps.SizeOf::new);
        m.put("ArgMax", n -> new ArgExtremeOp(n, true));
        m.put("ArgMin", n -> new ArgExtremeOp(n, false));
        m.put("Hardmax", ArgExtremeOp.Hardmax::new);
        m.put("GatherElements", GatherElementsOp::new);
        m.put("DepthToSpace", DepthSpaceOps.DepthToSpace::new);
        m.put("SpaceToDepth", DepthSpaceOps.SpaceToDepth::new);
        m.put("Trilu", TriluOp::new);
        m.put("Resize", ResizeOp::new);
        m.put("GatherND", ScatterOps.GatherND::new);
        m.put("ScatterElements", ScatterOps.ScatterElements::new);
        m.put("Scatter", ScatterOps.ScatterElements::new);
        m.put("ScatterND", ScatterOps.ScatterND::new);
        m.put("EyeLike", GeneratorOps.EyeLike::new);
        m.put("OneHot", GeneratorOps.OneHot::new);
        m.put("CumSum", ScanOps.CumSum::new);
        m.put("ReverseSequence", ScanOps.ReverseSequence::new);
        m.put("Compress", SelectOps.Compress::new);
        m.put("NonZero", SelectOps.NonZero::new);
        m.put("TopK", SelectOps.TopK::new);
        m.put("Unique", UniqueOp::new);
        m.put("Upsample", ResizeOp::new);
        ReduceOp.register(m);
    }

    /**
     * Declares the outputs of {@code op}. When every output is small and every given input is known and int64,
     * computes them now (by running the op on heap tensors) and declares their values, so that the runtime can
     * skip the node and the load-time pass can fold it. Float inputs are model data (ArgMax of logits, say),
     * except in a Cast to an integer type, where they are shape arithmetic (PyTorch's floor(size * scale)):
     * folding model data would read kernel output during inference, which makes the executor re-infer the whole
     * plan on every run.
     */
    static void declare(Op op, InferContext ctx, DType[] types, Shape[] shapes) {
        boolean fold = true;
        boolean intOutputs = true;
        for (int j = 0; j < types.length && fold; j++) {
            fold = types[j] == null || shapes[j].size() <= FOLD_LIMIT;
            intOutputs &= types[j] == null || types[j] == DType.INT64;
        }
        for (int i = 0; i < ctx.inputCount() && fold; i++) {
            fold = !ctx.has(i) || (ctx.isKnown(i) && (ctx.type(i) == DType.INT64 || (op instanceof CastOp && intOutputs)));
        }
        if (!fold) {
            for (int j = 0; j < types.length; j++) {
                if (types[j] != null) {
                    ctx.output(j, types[j], shapes[j]);
                }
            }
            return;
        }
        Tensor[] in = new Tensor[ctx.inputCount()];
        for (int i = 0; i < in.length; i++) {
            in[i] = ctx.has(i) ? ctx.value(i) : null;
        }
        Tensor[] out = new Tensor[types.length];
        for (int j = 0; j < out.length; j++) {
            if (types[j] != null) {
                int n = (int) shapes[j].size();
                out[j] = types[j] == DType.INT64 ? Tensor.ofLongs(new long[n], shapes[j].longDims())
                        : Tensor.of(new float[n], shapes[j].longDims());
            }
        }
        op.run(in, out);
        for (int j = 0; j < out.length; j++) {
            if (out[j] != null) {
                ctx.output(j, out[j]);
            }
        }
    }

    /** The one-output form of {@link #declare(Op, InferContext, DType[], Shape[])}. */
    static void declare(Op op, InferContext ctx, DType type, Shape shape) {
        declare(op, ctx, new DType[] {type}, new Shape[] {shape});
    }

    /** An int64 input read as ints, e.g. axes or a shape (null when absent). */
    static long[] optionalLongs(InferContext ctx, int i) {
        return ctx.has(i) ? ctx.longs(i) : null;
    }

    /** Normalizes a list of axes against {@code rank}, rejecting duplicates. */
    static int[] axes(long[] axes, int rank) {
        int[] a = new int[axes.length];
        boolean[] seen = new boolean[Math.max(rank, 1)];
        for (int i = 0; i < axes.length; i++) {
            a[i] = Shape.normalizeAxis(axes[i], rank);
            if (seen[a[i]]) {
                throw new IllegalArgumentException("axis " + axes[i] + " is repeated in " + java.util.Arrays.toString(axes));
            }
            seen[a[i]] = true;
        }
        return a;
    }
}
