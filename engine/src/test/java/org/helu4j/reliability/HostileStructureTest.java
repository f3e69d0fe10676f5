package org.helu4j.reliability;

import static org.helu4j.onnx.OnnxFiles.floatTensor;
import static org.helu4j.onnx.OnnxFiles.floatValue;
import static org.helu4j.onnx.OnnxFiles.model;
import static org.helu4j.onnx.OnnxFiles.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import java.io.ByteArrayOutputStream;
import org.helu4j.reliability.Fuzzer.Kind;
import org.junit.jupiter.api.Test;

/**
 * Structures at the extremes, built on purpose rather than drawn at random: deep nesting, long chains of real
 * operators, very wide nodes and graphs, huge attribute lists and metadata. Each must load (and run) or be refused
 * with a ModelFormatException, within the per-case time limit and without a StackOverflowError.
 */
class HostileStructureTest {
    private static Fuzzer.Outcome check(byte[] bytes) {
        try (Fuzzer.Runner runner = new Fuzzer.Runner(60_000)) {
            return runner.check(bytes);
        }
    }

    private static void assertClean(String what, Fuzzer.Outcome o) {
        if (o.kind() == Kind.FINDING) {
            throw new AssertionError(what + ": " + o.signature(), o.error());
        }
    }

    private static void writeVarint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static byte[] field(int number, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 8);
        writeVarint(out, ((long) number << 3) | 2);
        writeVarint(out, content.length);
        out.writeBytes(content);
        return out.toByteArray();
    }

    /**
     * 5,000 levels of If-node subgraphs (GraphProto.node -> NodeProto.attribute -> AttributeProto.g -> GraphProto),
     * and 5,000 levels of nested sequence types, encoded by hand: protobuf's recursion limit must refuse them.
     */
    @Test
    void deeplyNestedMessagesAreRefusedWithoutStackOverflow() {
        byte[] graph = new byte[0];
        for (int i = 0; i < 5_000; i++) {
            byte[] attribute = field(6, graph); // AttributeProto.g
            byte[] nodeProto = field(5, attribute); // NodeProto.attribute
            graph = field(1, nodeProto); // GraphProto.node
        }
        byte[] nestedGraphs = field(7, graph); // ModelProto.graph
        Fuzzer.Outcome o = check(nestedGraphs);
        assertClean("nested subgraphs", o);
        assertEquals(Kind.FORMAT_ERROR, o.kind());

        byte[] type = new byte[0];
        for (int i = 0; i < 5_000; i++) {
            type = field(4, field(1, type)); // TypeProto.sequence_type -> Sequence.elem_type
        }
        byte[] valueInfo = field(1, "x".getBytes());
        valueInfo = concat(valueInfo, field(2, type)); // ValueInfoProto.type
        byte[] nestedTypes = field(7, field(11, valueInfo)); // ModelProto.graph -> GraphProto.input
        o = check(nestedTypes);
        assertClean("nested types", o);
        assertEquals(Kind.FORMAT_ERROR, o.kind());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /** 100,000 Relu and Sigmoid nodes in a chain: they load, optimize, compile and run, iteratively. */
    @Test
    void hundredThousandRealNodesInAChainLoadAndRun() {
        for (String op : new String[] {"Relu", "Sigmoid", "Identity"}) {
            GraphProto.Builder g = GraphProto.newBuilder().addInput(floatValue("x", -1, 4));
            String prev = "x";
            for (int i = 0; i < 100_000; i++) {
                g.addNode(node(op, "n" + i, new String[] {prev}, "v" + i));
                prev = "v" + i;
            }
            g.addOutput(floatValue(prev, -1, 4));
            Fuzzer.Outcome o = check(model(g.build()).toByteArray());
            assertClean(op + " chain", o);
            assertEquals(Kind.RAN, o.kind(), op);
        }
    }

    /** One Sum node with 100,000 inputs, and a graph of 100,000 parallel Relu branches joined by a Concat. */
    @Test
    void veryWideNodesAndGraphs() {
        NodeProto.Builder sum = NodeProto.newBuilder().setOpType("Sum").setName("sum").addOutput("y");
        for (int i = 0; i < 100_000; i++) {
            sum.addInput("x");
        }
        GraphProto wideNode = GraphProto.newBuilder().addInput(floatValue("x", -1, 4)).addNode(sum)
                .addOutput(floatValue("y", -1, 4)).build();
        assertClean("Sum of 100,000 inputs", check(model(wideNode).toByteArray()));

        GraphProto.Builder wide = GraphProto.newBuilder().addInput(floatValue("x", 1, 1));
        NodeProto.Builder concat = NodeProto.newBuilder().setOpType("Concat").setName("concat").addOutput("y")
                .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(1));
        for (int i = 0; i < 100_000; i++) {
            wide.addNode(node("Relu", "r" + i, new String[] {"x"}, "b" + i));
            concat.addInput("b" + i);
        }
        wide.addNode(concat).addOutput(floatValue("y", 1, 100_000));
        Fuzzer.Outcome o = check(model(wide.build()).toByteArray());
        assertClean("100,000 branches", o);
        assertNotEquals(Kind.UNSUPPORTED, o.kind());
    }

    /** A million-int attribute, 100,000 attributes on a node, 100,000 metadata entries, 100,000 initializers. */
    @Test
    void hugeListsLoadOrAreRefused() {
        AttributeProto.Builder ints = AttributeProto.newBuilder().setName("perm").setType(AttributeProto.AttributeType.INTS);
        for (int i = 0; i < 1_000_000; i++) {
            ints.addInts(i);
        }
        GraphProto transpose = GraphProto.newBuilder().addInput(floatValue("x", 2, 3))
                .addNode(node("Transpose", "t", new String[] {"x"}, "y").toBuilder().addAttribute(ints))
                .addOutput(floatValue("y", 3, 2)).build();
        Fuzzer.Outcome o = check(model(transpose).toByteArray());
        assertClean("perm of a million ints", o);
        assertEquals(Kind.FORMAT_ERROR, o.kind(), "a perm longer than the rank is malformed");

        NodeProto.Builder relu = node("Relu", "r", new String[] {"x"}, "y").toBuilder();
        for (int i = 0; i < 100_000; i++) {
            relu.addAttribute(AttributeProto.newBuilder().setName("a" + i).setType(AttributeProto.AttributeType.INT).setI(i));
        }
        GraphProto manyAttributes = GraphProto.newBuilder().addInput(floatValue("x", 2, 3)).addNode(relu)
                .addOutput(floatValue("y", 2, 3)).build();
        assertClean("100,000 attributes", check(model(manyAttributes).toByteArray()));

        ModelProto.Builder meta = model(GraphProto.newBuilder().addInput(floatValue("x", 2, 3))
                .addNode(node("Relu", "r", new String[] {"x"}, "y")).addOutput(floatValue("y", 2, 3)).build()).toBuilder();
        for (int i = 0; i < 100_000; i++) {
            meta.addMetadataProps(StringStringEntryProto.newBuilder().setKey("k" + i).setValue("v" + i));
        }
        o = check(meta.build().toByteArray());
        assertClean("100,000 metadata entries", o);
        assertEquals(Kind.RAN, o.kind());

        GraphProto.Builder inits = GraphProto.newBuilder().addInput(floatValue("x", 1));
        for (int i = 0; i < 100_000; i++) {
            inits.addInitializer(floatTensor("w" + i, new float[] {i}, 1));
        }
        inits.addNode(node("Add", "a", new String[] {"x", "w99999"}, "y")).addOutput(floatValue("y", 1));
        o = check(model(inits.build()).toByteArray());
        assertClean("100,000 initializers", o);
        assertTrue(o.kind() == Kind.RAN, o.toString());
    }
}
