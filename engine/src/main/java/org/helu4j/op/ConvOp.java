package org.helu4j.op;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.helu4j.Tensor;
import org.helu4j.UnsupportedOperatorException;
import org.helu4j.graph.Node;
import org.helu4j.kernel.Binary;
import org.helu4j.kernel.Broadcast;
import org.helu4j.kernel.Conv;
import org.helu4j.kernel.ConvGeometry;
import org.helu4j.kernel.Gemm;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * ONNX Conv (opsets 1 to 17): X [N, C, spatial...], W [M, C/group, k...], optional B [M]; 1-D to 3-D. After
 * {@code FuseResidual}, input 3 is a value added to the result before the fused activation.
 */
final class ConvOp extends Op {
    private static final int RESIDUAL = 3;

    private final ConvWindow window;
    private final int group;
    private final Gemm.Act act;
    private final float actAlpha;
    private final float actBeta;
    private final boolean residual;
    /** A fused max pool ({@code FusePool}): {kH, kW, sH, sW}, or null. */
    private final int[] pool;
    /** W, when it is a constant of the model, and where its packed layouts go. */
    private volatile PackedWeights packed;
    /** W in strips ({@link Conv#packWeights}), made at the first run whose kernel reads them; null until then. */
    private volatile MemorySegment strips;
    /**
     * The states of the last runs, reused while they repeat, so that a steady run allocates nothing. More than one:
     * sessions, and a batch's sub-batches ({@code BatchSplit}), run this op at once with residuals of their own.
     */
    private final AtomicReferenceArray<Last> recent = new AtomicReferenceArray<>(RECENT);
    private static final int RECENT = 4;
    private int nextRecent;

    /**
     * The weights in each {@link Conv.Transform}'s layout, made at the first run that uses it (which one a conv
     * uses depends on its map size, unknown at load); null until then.
     */
    private final AtomicReferenceArray<MemorySegment> transformed =
            new AtomicReferenceArray<>(Conv.Transform.values().length);

    /** The constant weights, their strips' shape, and the model's arena that their packed layouts live in. */
    private record PackedWeights(Tensor source, int m, int k, Arena arena) {
    }

    private record Last(Shape x, Shape w, ConvGeometry geometry, MemorySegment bias, MemorySegment res,
            Gemm.Epilogue epilogue, Broadcast residualPlan, ConvGeometry pool) {
    }

    ConvOp(Node node) throws UnsupportedOperatorException {
        super(node);
        window = new ConvWindow(node, false, false);
        long g = node.attributes().getInt("group", 1);
        if (g < 1 || g > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("attribute group must be positive, not " + g);
        }
        group = (int) g;
        act = fusedActivation(node);
        actAlpha = fusedActivationAlpha(node);
        actBeta = fusedActivationBeta(node);
        residual = node.attributes().has(FUSED_RESIDUAL);
        long[] p = node.attributes().getInts(FUSED_POOL);
        if (p != null && (p.length != 4 || residual)) {
            throw new IllegalArgumentException("a fused max pool needs {kH, kW, sH, sW} and no fused residual");
        }
        pool = p == null ? null : new int[] {(int) p[0], (int) p[1], (int) p[2], (int) p[3]};
    }

    @Override
    public void infer(InferContext ctx) {
        requireFloat(ctx, 0, "X");
        requireFloat(ctx, 1, "W");
        Shape bias = null;
        if (ctx.has(2)) {
            requireFloat(ctx, 2, "B");
            bias = ctx.shape(2);
        }
        Shape x = ctx.shape(0);
        ConvGeometry g = geometry(x, ctx.shape(1), bias);
        Shape y = Shape.of(ConvWindow.outputDims(g, x.rank() - 2));
        if (pool != null) {
            if (x.rank() != 4) {
                // The pass only fuses a 2-D pool, whose input was rank 4; a malformed file may pair it otherwise.
                throw new IllegalArgumentException("a fused 2-D max pool needs a 2-D conv (X of rank 4), not X " + x);
            }
            y = Shape.of(ConvWindow.outputDims(poolGeometry(g), 2));
        }
        if (residual) {
            if (!ctx.has(RESIDUAL)) {
                throw new IllegalArgumentException("the fused residual input is missing");
            }
            requireFloat(ctx, RESIDUAL, "residual");
            Broadcast.plan(y, y, ctx.shape(RESIDUAL));  // throws unless it broadcasts to the output
        }
        ctx.output(0, DType.FLOAT32, y);
    }

