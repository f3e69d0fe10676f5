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
        put(m, "Reshape", ReshapeOps.Reshape::new);
        put(m, "Flatten", ReshapeOps.Flatten::new);
        put(m, "Squeeze", ReshapeOps.Squeeze::new);
        put(m, "Unsqueeze", ReshapeOps.Unsqueeze::new);
        put(m, "Identity", ReshapeOps.Identity::new);
        put(m, "Dropout", ReshapeOps.Dropout::new);
        put(m, "Transpose", TransposeOp::new);
        put(m, "Concat", ConcatSplitOps.Concat::new);
        put(m, "Split", ConcatSplitOps.Split::new);
        put(m, "Gather", GatherOp::new);
        put(m, "Slice", SliceOp::new);
        put(m, "Pad", PadOp::new);
        put(m, "Shape", ConstantOps.ShapeOf::new);
        put(m, "Constant", ConstantOps.Constant::new);
        put(m, "ConstantOfShape", ConstantOps.ConstantOfShape::new);
        put(m, "Range", ConstantOps.Range::new);
        put(m, "Cast", CastOp::new);
        put(m, "CastLike", CastOp::new);
        put(m, "Expand", ExpandTileOps.Expand::new);
        put(m, "Tile", ExpandTileOps.Tile::new);
        put(m, "Size", ConstantOps.SizeOf::new);
        put(m, "ArgMax", n -> new ArgExtremeOp(n, true));
        put(m, "ArgMin", n -> new ArgExtremeOp(n, false));
        put(m, "GatherElements", GatherElementsOp::new);
        put(m, "DepthToSpace", DepthSpaceOps.DepthToSpace::new);
        put(m, "SpaceToDepth", DepthSpaceOps.SpaceToDepth::new);
        put(m, "Trilu", TriluOp::new);
        put(m, "Resize", ResizeOp::new);
        put(m, "GridSample", GridSampleOp::new);
        put(m, "LayerNormalization", LayerNormOp::new);
        put(m, "InstanceNormalization", InstanceNormOp::new);
        put(m, "GatherND", ScatterOps.GatherND::new);
        put(m, "ScatterElements", ScatterOps.ScatterElements::new);
        put(m, "Scatter", ScatterOps.ScatterElements::new);
        put(m, "ScatterND", ScatterOps.ScatterND::new);
        put(m, "EyeLike", GeneratorOps.EyeLike::new);
        put(m, "OneHot", GeneratorOps.OneHot::new);
        put(m, "CumSum", ScanOps.CumSum::new);
        put(m, "ReverseSequence", ScanOps.ReverseSequence::new);
        put(m, "Compress", SelectOps.Compress::new);
        put(m, "NonZero", SelectOps.NonZero::new);
        put(m, "TopK", SelectOps.TopK::new);
        put(m, "Unique", UniqueOp::new);
        put(m, "Upsample", ResizeOp::new);
        ReduceOp.register(m);
    }

    /** Ops that another family registered first; a test asserts there are none. */
    static final java.util.List<String> DUPLICATES = new java.util.ArrayList<>();

    /** Ops with more than one output, and how many they may have; every other op here has one. */
    private static final Map<String, Integer> MAX_OUTPUTS = Map.of("Dropout", 2, "Split", Integer.MAX_VALUE,
            "TopK", 2, "Unique", 4, "LayerNormalization", 3);

    /**
     * Registers one op unless another family already has (then the first stays and the clash is recorded). The
     * factory refuses a node that names more outputs than the op produces, which would otherwise leave an output
     * without a shape.
     */
    static void put(Map<String, OpFactory> m, String op, OpFactory factory) {
        int max = MAX_OUTPUTS.getOrDefault(op, 1);
        OpFactory checked = node -> {
            int named = node.outputs().size();
            while (named > 0 && node.outputs().get(named - 1).isEmpty()) {
                named--; // trailing omitted optional outputs
            }
            if (named > max) {
                throw new IllegalArgumentException(op + " has at most " + max + " output" + (max > 1 ? "s" : "")
                        + ", not " + named);
            }
            return factory.create(node);
        };
        if (m.putIfAbsent(op, checked) != null) {
            DUPLICATES.add(op);
        }
    }

    /** Checks that optional input {@code i}, if given, is one int64 value (k, axis): scalars read as such. */
    static void requireLongScalar(InferContext ctx, int i, String what) {
        if (ctx.has(i) && (ctx.type(i) != DType.INT64 || ctx.shape(i).size() != 1)) {
            throw new IllegalArgumentException(what + " must be one int64 value, not " + ctx.type(i) + ctx.shape(i));
        }
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
