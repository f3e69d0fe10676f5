package org.helu4j.op;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.helu4j.ModelFormatException;
import org.helu4j.Tensor;
import org.helu4j.graph.Attributes;
import org.helu4j.graph.Node;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * Runs one op the way the executor does: infer, then either take the values inferred or run into fresh off-heap
 * outputs (filled with garbage first, so that an op that leaves elements unwritten is caught).
 */
final class ShapeOpRunner {
    private final String opType;
    private long opset = 13;
    private final Map<String, Object> attrs = new LinkedHashMap<>();
    private int outputs = 1;

    private ShapeOpRunner(String opType) {
        this.opType = opType;
    }

    static ShapeOpRunner op(String opType) {
        return new ShapeOpRunner(opType);
    }

    ShapeOpRunner opset(long v) {
        opset = v;
        return this;
    }

    ShapeOpRunner attr(String name, Object value) {
        attrs.put(name, value);
        return this;
    }

    ShapeOpRunner outputs(int n) {
        outputs = n;
        return this;
    }

    Op create() throws ModelFormatException {
        return OpRegistry.create(node(0));
    }

    private Node node(int inputs) {
        List<String> ins = new ArrayList<>();
        for (int i = 0; i < inputs; i++) {
            ins.add("in" + i);
        }
        List<String> outs = new ArrayList<>();
        for (int j = 0; j < outputs; j++) {
            outs.add("out" + j);
        }
        return new Node("n", opType, "", opset, ins, outs, new Attributes(attrs));
    }

    /** Runs with all inputs known; a null input is an absent optional one. */
    Tensor[] run(Tensor... in) throws ModelFormatException {
        Op op = OpRegistry.create(node(in.length));
        InferContext ctx = infer(op, in, in);
        Tensor[] out = new Tensor[outputs];
        boolean allKnown = true;
        for (int j = 0; j < outputs; j++) {
            allKnown &= ctx.outputValue(j) != null;
        }
        if (allKnown) {
            for (int j = 0; j < outputs; j++) {
                out[j] = ctx.outputValue(j);
            }
            return out;
        }
        Arena arena = Arena.ofAuto();
        for (int j = 0; j < outputs; j++) {
            out[j] = Tensor.allocate(arena, ctx.outputType(j), ctx.outputShape(j));
            out[j].segment().fill((byte) 0x7f);
        }
        op.run(in, out);
        return out;
    }

    Tensor run1(Tensor... in) throws ModelFormatException {
        return run(in)[0];
    }

    /** Infers as at load time, where only the inputs in {@code known} (non-null) have values. */
    InferContext inferOnly(Tensor[] in, Tensor[] known) throws ModelFormatException {
        return infer(OpRegistry.create(node(in.length)), in, known);
    }

    private InferContext infer(Op op, Tensor[] in, Tensor[] known) {
        DType[] types = new DType[in.length];
        Shape[] shapes = new Shape[in.length];
        for (int i = 0; i < in.length; i++) {
            if (in[i] != null) {
                types[i] = in[i].type();
                shapes[i] = in[i].shape();
            }
        }
        InferContext ctx = new InferContext();
        ctx.reset(types, shapes, known.clone(), outputs);
        op.infer(ctx);
        return ctx;
    }

    static Tensor f(float[] v, long... dims) {
        return Tensor.of(v, dims);
    }

    static Tensor l(long[] v, long... dims) {
        return Tensor.ofLongs(v, dims);
    }

    static Tensor ls(long... v) {
        return Tensor.ofLongs(v, v.length);
    }

    /** 0, 1, 2, ... as floats. */
    static Tensor iota(long... dims) {
        Shape s = Shape.of(dims);
        float[] v = new float[(int) s.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = i;
        }
        return Tensor.of(v, dims);
    }

    /** 0, 1, 2, ... as int64. */
    static Tensor iotaLong(long... dims) {
        Shape s = Shape.of(dims);
        long[] v = new long[(int) s.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = i * 10L;
        }
        return Tensor.ofLongs(v, dims);
    }
}