    @Override
    public void prepare(Tensor[] constants, Arena arena) {
        Tensor w = constants.length > 1 ? constants[1] : null;
        if (w == null || w.type() != DType.FLOAT32 || w.shape().rank() < 3 || w.shape().dim(0) % group != 0) {
            return;
        }
        int m = w.shape().dim(0);
        long k = w.shape().size() / Math.max(1, m);
        if (m == 0 || k == 0 || k > Integer.MAX_VALUE || (long) w.shape().dim(1) * group > Integer.MAX_VALUE) {
            return;
        }
        // Nothing is packed yet: which layout the kernel reads depends on the map size and the batch, and a conv
        // that takes Winograd, channel lanes or the depthwise kernel never reads the strips (packing every conv's
        // strips here took a quarter of ResNet-18's Model.load, and doubled its weights' memory).
        strips = null;
        packed = new PackedWeights(w, m, (int) k, arena);
    }

    @Override
    public void run(Tensor[] in, Tensor[] out) {
        Tensor b = in.length > 2 ? in[2] : null;
        Tensor r = residual ? in[RESIDUAL] : null;
        Last state = state(in[0].shape(), in[1].shape(), b, r, out[0].shape());
        PackedWeights p = packed;
        boolean own = p != null && p.source == in[1];
        MemorySegment y = out[0].segment();
        if (state.residualPlan == null) {
            MemorySegment u = own ? transformed(p, state.geometry, state.epilogue) : null;
            MemorySegment s = own && u == null ? strips(p, state.geometry) : null;
            Conv.conv(y, in[0].segment(), in[1].segment(), s, u, state.geometry, state.epilogue, state.pool);
            return;
        }
        // A residual that only broadcasts to the output: add it after the bias, then activate.
        Gemm.Epilogue plain = state.epilogue.withAct(Gemm.Act.NONE, 0f);
        MemorySegment u = own ? transformed(p, state.geometry, plain) : null;
        MemorySegment s = own && u == null ? strips(p, state.geometry) : null;
        Conv.conv(y, in[0].segment(), in[1].segment(), s, u, state.geometry, plain);
        Binary.apply(Binary.ADD, y, y, r.segment(), state.residualPlan);
        if (act != Gemm.Act.NONE) {
            long n = out[0].shape().size();
            Gemm.applyEpilogue(y, 0, n, 1, (int) n, Gemm.Epilogue.NONE.withAct(act, actAlpha, actBeta));
        }
    }

    /** The constant weights in strips, packed at the first call that reads them; null for a kernel that does not. */
    private MemorySegment strips(PackedWeights p, ConvGeometry g) {
        if (!Conv.readsStrips(g)) {
            return null;
        }
        MemorySegment s = strips;
        if (s == null) {
            synchronized (this) {
                s = strips;
                if (s == null) {
                    s = p.arena.allocate(Math.max(1, Conv.packedWeightFloats(p.m, group, p.k)) * Float.BYTES,
                            Tensor.ALIGNMENT);
                    Conv.packWeights(s, p.source.segment(), p.m, group, p.k);
                    strips = s;
                }
            }
        }
        return s;
    }

    /** The constant weights in the layout of the kernel this call takes, or null when the strips are all it needs. */
    private MemorySegment transformed(PackedWeights p, ConvGeometry g, Gemm.Epilogue ep) {
        Conv.Transform tf = Conv.Transform.of(g, ep);
        if (tf == Conv.Transform.NONE) {
            return null;
        }
        MemorySegment u = transformed.get(tf.ordinal());
        if (u == null) {
            synchronized (this) {
                u = transformed.get(tf.ordinal());
                if (u == null) {
                    u = p.arena.allocate(Math.max(1, tf.floats(g)) * Float.BYTES, Tensor.ALIGNMENT);
                    tf.pack(u, p.source.segment(), g);
                    transformed.set(tf.ordinal(), u);
                }
            }
        }
        return u;
    }

