package org.helu4j.op;

import org.helu4j.Tensor;
import org.helu4j.graph.Node;

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
     * Computes the outputs. {@code in[i]} is null for an absent optional input. The outputs are off-heap, of the
     * declared shapes, and never alias the inputs.
     */
    public abstract void run(Tensor[] in, Tensor[] out);

    /** For reports and {@code infer inspect}: what this op does beyond its type, e.g. a fused activation. */
    public String describe() {
        return node.opType();
    }
}
