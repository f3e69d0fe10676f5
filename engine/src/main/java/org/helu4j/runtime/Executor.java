package org.helu4j.runtime;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.helu4j.Tensor;
import org.helu4j.graph.ValueInfo;
import org.helu4j.op.InferContext;
import org.helu4j.op.Op;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * Runs a {@link Plan} for one thread. It owns one off-heap buffer per value, grown on demand and reused across
 * runs, so that a steady stream of same-shaped inputs allocates no off-heap memory after the first run.
 */
public final class Executor implements AutoCloseable {
    private final Plan plan;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment[] buffers;
    private final Tensor[] values;
    private final InferContext ctx = new InferContext();

    public Executor(Plan plan) {
        this.plan = plan;
        this.buffers = new MemorySegment[plan.slotNames.length];
        this.values = new Tensor[plan.slotNames.length];
    }

    /**
     * Runs the model on inputs given in the order of {@code plan.graph().inputs()} and returns the outputs in the
     * order of {@code plan.graph().outputs()}. The returned tensors are views of this executor's buffers, valid
     * until the next run.
     */
    public Tensor[] run(Tensor[] inputs) {
        Arrays.fill(values, null);
        for (int s = 0; s < values.length; s++) {
            values[s] = plan.constants[s];
        }
        for (int i = 0; i < plan.inputSlots.length; i++) {
            Tensor in = inputs[i];
            Tensor buffer = buffer(plan.inputSlots[i], in.type(), in.shape());
            in.copyTo(buffer);
            values[plan.inputSlots[i]] = buffer;
        }
        Op[] ops = plan.ops;
        for (int k = 0; k < ops.length; k++) {
            if (!plan.folded[k]) {
                runNode(k, ops[k]);
            }
        }
        Tensor[] outputs = new Tensor[plan.outputSlots.length];
        for (int i = 0; i < outputs.length; i++) {
            outputs[i] = values[plan.outputSlots[i]];
        }
        return outputs;
    }

    private void runNode(int k, Op op) {
        int[] ins = plan.inSlots[k];
        int[] outs = plan.outSlots[k];
        DType[] inTypes = new DType[ins.length];
        Shape[] inShapes = new Shape[ins.length];
        Tensor[] in = new Tensor[ins.length];
        for (int i = 0; i < ins.length; i++) {
            if (ins[i] >= 0) {
                in[i] = values[ins[i]];
                inTypes[i] = in[i].type();
                inShapes[i] = in[i].shape();
            }
        }
        ctx.reset(inTypes, inShapes, in, outs.length);
        try {
            op.infer(ctx);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(op.node().describe() + ": " + Plan.message(e), e);
        }
        Tensor[] out = new Tensor[outs.length];
        boolean allKnown = true;
        for (int j = 0; j < outs.length; j++) {
            allKnown &= ctx.outputValue(j) != null;
            if (outs[j] >= 0 || ctx.outputShape(j) != null) {
                int slot = outs[j];
                out[j] = slot >= 0 ? buffer(slot, ctx.outputType(j), ctx.outputShape(j)) : null;
                if (slot >= 0) {
                    values[slot] = out[j];
                }
            }
        }
        if (allKnown) {
            for (int j = 0; j < outs.length; j++) {
                if (out[j] != null) {
                    ctx.outputValue(j).copyTo(out[j]);
                }
            }
        } else {
            op.run(in, out);
        }
    }

    /** The slot's buffer, grown if needed, viewed with the given type and shape. */
    private Tensor buffer(int slot, DType type, Shape shape) {
        long bytes = Math.max(shape.size() * type.byteSize(), 1);
        MemorySegment b = buffers[slot];
        if (b == null || b.byteSize() < bytes) {
            b = arena.allocate(bytes, Tensor.ALIGNMENT);
            buffers[slot] = b;
        }
        return Tensor.wrap(b, type, shape);
    }

    /** Checks one caller input against its declaration. */
    public static void checkInput(ValueInfo declared, Tensor t) {
        if (t == null) {
            throw new IllegalArgumentException("input '" + declared.name() + "' is null");
        }
        if (declared.type() != null && declared.type() != t.type()) {
            throw new IllegalArgumentException("input '" + declared.name() + "' must be " + declared.type()
                    + ", not " + t.type());
        }
        long[] dims = declared.dims();
        if (dims == null) {
            return;
        }
        boolean ok = dims.length == t.shape().rank();
        for (int i = 0; ok && i < dims.length; i++) {
            ok = dims[i] < 0 || dims[i] == t.shape().dim(i);
        }
        if (!ok) {
            throw new IllegalArgumentException("input '" + declared.name() + "' must have shape "
                    + declared.describeShape() + ", not " + t.shape());
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
