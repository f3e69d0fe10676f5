package org.helu4j.onnx;

import static org.helu4j.onnx.OnnxFiles.floatTensor;
import static org.helu4j.onnx.OnnxFiles.floatValue;
import static org.helu4j.onnx.OnnxFiles.model;
import static org.helu4j.onnx.OnnxFiles.node;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.helu4j.Model;
import org.helu4j.ModelFormatException;
import org.helu4j.Session;
import org.helu4j.Tensor;
import org.helu4j.UnsupportedOperatorException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every malformed-file path ends in a ModelFormatException with a message a user can act on. */
class LoaderErrorTest {
    @TempDir
    Path dir;

    /** A valid model whose only output is an initializer: it loads with no operator at all. */
    private static GraphProto.Builder constantGraph(TensorProto weight) {
        return GraphProto.newBuilder().setName("g").addInitializer(weight).addOutput(floatValue("w", 2, 2));
    }

    private static String loadError(byte[] bytes) {
        return assertThrows(ModelFormatException.class, () -> Model.load(bytes).close()).getMessage();
    }

    private String loadError(ModelProto m) throws IOException {
        Path file = dir.resolve("model.onnx");
        Files.write(file, m.toByteArray());
        return assertThrows(ModelFormatException.class, () -> Model.load(file).close()).getMessage();
    }

    @Test
    void validConstantModelLoadsAndRuns() throws Exception {
        ModelProto m = model(constantGraph(floatTensor("w", new float[] {1, 2, 3, 4}, 2, 2)).build());
        try (Model model = Model.load(m.toByteArray()); Session s = model.newSession()) {
            assertArrayEquals(new float[] {1, 2, 3, 4}, s.run().get(0).toFloatArray());
        }
    }

    @Test
    void garbageAndEmptyFilesAreNotModels() {
        assertTrue(loadError("this is not a model".getBytes()).contains("not an ONNX model"));
        assertTrue(loadError(new byte[0]).contains("not an ONNX model"));
    }

    @Test
    void truncatedFileIsRejected() throws IOException {
        byte[] full = Files.readAllBytes(Path.of("src/test/resources/golden/golden-cnn.onnx"));
        for (int cut : new int[] {1, 10, full.length / 3, full.length / 2, full.length - 7}) {
            String msg = loadError(Arrays.copyOf(full, cut));
            assertTrue(msg.startsWith("not an ONNX model") || msg.contains("raw_data") || msg.contains("no graph")
                    || msg.contains("output"), "cut at " + cut + ": " + msg);
        }
    }

    @Test
    void rawDataLengthMustMatchShape() {
        TensorProto bad = floatTensor("w", new float[] {1, 2, 3}, 2, 2);
        String msg = loadError(model(constantGraph(bad).build()).toByteArray());
        assertTrue(msg.contains("raw_data holds 12 bytes") && msg.contains("needs 16"), msg);
    }

    @Test
    void typedValueCountMustMatchShape() {
        TensorProto bad = TensorProto.newBuilder().setName("w").setDataType(1).addDims(2).addDims(2)
                .addFloatData(1).addFloatData(2).build();
        String msg = loadError(model(constantGraph(bad).build()).toByteArray());
        assertTrue(msg.contains("holds 2 values") && msg.contains("needs 4"), msg);
    }

    @Test
    void negativeAndAbsurdDimsAreRejectedBeforeAllocating() {
        TensorProto negative = floatTensor("w", new float[0], 2, -2);
        assertTrue(loadError(model(constantGraph(negative).build()).toByteArray()).contains("out of range"));
        TensorProto absurd = floatTensor("w", new float[0], 1L << 20, 1L << 20, 1L << 20);
        String msg = loadError(model(constantGraph(absurd).build()).toByteArray());
        assertTrue(msg.contains("exceeds") || msg.contains("out of range"), msg);
    }

    @Test
    void danglingInputIsNamed() {
        GraphProto g = GraphProto.newBuilder().addInput(floatValue("x", 1, 4))
                .addNode(node("Relu", "r", new String[] {"nowhere"}, "y")).addOutput(floatValue("y", 1, 4)).build();
        String msg = loadError(model(g).toByteArray());
        assertTrue(msg.contains("'nowhere'") && msg.contains("'r'"), msg);
    }

    @Test
    void cycleIsDetected() {
        GraphProto g = GraphProto.newBuilder().addInput(floatValue("x", 1, 4))
                .addNode(node("Add", "a", new String[] {"x", "c"}, "b"))
                .addNode(node("Relu", "r", new String[] {"b"}, "c"))
                .addOutput(floatValue("c", 1, 4)).build();
        String msg = loadError(model(g).toByteArray());
        assertTrue(msg.contains("cycle"), msg);
    }

    @Test
    void longChainDoesNotOverflowTheStack() {
        GraphProto.Builder g = GraphProto.newBuilder().addInput(floatValue("x", 1, 4));
        String prev = "x";
        for (int i = 0; i < 100_000; i++) {
            g.addNode(node("NoSuchOp", "n" + i, new String[] {prev}, "v" + i));
            prev = "v" + i;
        }
        g.addOutput(floatValue(prev, 1, 4));
        // The graph is structurally valid; it fails only because the op is unknown.
        assertThrows(UnsupportedOperatorException.class, () -> Model.load(model(g.build()).toByteArray()));
    }

