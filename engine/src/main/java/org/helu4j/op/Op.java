package org.helu4j.op;

import java.lang.foreign.Arena;
import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.kernel.Gemm;

/**
 * One compiled node: attributes parsed and checked once, at load time. An op is immutable and shared by all
 * sessions of a model; anything mutable lives in the tensors it is handed.
 *
 * <p>Inference and execution are separate (as in XNNPACK's reshape/invoke): {@link #infer} derives the output
 * types and shapes, then {@link #run} computes into outputs of exactly those shapes.
 */
public abstract class Op {
    protected final Node node;

    protected Op(Node node) {
        this.node = node;
    }

    public final Node node() {
        return node;
    }

    /**
     * Declares every output's type and shape from the inputs. Throws {@link IllegalArgumentException} with a
     * clear message when the inputs are inconsistent (the caller adds the node's name).
     */
    public abstract void infer(InferContext ctx);

    /**
     * Computes the outputs. {@code in} has one entry per input the node lists: an optional input listed as
     * {@code ""} is null, and trailing optional inputs the node does not list are not in the array at all. The outputs are off-heap, of the
     * declared shapes, and never alias the inputs.
     */
    public abstract void run(Tensor[] in, Tensor[] out);

    /**
     * Called once at load time with the inputs that are constants of the model ({@code null} for the others),
     * so that an op can pack its weights even when its activation's shape is only known at run time (a
     * dynamic batch). An op that packs must still check, at run time, that it is handed that very tensor. Packed
     * copies go in {@code arena}, the model's, so that closing the model frees them rather than the GC.
     */
    public void prepare(Tensor[] constants, Arena arena) {
    }

    /** For reports and {@code infer inspect}: what this op does beyond its type, e.g. a fused activation. */
    public String describe() {
        String act = node.attributes().getString(FUSED_ACTIVATION, null);
        return node.opType() + (node.attributes().has(FUSED_RESIDUAL) ? "+Add" : "") + (act == null ? "" : "+" + act)
                + (node.attributes().has(FUSED_POOL) ? "+MaxPool" : "");
    }

    /**
     * The activation a graph pass fused into this node's epilogue ({@code FuseActivation}): Relu, LeakyRelu
     * (slope in {@link #FUSED_ACTIVATION_ALPHA}), Sigmoid, Gelu, GeluTanh or Clip (bounds in the alpha and beta
     * attributes). An unknown name is refused, so that
     * an op never silently drops one.
     */
    protected static Gemm.Act fusedActivation(Node node) {
        String fused = node.attributes().getString(FUSED_ACTIVATION, null);
        if (fused == null) {
            return Gemm.Act.NONE;
        }
        return switch (fused) {
            case "Relu" -> Gemm.Act.RELU;
            case "LeakyRelu" -> Gemm.Act.LEAKY_RELU;
            case "Sigmoid" -> Gemm.Act.SIGMOID;
            case "Gelu" -> Gemm.Act.GELU;
            case "GeluTanh" -> Gemm.Act.GELU_TANH;
            case "Clip" -> Gemm.Act.CLIP;
            default -> throw new IllegalArgumentException("cannot fuse activation " + fused + " into " + node.opType());
        };
    }

    /** LeakyRelu's slope, or Clip's lower bound, for a fused activation (0 otherwise). */
    protected static float fusedActivationAlpha(Node node) {
        return node.attributes().getFloat(FUSED_ACTIVATION_ALPHA, 0f);
    }

    /** Clip's upper bound for a fused Clip (+infinity otherwise). */
    protected static float fusedActivationBeta(Node node) {
        return node.attributes().getFloat(FUSED_ACTIVATION_BETA, Float.POSITIVE_INFINITY);
    }

    /** The attribute through which {@code FuseActivation} tells an op to apply an activation in its epilogue. */
    public static final String FUSED_ACTIVATION = "helu4j.activation";
    /** LeakyRelu's slope or Clip's lower bound, next to {@link #FUSED_ACTIVATION}. */
    public static final String FUSED_ACTIVATION_ALPHA = "helu4j.activation_alpha";
    /** Clip's upper bound, next to {@link #FUSED_ACTIVATION}. */
    public static final String FUSED_ACTIVATION_BETA = "helu4j.activation_beta";
    /**
     * Set by {@code FuseResidual} on a Conv whose output was added to another value: that value is the node's
     * input 3 and is added before the activation.
     */
    public static final String FUSED_RESIDUAL = "helu4j.residual";
    /**
     * Set by {@code FusePool} on a Conv whose output fed a 2-D MaxPool without padding: {kH, kW, sH, sW}, applied
     * after the activation, and the node's output is the pooled one.
     */
    public static final String FUSED_POOL = "helu4j.max_pool";
}