    private Last state(Shape x, Shape w, Tensor b, Tensor r, Shape y) {
        MemorySegment bias = b == null ? null : b.segment();
        MemorySegment res = r == null ? null : r.segment();
        for (int i = 0; i < RECENT; i++) {
            Last cached = recent.get(i);
            if (cached != null && cached.x.equals(x) && cached.w.equals(w) && cached.bias == bias && cached.res == res) {
                return cached;
            }
        }
        ConvGeometry g = geometry(x, w, b == null ? null : b.shape());
        Gemm.Epilogue ep = (bias == null ? Gemm.Epilogue.NONE : Gemm.Epilogue.rowBias(bias, 0, false))
                .withAct(act, actAlpha, actBeta);
        Broadcast plan = null;
        if (r != null) {
            if (r.shape().equals(y)) {
                ep = ep.withResidual(res);
            } else {
                plan = Broadcast.plan(y, y, r.shape());
            }
        }
        Last s = new Last(x, w, g, bias, res, ep, plan, pool == null ? null : poolGeometry(g));
        recent.set(nextRecent++ & (RECENT - 1), s);  // a racy slot index is harmless: any slot holds a whole state
        return s;
    }

    /** The fused max pool over the output of g: 2-D, no padding. */
    private ConvGeometry poolGeometry(ConvGeometry g) {
        if (g.kD != 1 || g.inD != 1 || g.outD != 1 || g.outH < pool[0] || g.outW < pool[1]) {
            throw new IllegalArgumentException("the fused max pool " + pool[0] + "x" + pool[1]
                    + " needs a 2-D output of at least its size, not " + g.outH + "x" + g.outW);
        }
        int oh = (g.outH - pool[0]) / pool[2] + 1, ow = (g.outW - pool[1]) / pool[3] + 1;
        return new ConvGeometry(g.batch, g.outChannels, g.outChannels, 1, new int[] {g.outH, g.outW},
                new int[] {pool[0], pool[1]}, new int[] {pool[2], pool[3]}, new int[] {1, 1}, new int[] {0, 0},
                new int[] {0, 0}, new int[] {oh, ow});
    }

    private ConvGeometry geometry(Shape x, Shape w, Shape bias) {
        if (x.rank() < 3 || x.rank() > 5) {
            throw new IllegalArgumentException("input X must have rank 3 to 5 (1-D to 3-D), not shape " + x);
        }
        if (w.rank() != x.rank()) {
            throw new IllegalArgumentException("weight W " + w + " must have the rank of input X " + x);
        }
        int c = x.dim(1);
        int m = w.dim(0);
        if ((long) w.dim(1) * group != c) {
            throw new IllegalArgumentException("input has " + c + " channels but the weight expects " + w.dim(1)
                    + " per group x " + group + " groups");
        }
        if (m % group != 0) {
            throw new IllegalArgumentException("weight has " + m + " output channels, not divisible by group " + group);
        }
        if (bias != null && (bias.rank() != 1 || bias.dim(0) != m)) {
            throw new IllegalArgumentException("bias B " + bias + " must have shape [" + m + "]");
        }
        int[] kernel = ConvWindow.spatial(w);
        long[] attr = window.kernelShape();
        if (attr != null && !Arrays.equals(attr, Arrays.copyOfRange(w.longDims(), 2, w.rank()))) {
            throw new IllegalArgumentException("kernel_shape " + Arrays.toString(attr) + " does not match the weight " + w);
        }
        return window.geometry(x.dim(0), c, m, group, ConvWindow.spatial(x), kernel);
    }

    static void requireFloat(InferContext ctx, int i, String name) {
        if (ctx.type(i) != DType.FLOAT32) {
            throw new IllegalArgumentException("input " + name + " must be float32, not " + ctx.type(i));
        }
    }
}
