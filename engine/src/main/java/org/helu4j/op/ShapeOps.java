package org.helu4j.op;

import java.util.Map;
import org.helu4j.ModelFormatException;
import org.helu4j.graph.Node;
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

    /** The op types of this family, besides the reductions ({@link ReduceOp#TYPES}). */
    private static final String[] TYPES = {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout",
        "Transpose", "Concat", "Split", "Gather", "Slice", "Pad", "Shape", "Constant", "ConstantOfShape", "Range",
        "Cast", "CastLike", "Expand", "Tile", "Size", "ArgMax", "ArgMin", "GatherElements", "DepthToSpace",
        "SpaceToDepth", "Trilu", "Resize", "GridSample", "LayerNormalization", "InstanceNormalization", "GatherND",
        "ScatterElements", "Scatter", "ScatterND", "EyeLike", "OneHot", "CumSum", "ReverseSequence", "Compress",
        "NonZero", "TopK", "Unique", "Upsample"};

    // One factory for the family, rather than a lambda per op: each lambda costs a generated class at startup.
    static void register(Map<String, OpFactory> m) {
        for (String type : TYPES) {
            put(m, type);
        }
        for (String type : ReduceOp.TYPES) {
            put(m, type);
        }
    }

    private static Op create(Node n) throws ModelFormatException {
        checkOutputCount(n);
        Op reduction = ReduceOp.create(n);
        if (reduction != null) {
            return reduction;
        }
        return switch (n.opType()) {
            case "Reshape" -> new ReshapeOps.Reshape(n);
            case "Flatten" -> new ReshapeOps.Flatten(n);
            case "Squeeze" -> new ReshapeOps.Squeeze(n);
            case "Unsqueeze" -> new ReshapeOps.Unsqueeze(n);
            case "Identity" -> new ReshapeOps.Identity(n);
            case "Dropout" -> new ReshapeOps.Dropout(n);
            case "Transpose" -> new TransposeOp(n);
            case "Concat" -> new ConcatSplitOps.Concat(n);
            case "Split" -> new ConcatSplitOps.Split(n);
            case "Gather" -> new GatherOp(n);
            case "Slice" -> new SliceOp(n);
            case "Pad" -> new PadOp(n);
            case "Shape" -> new ConstantOps.ShapeOf(n);
            case "Constant" -> new ConstantOps.Constant(n);
            case "ConstantOfShape" -> new ConstantOps.ConstantOfShape(n);
            case "Range" -> new ConstantOps.Range(n);
            case "Cast", "CastLike" -> new CastOp(n);
            case "Expand" -> new ExpandTileOps.Expand(n);
            case "Tile" -> new ExpandTileOps.Tile(n);
            case "Size" -> new ConstantOps.SizeOf(n);
            case "ArgMax" -> new ArgExtremeOp(n, true);
            case "ArgMin" -> new ArgExtremeOp(n, false);
            case "GatherElements" -> new GatherElementsOp(n);
            case "DepthToSpace" -> new DepthSpaceOps.DepthToSpace(n);
            case "SpaceToDepth" -> new DepthSpaceOps.SpaceToDepth(n);
            case "Trilu" -> new TriluOp(n);
            case "Resize", "Upsample" -> new ResizeOp(n);
            case "GridSample" -> new GridSampleOp(n);
            case "LayerNormalization" -> new LayerNormOp(n);
            case "InstanceNormalization" -> new InstanceNormOp(n);
            case "GatherND" -> new ScatterOps.GatherND(n);
            case "ScatterElements", "Scatter" -> new ScatterOps.ScatterElements(n);
            case "ScatterND" -> new ScatterOps.ScatterND(n);
            case "EyeLike" -> new GeneratorOps.EyeLike(n);
            case "OneHot" -> new GeneratorOps.OneHot(n);
            case "CumSum" -> new ScanOps.CumSum(n);
            case "ReverseSequence" -> new ScanOps.ReverseSequence(n);
            case "Compress" -> new SelectOps.Compress(n);
            case "NonZero" -> new SelectOps.NonZero(n);
            case "TopK" -> new SelectOps.TopK(n);
            case "Unique" -> new UniqueOp(n);
            default -> throw new AssertionError("ShapeOps lists " + n.opType() + " but has no factory for it");
        };
    }

    /** Ops that another family registered first; a test asserts there are none. */
    static final java.util.List<String> DUPLICATES = new java.util.ArrayList<>();

    /** Ops with more than one output, and how many they may have; every other op here has one. */
    private static final Map<String, Integer> MAX_OUTPUTS = Map.of("Dropout", 2, "Split", Integer.MAX_VALUE,
            "TopK", 2, "Unique", 4, "LayerNormalization", 3);

    /** Registers one op unless another family already has (then the first stays and the clash is recorded). */
    private static void put(Map<String, OpFactory> m, String op) {
        if (m.putIfAbsent(op, ShapeOps::create) != null) {
            DUPLICATES.add(op);
        }
    }

    /**
     * Refuses a node that names more outputs than its op produces, which would otherwise leave an output without
     * a shape.
     */
    private static void checkOutputCount(Node node) {
        int max = MAX_OUTPUTS.getOrDefault(node.opType(), 1);
        int named = node.outputs().size();
        while (named > 0 && node.outputs().get(named - 1).isEmpty()) {
            named--; // trailing omitted optional outputs
        }
        if (named > max) {
            throw new IllegalArgumentException(node.opType() + " has at most " + max + " output" + (max > 1 ? "s" : "")
                    + ", not " + named);
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