    @Test
    void valueProducedTwiceIsRejected() {
        GraphProto g = GraphProto.newBuilder().addInput(floatValue("x", 1, 4))
                .addNode(node("Relu", "a", new String[] {"x"}, "y"))
                .addNode(node("Relu", "b", new String[] {"x"}, "y")).addOutput(floatValue("y", 1, 4)).build();
        assertTrue(loadError(model(g).toByteArray()).contains("produced twice"));
    }

    @Test
    void unknownOperatorNamesOpNodeAndOpset() {
        GraphProto g = GraphProto.newBuilder().addInput(floatValue("x", 1, 4))
                .addNode(node("FancyActivation", "fancy1", new String[] {"x"}, "y")).addOutput(floatValue("y", 1, 4))
                .build();
        UnsupportedOperatorException e = assertThrows(UnsupportedOperatorException.class,
                () -> Model.load(model(g).toByteArray()));
        assertEquals("FancyActivation", e.opType());
        assertEquals("fancy1", e.nodeName());
        assertEquals(13, e.opset());
        assertTrue(e.getMessage().contains("FancyActivation") && e.getMessage().contains("fancy1")
                && e.getMessage().contains("opset 13"), e.getMessage());
    }

    @Test
    void missingOutputIsRejected() {
        GraphProto g = GraphProto.newBuilder().addInput(floatValue("x", 1, 4)).addOutput(floatValue("y", 1, 4)).build();
        assertTrue(loadError(model(g).toByteArray()).contains("'y'"));
    }

    // External data.

    private static TensorProto external(String location, long offset, long length) {
        TensorProto.Builder t = TensorProto.newBuilder().setName("w").setDataType(1).addDims(2).addDims(2)
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(location));
        if (offset >= 0) {
            t.addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue(Long.toString(offset)));
        }
        if (length >= 0) {
            t.addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue(Long.toString(length)));
        }
        return t.build();
    }

    private static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    @Test
    void externalDataInsideTheFolderIsMapped() throws Exception {
        byte[] payload = new byte[8 + 16];
        System.arraycopy(floats(5, 6, 7, 8), 0, payload, 8, 16);
        Files.write(dir.resolve("weights.bin"), payload);
        Path file = dir.resolve("model.onnx");
        Files.write(file, model(constantGraph(external("weights.bin", 8, 16)).build()).toByteArray());
        try (Model m = Model.load(file); Session s = m.newSession()) {
            assertArrayEquals(new float[] {5, 6, 7, 8}, s.run().get(0).toFloatArray());
        }
    }

    @Test
    void externalDataMustStayInsideTheFolder() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.write(outside.resolve("secret.bin"), floats(1, 2, 3, 4));
        Path inner = Files.createDirectories(dir.resolve("model"));
        Files.write(inner.resolve("short.bin"), floats(1, 2));
        Files.createSymbolicLink(inner.resolve("link.bin"), outside.resolve("secret.bin"));

        String abs = loadExternal(inner, external(outside.resolve("secret.bin").toString(), -1, -1));
        assertTrue(abs.contains("absolute"), abs);
        String escape = loadExternal(inner, external("../outside/secret.bin", -1, -1));
        assertTrue(escape.contains("outside the model's folder"), escape);
        String link = loadExternal(inner, external("link.bin", -1, -1));
        assertTrue(link.contains("link"), link);
        String beyond = loadExternal(inner, external("short.bin", 0, -1));
        assertTrue(beyond.contains("beyond the end"), beyond);
        String offset = loadExternal(inner, external("short.bin", 1 << 20, -1));
        assertTrue(offset.contains("beyond the end"), offset);
        String missing = loadExternal(inner, external("absent.bin", -1, -1));
        assertTrue(missing.contains("does not exist"), missing);
        String length = loadExternal(inner, external("short.bin", 0, 4));
        assertTrue(length.contains("does not match"), length);
    }

    @Test
    void externalDataIsRefusedWithoutAFolder() {
        String msg = loadError(model(constantGraph(external("w.bin", -1, -1)).build()).toByteArray());
        assertTrue(msg.contains("not loaded from a file"), msg);
    }

    private static String loadExternal(Path folder, TensorProto t) throws IOException {
        Path file = folder.resolve("model.onnx");
        Files.write(file, model(constantGraph(t).build()).toByteArray());
        return assertThrows(ModelFormatException.class, () -> Model.load(file).close()).getMessage();
    }

    @Test
    void rawDataOfAnUnsupportedTypeIsExplained() {
        TensorProto str = TensorProto.newBuilder().setName("w").setDataType(8).addDims(1)
                .addStringData(ByteString.copyFromUtf8("x")).build();
        assertTrue(loadError(model(constantGraph(str).build()).toByteArray()).contains("STRING"));
    }

    @Test
    void wrongInputShapeIsAnIllegalArgument() throws Exception {
        ModelProto m = model(constantGraph(floatTensor("w", new float[] {1, 2, 3, 4}, 2, 2))
                .addInput(floatValue("x", -1, 3)).build());
        try (Model model = Model.load(m.toByteArray()); Session s = model.newSession()) {
            String msg = assertThrows(IllegalArgumentException.class,
                    () -> s.run(Tensor.of(new float[8], 2, 4))).getMessage();
            assertTrue(msg.contains("[N, 3]") && msg.contains("[2, 4]"), msg);
            assertThrows(IllegalArgumentException.class, () -> s.run((Tensor) null));
            assertThrows(IllegalArgumentException.class, () -> s.run());
            s.run(Tensor.of(new float[6], 2, 3));
        }
    }
}
