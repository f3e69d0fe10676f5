package org.helu4j.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.helu4j.ModelFormatException;
import org.helu4j.Tensor;
import org.helu4j.graph.Attributes;
import org.helu4j.graph.Graph;
import org.helu4j.graph.Node;
import org.helu4j.graph.ValueInfo;
import org.helu4j.tensor.Shape;

/**
 * Reads an ONNX model (through the generated protobuf classes) into the engine's {@link Graph}. Everything the
 * file says is checked before it is trusted: sizes against shapes, names against producers, external paths
 * against the model's folder.
 */
public final class OnnxLoader {
    /** Models larger than this are refused before parsing (protobuf itself cannot exceed 2 GiB). */
    public static final long MAX_MODEL_BYTES = Integer.MAX_VALUE;

    private OnnxLoader() {
    }

    /** Loads {@code file}; initializers and mapped external data are owned by {@code arena}. */
    public static Graph load(Path file, Arena arena) throws IOException, ModelFormatException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(Files.exists(file) ? file + " is not a regular file" : file + ": no such file");
        }
        if (Files.size(file) > MAX_MODEL_BYTES) {
            throw new ModelFormatException(file + " is larger than 2 GiB; store the weights as external data");
        }
        Path folder = file.toAbsolutePath().getParent();
        return load(Files.readAllBytes(file), arena, folder);
    }

    /** Loads a model from memory. External data is resolved inside {@code folder}, or refused if it is null. */
    public static Graph load(byte[] bytes, Arena arena, Path folder) throws ModelFormatException {
        ModelProto model;
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            in.setRecursionLimit(64);
            model = ModelProto.parseFrom(in);
        } catch (InvalidProtocolBufferException e) {
            throw new ModelFormatException("not an ONNX model (the protobuf is malformed: " + e.getMessage() + ")");
        } catch (IOException | RuntimeException e) {
            throw new ModelFormatException("not an ONNX model (" + e.getMessage() + ")");
        }
        if (!model.hasGraph()) {
            throw new ModelFormatException("not an ONNX model (no graph)");
        }
        Map<String, Long> opsets = new HashMap<>();
        for (OperatorSetIdProto id : model.getOpsetImportList()) {
            String domain = id.getDomain().equals("ai.onnx") ? "" : id.getDomain();
            opsets.put(domain, id.getVersion());
        }
        if (!opsets.containsKey("")) {
            // IR version 1-2 files may omit the import; treat them as opset 1 as the specification says.
            opsets.put("", 1L);
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (StringStringEntryProto p : model.getMetadataPropsList()) {
            metadata.put(p.getKey(), p.getValue());
        }
        try {
            return toGraph(model.getGraph(), opsets, metadata, arena, new ExternalData(folder, arena));
        } catch (IllegalArgumentException | IllegalStateException | IndexOutOfBoundsException e) {
            throw new ModelFormatException("inconsistent model: " + e.getMessage(), e);
        }
    }

    private static Graph toGraph(GraphProto g, Map<String, Long> opsets, Map<String, String> metadata, Arena arena,
            ExternalData external) throws ModelFormatException {
        Map<String, Tensor> initializers = new LinkedHashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            if (t.getName().isEmpty()) {
                throw new ModelFormatException("an initializer has no name");
            }
            if (initializers.put(t.getName(), OnnxTensors.toTensor(t, arena, external)) != null) {
                throw new ModelFormatException("initializer '" + t.getName() + "' is defined twice");
            }
        }
        if (g.getSparseInitializerCount() > 0) {
            throw new ModelFormatException("sparse initializers are not supported");
        }
        List<ValueInfo> inputs = new ArrayList<>();
        for (ValueInfoProto v : g.getInputList()) {
            inputs.add(valueInfo(v));
        }
        List<ValueInfo> outputs = new ArrayList<>();
        for (ValueInfoProto v : g.getOutputList()) {
            outputs.add(valueInfo(v));
        }
        List<Node> nodes = new ArrayList<>(g.getNodeCount());
        Set<String> names = new HashSet<>();
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto n = g.getNode(i);
            String domain = n.getDomain().equals("ai.onnx") ? "" : n.getDomain();
            String name = n.getName().isEmpty() || names.contains(n.getName()) ? n.getOpType() + "_" + i : n.getName();
            names.add(name);
            if (n.getOpType().isEmpty()) {
                throw new ModelFormatException("node " + i + " has no op_type");
            }
            Long opset = opsets.get(domain);
            long version = opset == null ? -1 : opset;
            nodes.add(new Node(name, n.getOpType(), domain, version, n.getInputList(), n.getOutputList(),
                    attributes(n, name, arena)));
        }
        return Graph.of(inputs, outputs, initializers, nodes, metadata);
    }

    private static ValueInfo valueInfo(ValueInfoProto v) throws ModelFormatException {
        if (v.getName().isEmpty()) {
            throw new ModelFormatException("a graph input or output has no name");
        }
        TypeProto type = v.getType();
        if (!type.hasTensorType()) {
            return new ValueInfo(v.getName(), null, null, null);
        }
        TypeProto.Tensor tt = type.getTensorType();
        if (!tt.hasShape()) {
            return new ValueInfo(v.getName(), OnnxTensors.engineType(tt.getElemType()), null, null);
        }
        TensorShapeProto shape = tt.getShape();
        long[] dims = new long[shape.getDimCount()];
        String[] dimNames = new String[dims.length];
        for (int i = 0; i < dims.length; i++) {
            TensorShapeProto.Dimension d = shape.getDim(i);
            if (d.hasDimValue() && d.getDimValue() > Shape.MAX_ELEMENTS) {
                throw new ModelFormatException("'" + v.getName() + "' declares dimension " + d.getDimValue()
                        + ", beyond the engine's limit of " + Shape.MAX_ELEMENTS + " elements");
            } else if (d.hasDimValue() && d.getDimValue() >= 0) {
                dims[i] = d.getDimValue();
            } else {
                dims[i] = -1;
                dimNames[i] = d.hasDimParam() ? d.getDimParam() : null;
            }
        }
        if (Arrays.stream(dims).allMatch(d -> d >= 0)) {
            try {
                Shape.of(dims);
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException("'" + v.getName() + "' declares an impossible shape: " + e.getMessage());
            }
        }
        return new ValueInfo(v.getName(), OnnxTensors.engineType(tt.getElemType()), dims, dimNames);
    }

    private static Attributes attributes(NodeProto n, String nodeName, Arena arena) throws ModelFormatException {
        if (n.getAttributeCount() == 0) {
            return Attributes.NONE;
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (AttributeProto a : n.getAttributeList()) {
            Object v = attributeValue(a, nodeName, arena);
            if (v != null && values.put(a.getName(), v) != null) {
                throw new ModelFormatException("node '" + nodeName + "' has attribute '" + a.getName() + "' twice");
            }
        }
        return new Attributes(values);
    }

    private static Object attributeValue(AttributeProto a, String nodeName, Arena arena) throws ModelFormatException {
        AttributeProto.AttributeType type = a.getType();
        if (type == AttributeProto.AttributeType.UNDEFINED) {
            type = guessType(a);
        }
        return switch (type) {
            case FLOAT -> a.getF();
            case INT -> a.getI();
            case STRING -> a.getS().toStringUtf8();
            case TENSOR -> OnnxTensors.toTensor(a.getT(), arena, null);
            case FLOATS -> {
                float[] f = new float[a.getFloatsCount()];
                for (int i = 0; i < f.length; i++) {
                    f[i] = a.getFloats(i);
                }
                yield f;
            }
            case INTS -> {
                long[] l = new long[a.getIntsCount()];
                for (int i = 0; i < l.length; i++) {
                    l[i] = a.getInts(i);
                }
                yield l;
            }
            case STRINGS -> a.getStringsList().stream().map(b -> b.toStringUtf8()).toArray(String[]::new);
            // Subgraph, sparse and type attributes are kept out of the IR; ops that need them are unsupported.
            default -> new UnsupportedAttribute(type.name());
        };
    }

    private static AttributeProto.AttributeType guessType(AttributeProto a) {
        if (a.getIntsCount() > 0) {
            return AttributeProto.AttributeType.INTS;
        } else if (a.getFloatsCount() > 0) {
            return AttributeProto.AttributeType.FLOATS;
        } else if (a.hasT()) {
            return AttributeProto.AttributeType.TENSOR;
        } else if (a.hasS()) {
            return AttributeProto.AttributeType.STRING;
        } else if (a.hasF()) {
            return AttributeProto.AttributeType.FLOAT;
        }
        return AttributeProto.AttributeType.INT;
    }

    /** Marks an attribute whose kind (graph, sparse tensor, type proto) the engine does not read. */
    public record UnsupportedAttribute(String kind) {
    }
}
