package org.helu4j.reliability;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The attribute values the fuzzer draws at random, applied systematically: to every Conv, pooling, Gemm, Reshape
 * and Softmax-like node of the golden CNN, each hostile value in turn (kernel_shape = 2^31, group = 0, strides =
 * 0, negative pads, huge dilations, out-of-range axes...). Each model must load and run, or be refused with a
 * ModelFormatException or an IllegalArgumentException at run time.
 */
class HostileAttributeTest {
    static final long BIG = 1L << 31;

    static final Map<String, List<long[]>> HOSTILE = Map.of(
            "kernel_shape", List.of(new long[] {BIG, BIG}, new long[] {0, 0}, new long[] {-1, -1}, new long[] {3},
                    new long[] {100, 100}, new long[] {Long.MAX_VALUE, 1}),
            "strides", List.of(new long[] {0, 0}, new long[] {-1, -1}, new long[] {BIG, BIG}, new long[] {1}),
            "pads", List.of(new long[] {-1, -1, -1, -1}, new long[] {BIG, BIG, BIG, BIG}, new long[] {-100, 0, 0, 0},
                    new long[] {1, 1}, new long[] {Long.MIN_VALUE, 0, 0, 0}),
            "dilations", List.of(new long[] {0, 0}, new long[] {-1, -1}, new long[] {1L << 40, 1}, new long[] {BIG, BIG}),
            "group", List.of(new long[] {0}, new long[] {-1}, new long[] {3}, new long[] {BIG}, new long[] {1000}),
            "axis", List.of(new long[] {BIG}, new long[] {-BIG}, new long[] {7}, new long[] {-7}),
            "transA", List.of(new long[] {BIG}, new long[] {-1}),
            "transB", List.of(new long[] {2}, new long[] {-1}));

    static final Set<String> SINGLE = Set.of("group", "axis", "transA", "transB");

    @Test
    void hostileAttributeValuesAreRefusedCleanly() throws Exception {
        ModelProto golden = ModelProto.parseFrom(Files.readAllBytes(Path.of("src/test/resources/golden/golden-cnn.onnx")));
        List<String> findings = new ArrayList<>();
        int cases = 0;
        try (Fuzzer.Runner runner = new Fuzzer.Runner(30_000)) {
            for (int k = 0; k < golden.getGraph().getNodeCount(); k++) {
                NodeProto n = golden.getGraph().getNode(k);
                for (Map.Entry<String, List<long[]>> e : HOSTILE.entrySet()) {
                    for (long[] values : e.getValue()) {
                        AttributeProto.Builder a = AttributeProto.newBuilder().setName(e.getKey());
                        if (SINGLE.contains(e.getKey())) {
                            a.setType(AttributeProto.AttributeType.INT).setI(values[0]);
                        } else {
                            a.setType(AttributeProto.AttributeType.INTS);
                            for (long v : values) {
                                a.addInts(v);
                            }
                        }
                        NodeProto.Builder nb = n.toBuilder();
                        nb.clearAttribute();
                        n.getAttributeList().stream().filter(x -> !x.getName().equals(e.getKey())).forEach(nb::addAttribute);
                        nb.addAttribute(a);
                        ModelProto.Builder m = golden.toBuilder();
                        m.getGraphBuilder().setNode(k, nb);
                        Fuzzer.Outcome o = runner.check(m.build().toByteArray());
                        cases++;
                        if (o.kind() == Fuzzer.Kind.FINDING) {
                            findings.add(n.getOpType() + " '" + n.getName() + "' " + e.getKey() + "="
                                    + java.util.Arrays.toString(values) + ": " + o.signature() + " (" + o.error() + ")");
                        }
                    }
                }
            }
        }
        System.out.println("hostile attributes: " + cases + " cases, " + findings.size() + " finding(s)");
        assertTrue(cases > 100, "too few nodes to mutate: " + cases);
        assertTrue(findings.isEmpty(), String.join("\n", findings));
    }
}
