package org.helu4j.runtime;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.helu4j.ModelFormatException;
import org.helu4j.Tensor;
import org.helu4j.graph.Graph;
import org.helu4j.graph.Node;
import org.helu4j.graph.ValueInfo;
import org.helu4j.op.InferContext;
import org.helu4j.op.Op;
import org.helu4j.op.OpRegistry;
import org.helu4j.op.UnknownValueException;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * A compiled, immutable model: every value has a slot, every node an {@link Op}, and everything inferable at load
 * time has been inferred. Nodes whose outputs are all known at load time (constants, shape arithmetic on static
 * shapes) are folded into constants and never run. Shared by all sessions.
 */
public final class Plan {
    final Graph graph;
    final Op[] ops;
    final int[][] inSlots;
    final int[][] outSlots;
    final boolean[] folded;
    final Tensor[] constants;
    final int[] inputSlots;
    final int[] outputSlots;
    final String[] slotNames;
    final DType[] staticTypes;
    final Shape[] staticShapes;
    /** Per slot, the last node that reads it: see {@link Liveness}. */
    final int[] lastUse;

    private Plan(Graph graph, Op[] ops, int[][] inSlots, int[][] outSlots, boolean[] folded, Tensor[] constants,
            int[] inputSlots, int[] outputSlots, String[] slotNames, DType[] staticTypes, Shape[] staticShapes) {
        this.graph = graph;
        this.ops = ops;
        this.inSlots = inSlots;
        this.outSlots = outSlots;
        this.folded = folded;
        this.constants = constants;
        this.inputSlots = inputSlots;
        this.outputSlots = outputSlots;
        this.slotNames = slotNames;
        this.staticTypes = staticTypes;
        this.staticShapes = staticShapes;
        this.lastUse = Liveness.lastUses(slotNames.length, inSlots, folded, outputSlots);
    }

    /** {@link #compile(Graph, Arena)} with packed weights left to the GC (for tests and tools). */
    public static Plan compile(Graph graph) throws ModelFormatException {
        return compile(graph, Arena.ofAuto());
    }

    /**
     * Compiles {@code graph}: creates the ops, infers what can be inferred from the declared input shapes, and has
     * the ops pack their constant weights into {@code weights} (the model's arena).
     */
    public static Plan compile(Graph graph, Arena weights) throws ModelFormatException {
        Map<String, Integer> slots = new HashMap<>();
        List<String> names = new ArrayList<>();
        for (String name : graph.initializers().keySet()) {
            slots.put(name, names.size());
            names.add(name);
        }
        int[] inputSlots = new int[graph.inputs().size()];
        for (int i = 0; i < inputSlots.length; i++) {
            String name = graph.inputs().get(i).name();
            slots.put(name, names.size());
            inputSlots[i] = names.size();
            names.add(name);
        }
        List<Node> nodes = graph.nodes();
        Op[] ops = new Op[nodes.size()];
        int[][] inSlots = new int[nodes.size()][];
        int[][] outSlots = new int[nodes.size()][];
        for (int k = 0; k < ops.length; k++) {
            Node n = nodes.get(k);
            ops[k] = OpRegistry.create(n);
            inSlots[k] = new int[n.inputs().size()];
            for (int j = 0; j < inSlots[k].length; j++) {
                String in = n.inputs().get(j);
                inSlots[k][j] = in.isEmpty() ? -1 : slots.get(in);
            }
            outSlots[k] = new int[n.outputs().size()];
            for (int j = 0; j < outSlots[k].length; j++) {
                String out = n.outputs().get(j);
                if (out.isEmpty()) {
                    outSlots[k][j] = -1;
                } else {
                    slots.put(out, names.size());
                    outSlots[k][j] = names.size();
                    names.add(out);
                }
            }
        }
        int[] outputSlots = new int[graph.outputs().size()];
        for (int i = 0; i < outputSlots.length; i++) {
            outputSlots[i] = slots.get(graph.outputs().get(i).name());
        }

        int n = names.size();
        Tensor[] constants = new Tensor[n];
        DType[] types = new DType[n];
        Shape[] shapes = new Shape[n];
        for (Map.Entry<String, Tensor> e : graph.initializers().entrySet()) {
            int s = slots.get(e.getKey());
            constants[s] = e.getValue();
            types[s] = e.getValue().type();
            shapes[s] = e.getValue().shape();
        }
        for (int i = 0; i < inputSlots.length; i++) {
            ValueInfo in = graph.inputs().get(i);
            types[inputSlots[i]] = in.type();
            shapes[inputSlots[i]] = in.isStatic() ? Shape.of(in.dims()) : null;
        }
        boolean[] folded = inferStatic(graph, ops, inSlots, outSlots, constants, types, shapes);
        prepare(ops, inSlots, constants, folded, weights);
        return new Plan(graph, ops, inSlots, outSlots, folded, constants, inputSlots, outputSlots,
                names.toArray(new String[0]), types, shapes);
    }

