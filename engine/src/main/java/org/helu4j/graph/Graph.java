package org.helu4j.graph;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.helu4j.ModelFormatException;
import org.helu4j.Tensor;

/**
 * The engine's model IR, independent of ONNX: declared inputs and outputs, constant initializers, and nodes in a
 * topological order. {@link #of} validates the structure (unique producers, no dangling input, no cycle) with
 * iterative algorithms, so that hostile graphs cannot overflow the stack.
 */
public final class Graph {
    private final List<ValueInfo> inputs;
    private final List<ValueInfo> outputs;
    private final Map<String, Tensor> initializers;
    private final List<Node> nodes;
    private final Map<String, String> metadata;

    private Graph(List<ValueInfo> inputs, List<ValueInfo> outputs, Map<String, Tensor> initializers, List<Node> nodes,
            Map<String, String> metadata) {
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        this.initializers = Collections.unmodifiableMap(new LinkedHashMap<>(initializers));
        this.nodes = List.copyOf(nodes);
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /**
     * Builds a validated graph. Initializers that are also listed as inputs are treated as constants (their
     * declared input is dropped), as ONNX runtimes do for IR version 3 models.
     */
    public static Graph of(List<ValueInfo> declaredInputs, List<ValueInfo> outputs, Map<String, Tensor> initializers,
            List<Node> nodes, Map<String, String> metadata) throws ModelFormatException {
        List<ValueInfo> inputs = new ArrayList<>();
        Set<String> available = new HashSet<>(initializers.keySet());
        for (ValueInfo in : declaredInputs) {
            if (!initializers.containsKey(in.name())) {
                if (!available.add(in.name())) {
                    throw new ModelFormatException("graph input '" + in.name() + "' is declared twice");
                }
                inputs.add(in);
            }
        }
        List<Node> sorted = topologicalOrder(nodes, available);
        Set<String> produced = new HashSet<>(available);
        for (Node n : sorted) {
            produced.addAll(n.outputs());
        }
        if (outputs.isEmpty()) {
            throw new ModelFormatException("the graph declares no output");
        }
        Set<String> outputNames = new HashSet<>();
        for (ValueInfo out : outputs) {
            if (!produced.contains(out.name())) {
                throw new ModelFormatException("graph output '" + out.name() + "' is produced by no node, input or initializer");
            }
            if (!outputNames.add(out.name())) {
                throw new ModelFormatException("graph output '" + out.name() + "' is declared twice");
            }
        }
        return new Graph(inputs, outputs, initializers, sorted, metadata);
    }

    /** Kahn's algorithm: iterative, linear in the graph size, and it names the nodes caught in a cycle. */
    private static List<Node> topologicalOrder(List<Node> nodes, Set<String> available) throws ModelFormatException {
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String out : nodes.get(i).outputs()) {
                if (out.isEmpty()) {
                    continue;
                }
                if (available.contains(out)) {
                    throw new ModelFormatException("value '" + out + "' of node '" + nodes.get(i).name()
                            + "' is also a graph input or initializer");
                }
                Integer previous = producer.put(out, i);
                if (previous != null) {
                    throw new ModelFormatException("value '" + out + "' is produced twice, by nodes '"
                            + nodes.get(previous).name() + "' and '" + nodes.get(i).name() + "'");
                }
            }
        }
        int[] pending = new int[nodes.size()];
        List<List<Integer>> consumers = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            consumers.add(new ArrayList<>(2));
        }
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            for (String in : n.inputs()) {
                if (in.isEmpty() || available.contains(in)) {
                    continue;
                }
                Integer p = producer.get(in);
                if (p == null) {
                    throw new ModelFormatException("input '" + in + "' of node '" + n.name()
                            + "' is not a graph input, an initializer or the output of any node");
                }
                pending[i]++;
                consumers.get(p).add(i);
            }
        }
        ArrayDeque<Integer> ready = new ArrayDeque<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (pending[i] == 0) {
                ready.add(i);
            }
        }
        List<Node> order = new ArrayList<>(nodes.size());
        while (!ready.isEmpty()) {
            int i = ready.poll();
            order.add(nodes.get(i));
            for (int c : consumers.get(i)) {
                if (--pending[c] == 0) {
                    ready.add(c);
                }
            }
        }
        if (order.size() != nodes.size()) {
            List<String> stuck = new ArrayList<>();
            for (int i = 0; i < nodes.size() && stuck.size() < 5; i++) {
                if (pending[i] > 0) {
                    stuck.add(nodes.get(i).name());
                }
            }
            throw new ModelFormatException("the graph has a cycle through node(s) " + stuck);
        }
        return order;
    }

    /**
     * The same graph with internal values exposed as extra outputs (for tools that observe activations, such as
     * dead-unit counting). Each name must be produced by a node.
     */
    public Graph withExtraOutputs(List<String> names) throws ModelFormatException {
        Set<String> produced = new HashSet<>();
        for (Node n : nodes) {
            produced.addAll(n.outputs());
        }
        List<ValueInfo> outs = new ArrayList<>(outputs);
        for (String name : names) {
            if (!produced.contains(name)) {
                throw new ModelFormatException("no node produces a value named '" + name + "'");
            }
            boolean declared = false;
            for (ValueInfo v : outs) {
                declared |= v.name().equals(name);
            }
            if (!declared) {
                outs.add(new ValueInfo(name, null, null, null));
            }
        }
        return new Graph(inputs, outs, initializers, nodes, metadata);
    }

    /** Declared inputs that the caller must feed (initializers excluded). */
    public List<ValueInfo> inputs() {
        return inputs;
    }

    public List<ValueInfo> outputs() {
        return outputs;
    }

    public Map<String, Tensor> initializers() {
        return initializers;
    }

    /** Nodes in topological order. */
    public List<Node> nodes() {
        return nodes;
    }

    /** The model's {@code metadata_props}, in file order. */
    public Map<String, String> metadata() {
        return metadata;
    }
}
