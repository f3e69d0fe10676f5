package org.helu4j;

/**
 * The time one op of a session's plan took, averaged over the profiled runs ({@link Session#profile}).
 *
 * @param index       the op's position in the plan (the order {@code infer inspect} lists)
 * @param node        the ONNX node's name, or its operator if it has none
 * @param description the operator and what was fused into it, e.g. {@code Conv+Add+Relu}
 * @param micros      mean microseconds per run
 */
public record OpTiming(int index, String node, String description, double micros) {
}