    /** Hands every op that will run its constant inputs, for packing weights ({@link Op#prepare}). */
    private static void prepare(Op[] ops, int[][] inSlots, Tensor[] constants, boolean[] folded, Arena weights)
            throws ModelFormatException {
        for (int k = 0; k < ops.length; k++) {
            if (folded[k]) {
                continue;
            }
            int[] ins = inSlots[k];
            Tensor[] values = new Tensor[ins.length];
            for (int i = 0; i < ins.length; i++) {
                values[i] = ins[i] < 0 ? null : constants[ins[i]];
            }
            try {
                ops[k].prepare(values, weights);
            } catch (RuntimeException e) {
                throw new ModelFormatException(ops[k].node().describe() + ": " + message(e), e);
            }
        }
    }

    /** Load-time inference; returns which nodes were folded into constants. */
    private static boolean[] inferStatic(Graph graph, Op[] ops, int[][] inSlots, int[][] outSlots, Tensor[] constants,
            DType[] types, Shape[] shapes) throws ModelFormatException {
        boolean[] folded = new boolean[ops.length];
        InferContext ctx = new InferContext();
        nodes:
        for (int k = 0; k < ops.length; k++) {
            int[] ins = inSlots[k];
            DType[] inTypes = new DType[ins.length];
            Shape[] inShapes = new Shape[ins.length];
            Tensor[] inValues = new Tensor[ins.length];
            for (int i = 0; i < ins.length; i++) {
                if (ins[i] < 0) {
                    continue;
                }
                if (shapes[ins[i]] == null || types[ins[i]] == null) {
                    continue nodes; // depends on something known only at run time
                }
                inTypes[i] = types[ins[i]];
                inShapes[i] = shapes[ins[i]];
                inValues[i] = constants[ins[i]];
            }
            ctx.reset(inTypes, inShapes, inValues, outSlots[k].length);
            try {
                ops[k].infer(ctx);
            } catch (UnknownValueException e) {
                continue;
            } catch (RuntimeException e) {
                throw new ModelFormatException(ops[k].node().describe() + ": " + message(e), e);
            }
            boolean allKnown = true;
            for (int j = 0; j < outSlots[k].length; j++) {
                int s = outSlots[k][j];
                if (ctx.outputShape(j) == null && s >= 0) {
                    throw new ModelFormatException(ops[k].node().describe() + " did not infer output " + j);
                }
                if (s < 0) {
                    continue;
                }
                types[s] = ctx.outputType(j);
                shapes[s] = ctx.outputShape(j);
                constants[s] = ctx.outputValue(j);
                allKnown &= constants[s] != null;
            }
            folded[k] = allKnown;
        }
        return folded;
    }

    static String message(RuntimeException e) {
        return e instanceof IllegalArgumentException || e instanceof IllegalStateException
                ? e.getMessage() : e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    public Graph graph() {
        return graph;
    }

    /** The compiled ops, in execution order. */
    public List<Op> ops() {
        return List.of(ops);
    }

    /** True if node {@code k} was folded into a constant at load time. */
    public boolean isFolded(int k) {
        return folded[k];
    }

    /** The shape of a value as inferred at load time, or {@code null} where it depends on run-time input. */
    public Shape staticShape(String value) {
        int i = Arrays.asList(slotNames).indexOf(value);
        return i < 0 ? null : staticShapes[i];
    }
}
