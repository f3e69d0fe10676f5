package org.helu4j.graph;

import java.util.List;

/**
 * One operator application in the IR. An input named {@code ""} is an omitted optional input, as in ONNX.
 *
 * @param name       a unique, human-readable name (generated when the file has none)
 * @param opType     the operator, e.g. {@code Conv}
 * @param domain     the operator set domain; {@code ""} is the default ONNX domain
 * @param opset      the opset version in force for {@code domain}
 * @param inputs     input value names
 * @param outputs    output value names
 * @param attributes the node's attributes
 */
public record Node(String name, String opType, String domain, long opset, List<String> inputs, List<String> outputs,
        Attributes attributes) {

    public Node {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    /** The name of input {@code i}, or {@code ""} when it is absent. */
    public String input(int i) {
        return i < inputs.size() ? inputs.get(i) : "";
    }

    /** True if input {@code i} is given. */
    public boolean hasInput(int i) {
        return !input(i).isEmpty();
    }

    /** For messages: {@code Conv node 'conv1' (opset 13)}. */
    public String describe() {
        return opType + " node '" + name + "' (opset " + opset + ")";
    }
}
