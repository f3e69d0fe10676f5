package org.helu4j.reliability;

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
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.helu4j.Model;
import org.helu4j.ModelFormatException;
import org.helu4j.Session;
import org.helu4j.Tensor;
import org.helu4j.UnsupportedOperatorException;
import org.helu4j.graph.ValueInfo;
import org.helu4j.op.OpRegistry;
import org.helu4j.runtime.Plan;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * A seeded, deterministic mutational fuzzer for the ONNX loader. It takes valid models (the golden CNN, a sample
 * of the ONNX conformance models, the shipped models), mutates them at the byte level (truncation, bit flips,
 * random bytes, chunk edits) or through the protobuf builders (absurd dims, wrong raw_data lengths and dtypes,
 * missing or duplicated names, cycles, long chains, unknown ops and domains, hostile attribute values), and checks
 * each result with {@link #check}: the only allowed outcomes are a load (and then a run on a zero input that
 * succeeds or throws {@link IllegalArgumentException}) or a {@link ModelFormatException} with a message.
 */
public final class Fuzzer {
    /** One valid model that mutations start from. */
    public record Seed(String name, byte[] bytes, ModelProto proto) {
    }

    /** One generated case: where it came from, what was done to it, and the bytes. */
    public record Case(int index, String seed, String mutation, byte[] bytes) {
    }

    public enum Kind {
        /** Loaded and ran on a zero input. */
        RAN,
        /** Loaded; the run refused the input with an IllegalArgumentException (allowed). */
        RUN_REJECTED,
        /** Loaded; the run was skipped because the model's tensors are too large for the fuzzing budget. */
        RUN_SKIPPED,
        /** Refused with a ModelFormatException. */
        FORMAT_ERROR,
        /** Refused with an UnsupportedOperatorException. */
        UNSUPPORTED,
        /** Anything else: a bug. */
        FINDING
    }

    /** The result of one case; {@code signature} identifies a finding's kind for de-duplication. */
    public record Outcome(Kind kind, String signature, Throwable error) {
        static Outcome of(Kind kind) {
            return new Outcome(kind, null, null);
        }
    }

    /** Runs are skipped for models whose inputs or inferred tensors add up to more elements than this. */
    static final long RUN_ELEMENT_BUDGET = 1L << 24;

    private static final long[] INTERESTING = {0, 1, -1, 2, 3, -2, 7, 64, 255, 1L << 16, (1L << 30), (1L << 30) + 1,
        Integer.MAX_VALUE, 1L << 31, Integer.MIN_VALUE, 1L << 32, 1L << 62, Long.MAX_VALUE, Long.MIN_VALUE};

    private static final String[] ATTRIBUTE_NAMES = {"kernel_shape", "strides", "pads", "dilations", "group", "axis",
        "axes", "perm", "auto_pad", "epsilon", "alpha", "beta", "transA", "transB", "keepdims", "mode", "to",
        "output_padding", "output_shape", "ceil_mode", "count_include_pad", "storage_order", "split", "value",
        "allowzero", "blocksize", "upper", "batch_dims", "largest", "sorted", "k", "exclusive", "reverse",
        "noop_with_empty_axes", "select_last_index", "coordinate_transformation_mode", "nearest_mode", "min", "max"};

    private static final String[] CHAIN_OPS = {"Identity", "Relu", "Neg", "Abs", "Sigmoid", "NoSuchOp"};

    private final List<Seed> seeds;
    private final List<String> opNames;

    public Fuzzer(List<Seed> seeds) {
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("no seed models");
        }
        this.seeds = List.copyOf(seeds);
        this.opNames = List.copyOf(OpRegistry.supported());
    }

    public List<Seed> seeds() {
        return seeds;
    }

    // Seeds.

    /**
     * The default corpus: the golden CNN, the first {@code models/<arch>/*.onnx} of each architecture, and every
     * {@code sampleEvery}-th conformance model (0: none). Paths are relative to the engine module's folder.
     */
    public static List<Seed> defaultSeeds(Path engineDir, int sampleEvery) throws IOException {
        List<Path> files = new ArrayList<>();
        files.add(engineDir.resolve("src/test/resources/golden/golden-cnn.onnx"));
        Path models = engineDir.toAbsolutePath().normalize().resolveSibling("models");
        if (Files.isDirectory(models)) {
            // The first model of each architecture folder: the others differ only in their weights.
            java.util.Map<Path, Path> firstPerFolder = new java.util.TreeMap<>();
            try (Stream<Path> s = Files.walk(models, 2)) {
                s.filter(p -> p.toString().endsWith(".onnx")).sorted()
                        .forEach(p -> firstPerFolder.putIfAbsent(p.getParent(), p));
            }
            files.addAll(firstPerFolder.values());
        }
        if (sampleEvery > 0) {
            Path data = Path.of("/usr/share/libonnx-testdata/data");
            for (String suite : new String[] {"node", "pytorch-converted", "pytorch-operator"}) {
                Path dir = data.resolve(suite);
                if (!Files.isDirectory(dir)) {
                    continue;
                }
                List<Path> all;
                try (Stream<Path> s = Files.list(dir)) {
                    all = s.map(p -> p.resolve("model.onnx")).filter(Files::isRegularFile)
                            .sorted(Comparator.comparing(Path::toString)).toList();
                }
                for (int i = 0; i < all.size(); i += sampleEvery) {
                    files.add(all.get(i));
                }
            }
        }
        List<Seed> seeds = new ArrayList<>();
        for (Path f : files) {
            if (Files.size(f) > (4 << 20)) {
                continue; // keep each case cheap
            }
            byte[] bytes = Files.readAllBytes(f);
            String name = f.getParent().getFileName() + "/" + f.getFileName();
            seeds.add(new Seed(name, bytes, ModelProto.parseFrom(bytes)));
        }
        return seeds;
    }

    // Generation.

    /** The case with this index under this seed: the same pair always gives the same bytes. */
    public Case generate(long seed, int index) {
        Random r = new Random(seed * 0x9E3779B97F4A7C15L + index);
        Seed s = seeds.get(r.nextInt(seeds.size()));
        int pick = r.nextInt(100);
        StringBuilder what = new StringBuilder();
        byte[] bytes;
        if (pick < 35) {
            bytes = byteMutation(s.bytes(), r, what);
        } else {
            ModelProto.Builder m = s.proto().toBuilder();
            int edits = 1 + (r.nextInt(4) == 0 ? r.nextInt(3) : 0);
            for (int e = 0; e < edits; e++) {
                if (e > 0) {
                    what.append("; ");
                }
                structureMutation(m, r, what);
            }
            bytes = m.build().toByteArray();
            if (pick >= 95) {
                what.append("; then ");
                bytes = byteMutation(bytes, r, what);
            }
        }
        return new Case(index, s.name(), what.toString(), bytes);
    }

    private static byte[] byteMutation(byte[] in, Random r, StringBuilder what) {
        byte[] b = in.clone();
        switch (r.nextInt(7)) {
            case 0 -> {
                int len = r.nextInt(b.length);
                what.append("truncate to ").append(len);
                return Arrays.copyOf(b, len);
            }
            case 1 -> {
                int flips = 1 + r.nextInt(16);
                what.append(flips).append(" bit flips");
                for (int i = 0; i < flips; i++) {
                    b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
                }
                return b;
            }
            case 2 -> {
                int n = 1 + r.nextInt(32);
                what.append(n).append(" random bytes");
                for (int i = 0; i < n; i++) {
                    b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                }
                return b;
            }
            case 3 -> {
                // 0xFF runs make varints (lengths, tags, dims) enormous.
                int at = r.nextInt(b.length);
                int n = 1 + r.nextInt(10);
                what.append("0xFF run of ").append(n).append(" at ").append(at);
                for (int i = at; i < Math.min(b.length, at + n); i++) {
                    b[i] = (byte) 0xFF;
                }
                return b;
            }
            case 4 -> {
                int at = r.nextInt(b.length);
                int n = 1 + r.nextInt(Math.max(1, Math.min(64, b.length - at)));
                what.append("delete ").append(n).append(" at ").append(at);
                byte[] out = new byte[b.length - Math.min(n, b.length - at)];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(b, Math.min(b.length, at + n), out, at, out.length - at);
                return out;
            }
            case 5 -> {
                int at = r.nextInt(b.length + 1);
                byte[] chunk = new byte[1 + r.nextInt(64)];
                r.nextBytes(chunk);
                what.append("insert ").append(chunk.length).append(" random at ").append(at);
                return splice(b, at, chunk);
            }
            default -> {
                int from = r.nextInt(b.length);
                int n = 1 + r.nextInt(Math.min(256, b.length - from));
                int at = r.nextInt(b.length + 1);
                what.append("copy ").append(n).append(" from ").append(from).append(" to ").append(at);
                return splice(b, at, Arrays.copyOfRange(b, from, from + n));
            }
        }
    }

    private static byte[] splice(byte[] b, int at, byte[] chunk) {
        byte[] out = new byte[b.length + chunk.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(chunk, 0, out, at, chunk.length);
        System.arraycopy(b, at, out, at + chunk.length, b.length - at);
        return out;
    }

    private static long interesting(Random r) {
        return r.nextInt(4) == 0 ? r.nextInt(9) - 2 : INTERESTING[r.nextInt(INTERESTING.length)];
    }

    private void structureMutation(ModelProto.Builder m, Random r, StringBuilder what) {
        GraphProto.Builder g = m.getGraphBuilder();
        int nodes = g.getNodeCount();
        switch (r.nextInt(24)) {
            case 0 -> { // absurd, negative or symbolic dims on a declared value
                ValueInfoProto.Builder v = anyValueInfo(g, r);
                if (v == null || !v.getType().hasTensorType()) {
                    what.append("no-op");
                    return;
                }
                TensorShapeProto.Builder shape = v.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder();
                long d = interesting(r);
                if (shape.getDimCount() == 0 || r.nextInt(5) == 0) {
                    shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
                    what.append("add dim ").append(d).append(" to '").append(v.getName()).append("'");
                } else {
                    int i = r.nextInt(shape.getDimCount());
                    if (r.nextInt(4) == 0) {
                        shape.setDim(i, TensorShapeProto.Dimension.newBuilder().setDimParam("sym" + r.nextInt(3)));
                        what.append("symbolic dim ").append(i).append(" of '").append(v.getName()).append("'");
                    } else {
                        shape.setDim(i, TensorShapeProto.Dimension.newBuilder().setDimValue(d));
                        what.append("dim ").append(i).append(" of '").append(v.getName()).append("' = ").append(d);
                    }
                }
            }
            case 1 -> { // change the rank of a declared value
                ValueInfoProto.Builder v = anyValueInfo(g, r);
                if (v == null || !v.getType().hasTensorType()) {
                    what.append("no-op");
                    return;
                }
                TensorShapeProto.Builder shape = v.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder();
                if (shape.getDimCount() > 0 && r.nextBoolean()) {
                    shape.removeDim(r.nextInt(shape.getDimCount()));
                    what.append("drop a dim of '").append(v.getName()).append("'");
                } else {
                    shape.clearDim();
                    what.append("clear the shape of '").append(v.getName()).append("'");
                }
            }
            case 2 -> { // initializer dims no longer match its data
                TensorProto.Builder t = anyInitializer(g, r);
                if (t == null) {
                    what.append("no-op");
                    return;
                }
                long d = interesting(r);
                if (t.getDimsCount() == 0 || r.nextInt(4) == 0) {
                    t.addDims(d);
                    what.append("add dim ").append(d).append(" to initializer '").append(t.getName()).append("'");
                } else {
                    int i = r.nextInt(t.getDimsCount());
                    t.setDims(i, d);
                    what.append("initializer '").append(t.getName()).append("' dim ").append(i).append(" = ").append(d);
                }
            }
            case 3 -> { // raw_data of the wrong length, or typed data of the wrong count
                TensorProto.Builder t = anyInitializer(g, r);
                if (t == null) {
                    what.append("no-op");
                    return;
                }
                if (t.hasRawData() && r.nextBoolean()) {
                    ByteString raw = t.getRawData();
                    int len = r.nextBoolean() ? r.nextInt(raw.size() + 1) : raw.size() + 1 + r.nextInt(64);
                    byte[] nb = Arrays.copyOf(raw.toByteArray(), len);
                    t.setRawData(ByteString.copyFrom(nb));
                    what.append("raw_data of '").append(t.getName()).append("' resized to ").append(len);
                } else {
                    t.clearRawData();
                    int n = r.nextInt(20);
                    for (int i = 0; i < n; i++) {
                        t.addFloatData(r.nextFloat());
                        t.addInt64Data(r.nextLong());
                        t.addInt32Data(r.nextInt());
                    }
                    what.append("typed data of '").append(t.getName()).append("' replaced by ").append(n).append(" values");
                }
            }
            case 4 -> { // wrong dtype of an initializer or a declared value
                // Mostly the types the engine computes in (float32, int64) and those it converts, swapped for each other.
                int type = r.nextInt(3) == 0 ? r.nextInt(26) : new int[] {1, 7, 6, 9, 11, 2, 3, 10}[r.nextInt(8)];
                if (r.nextBoolean()) {
                    TensorProto.Builder t = anyInitializer(g, r);
                    if (t == null) {
                        what.append("no-op");
                        return;
                    }
                    t.setDataType(type);
                    what.append("initializer '").append(t.getName()).append("' dtype ").append(type);
                } else {
                    ValueInfoProto.Builder v = anyValueInfo(g, r);
                    if (v == null) {
                        what.append("no-op");
                        return;
                    }
                    v.getTypeBuilder().getTensorTypeBuilder().setElemType(type);
                    what.append("value '").append(v.getName()).append("' elem_type ").append(type);
                }
            }
            case 5 -> { // a node input renamed: missing, empty, or another existing value
                if (nodes == 0) {
                    what.append("no-op");
                    return;
                }
                NodeProto.Builder n = g.getNodeBuilder(r.nextInt(nodes));
                String name = switch (r.nextInt(3)) {
                    case 0 -> "missing_" + r.nextInt(100);
                    case 1 -> "";
                    default -> anyValueName(g, r);
                };
                if (n.getInputCount() == 0 || r.nextInt(4) == 0) {
                    n.addInput(name);
                    what.append("node '").append(n.getName()).append("' extra input '").append(name).append("'");
                } else {
                    int i = r.nextInt(n.getInputCount());
                    n.setInput(i, name);
                    what.append("node '").append(n.getName()).append("' input ").append(i).append(" = '").append(name).append("'");
                }
            }
            case 6 -> { // a node output renamed: duplicated, empty, or the name of an input
                if (nodes == 0) {
                    what.append("no-op");
                    return;
                }
                NodeProto.Builder n = g.getNodeBuilder(r.nextInt(nodes));
                String name = r.nextInt(3) == 0 ? "" : anyValueName(g, r);
                if (n.getOutputCount() == 0 || r.nextInt(5) == 0) {
                    n.addOutput(name);
                } else {
                    n.setOutput(r.nextInt(n.getOutputCount()), name);
                }
                what.append("node '").append(n.getName()).append("' output '").append(name).append("'");
            }
            case 7 -> { // a cycle: an early node reads a later node's output
                if (nodes < 1) {
                    what.append("no-op");
                    return;
                }
                int i = r.nextInt(nodes);
                int j = i + r.nextInt(nodes - i);
                NodeProto.Builder early = g.getNodeBuilder(i);
                NodeProto late = g.getNode(j);
                if (late.getOutputCount() == 0) {
                    what.append("no-op");
                    return;
                }
                String out = late.getOutput(0);
                if (early.getInputCount() == 0) {
                    early.addInput(out);
                } else {
                    early.setInput(r.nextInt(early.getInputCount()), out);
                }
                what.append("cycle: node ").append(i).append(" reads '").append(out).append("' of node ").append(j);
            }
            case 8 -> { // remove, duplicate or shuffle nodes
                if (nodes == 0) {
                    what.append("no-op");
                    return;
                }
                switch (r.nextInt(3)) {
                    case 0 -> {
                        int i = r.nextInt(nodes);
                        g.removeNode(i);
                        what.append("remove node ").append(i);
                    }
                    case 1 -> {
                        int i = r.nextInt(nodes);
                        g.addNode(g.getNode(i));
                        what.append("duplicate node ").append(i);
                    }
                    default -> {
                        List<NodeProto> list = new ArrayList<>(g.getNodeList());
                        java.util.Collections.shuffle(list, r);
                        g.clearNode().addAllNode(list);
                        what.append("shuffle the nodes");
                    }
                }
            }
            case 9 -> { // a long chain after the first output
                int length = new int[] {100, 1_000, 10_000, 100_000}[r.nextInt(r.nextInt(8) == 0 ? 4 : 3)];
                String op = CHAIN_OPS[r.nextInt(CHAIN_OPS.length)];
                if (g.getOutputCount() == 0) {
                    what.append("no-op");
                    return;
                }
                String prev = g.getOutput(0).getName();
                for (int i = 0; i < length; i++) {
                    String next = "chain_" + i;
                    g.addNode(NodeProto.newBuilder().setOpType(op).setName("chain_node_" + i).addInput(prev).addOutput(next));
                    prev = next;
                }
                g.setOutput(0, g.getOutput(0).toBuilder().setName(prev));
                what.append(length).append("-node chain of ").append(op);
            }
            case 10 -> { // swap an op for another (supported) one, or an unknown one
                if (nodes == 0) {
                    what.append("no-op");
                    return;
                }
                NodeProto.Builder n = g.getNodeBuilder(r.nextInt(nodes));
                String op = r.nextInt(6) == 0 ? "Evil" + r.nextInt(10) : opNames.get(r.nextInt(opNames.size()));
                what.append("node '").append(n.getName()).append("' ").append(n.getOpType()).append(" -> ").append(op);
                n.setOpType(op);
            }
            case 11 -> { // unknown or empty domain
                if (nodes == 0) {
                    what.append("no-op");
                    return;
                }
                NodeProto.Builder n = g.getNodeBuilder(r.nextInt(nodes));
                String domain = new String[] {"com.evil", "ai.onnx.ml", "ai.onnx", "com.microsoft", "\u0000"}[r.nextInt(5)];
                n.setDomain(domain);
                what.append("node '").append(n.getName()).append("' domain '").append(domain).append("'");
            }
            case 12 -> { // opset versions
                long v = r.nextBoolean() ? interesting(r) : r.nextInt(20);
                if (m.getOpsetImportCount() > 0 && r.nextInt(4) > 0) {
                    m.setOpsetImport(0, m.getOpsetImport(0).toBuilder().setVersion(v));
                } else if (r.nextBoolean()) {
                    m.clearOpsetImport();
                    v = Long.MIN_VALUE;
                } else {
                    m.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(v));
                }
                what.append("opset ").append(v == Long.MIN_VALUE ? "removed" : Long.toString(v));
            }
            case 13 -> { // huge attribute lists
                if (nodes == 0) {
                    what.append("no-op");
                    return;
                }
                NodeProto.Builder n = g.getNodeBuilder(r.nextInt(nodes));
                if (r.nextBoolean()) {
                    int count = new int[] {1_000, 100_000, 1_000_000}[r.nextInt(3)];
                    AttributeProto.Builder a = AttributeProto.newBuilder()
                            .setName(ATTRIBUTE_NAMES[r.nextInt(ATTRIBUTE_NAMES.length)]).setType(AttributeProto.AttributeType.INTS);
                    for (int i = 0; i < count; i++) {
                        a.addInts(r.nextInt(5));
                    }
                    n.addAttribute(a);
                    what.append("node '").append(n.getName()).append("' attribute '").append(a.getName())
                            .append("' with ").append(count).append(" ints");
                } else {
                    int count = new int[] {1_000, 10_000}[r.nextInt(2)];
                    for (int i = 0; i < count; i++) {
                        n.addAttribute(AttributeProto.newBuilder().setName("junk" + i).setType(AttributeProto.AttributeType.INT).setI(i));
                    }
                    what.append("node '").append(n.getName()).append("' with ").append(count).append(" attributes");
                }
            }
            case 14, 15, 16 -> hostileAttribute(g, r, what);
            case 17 -> { // an attribute's declared type changed under its content
                NodeProto.Builder n = nodeWithAttributes(g, r);
                if (n == null) {
                    what.append("no-op");
                    return;
                }
                int i = r.nextInt(n.getAttributeCount());
                AttributeProto.AttributeType[] types = AttributeProto.AttributeType.values();
                AttributeProto.AttributeType t = types[r.nextInt(types.length - 1)];
                n.setAttribute(i, n.getAttribute(i).toBuilder().setType(t));
                what.append("node '").append(n.getName()).append("' attribute '").append(n.getAttribute(i).getName())
                        .append("' typed ").append(t);
            }
            case 18 -> { // remove node inputs, or add absent ones
                if (nodes == 0) {
                    what.append("no-op");
                    return;
                }
                NodeProto.Builder n = g.getNodeBuilder(r.nextInt(nodes));
                if (n.getInputCount() > 0 && r.nextBoolean()) {
                    List<String> ins = new ArrayList<>(n.getInputList());
                    ins.remove(r.nextInt(ins.size()));
                    n.clearInput().addAllInput(ins);
                    what.append("node '").append(n.getName()).append("' loses an input");
                } else {
                    int k = 1 + r.nextInt(3);
                    for (int i = 0; i < k; i++) {
                        n.addInput(r.nextBoolean() ? "" : anyValueName(g, r));
                    }
                    what.append("node '").append(n.getName()).append("' gains ").append(k).append(" input(s)");
                }
            }
            case 19 -> { // duplicated initializer or graph input
                if (g.getInitializerCount() > 0 && r.nextBoolean()) {
                    g.addInitializer(g.getInitializer(r.nextInt(g.getInitializerCount())));
                    what.append("duplicate an initializer");
                } else if (g.getInputCount() > 0) {
                    g.addInput(g.getInput(r.nextInt(g.getInputCount())));
                    what.append("duplicate a graph input");
                } else {
                    what.append("no-op");
                }
            }
            case 20 -> { // outputs: removed, renamed, duplicated
                switch (r.nextInt(3)) {
                    case 0 -> {
                        g.clearOutput();
                        what.append("no outputs");
                    }
                    case 1 -> {
                        if (g.getOutputCount() == 0) {
                            what.append("no-op");
                            return;
                        }
                        String name = anyValueName(g, r);
                        g.setOutput(0, g.getOutput(0).toBuilder().setName(name));
                        what.append("output 0 renamed '").append(name).append("'");
                    }
                    default -> {
                        if (g.getOutputCount() == 0) {
                            what.append("no-op");
                            return;
                        }
                        g.addOutput(g.getOutput(0));
                        what.append("output 0 declared twice");
                    }
                }
            }
            case 21 -> { // initializers removed, or turned into inputs, or inputs dropped
                if (g.getInitializerCount() > 0 && r.nextBoolean()) {
                    int i = r.nextInt(g.getInitializerCount());
                    TensorProto t = g.getInitializer(i);
                    g.removeInitializer(i);
                    if (r.nextBoolean()) {
                        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
                        t.getDimsList().forEach(d -> shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d)));
                        g.addInput(ValueInfoProto.newBuilder().setName(t.getName()).setType(TypeProto.newBuilder()
                                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(t.getDataType()).setShape(shape))));
                        what.append("initializer '").append(t.getName()).append("' becomes an input");
                    } else {
                        what.append("remove initializer '").append(t.getName()).append("'");
                    }
                } else if (g.getInputCount() > 0) {
                    g.removeInput(r.nextInt(g.getInputCount()));
                    what.append("remove a graph input");
                } else {
                    what.append("no-op");
                }
            }
            case 22 -> { // external data, which a model loaded from bytes may not use
                TensorProto.Builder t = anyInitializer(g, r);
                if (t == null) {
                    what.append("no-op");
                    return;
                }
                t.setDataLocation(TensorProto.DataLocation.EXTERNAL).clearRawData()
                        .addExternalData(StringStringEntryProto.newBuilder().setKey("location")
                                .setValue(r.nextBoolean() ? "/etc/passwd" : "../../weights.bin"));
                what.append("initializer '").append(t.getName()).append("' external");
            }
            default -> { // a Constant node with a hostile value attribute feeding something
                if (nodes == 0) {
                    what.append("no-op");
                    return;
                }
                NodeProto.Builder n = g.getNodeBuilder(r.nextInt(nodes));
                long[] values = new long[1 + r.nextInt(4)];
                TensorProto.Builder t = TensorProto.newBuilder().setDataType(7).addDims(values.length);
                for (int i = 0; i < values.length; i++) {
                    t.addInt64Data(interesting(r));
                }
                String out = "hostile_const_" + r.nextInt(1000);
                g.addNode(0, NodeProto.newBuilder().setOpType("Constant").addOutput(out).addAttribute(
                        AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR).setT(t)));
                if (n.getInputCount() == 0) {
                    n.addInput(out);
                } else {
                    n.setInput(r.nextInt(n.getInputCount()), out);
                }
                what.append("node '").append(n.getName()).append("' reads constant ").append(t.getInt64DataList());
            }
        }
    }

    /** kernel_shape = 2^31, group = 0, strides = 0, negative pads, axis out of range, and so on. */
    private static void hostileAttribute(GraphProto.Builder g, Random r, StringBuilder what) {
        if (g.getNodeCount() == 0) {
            what.append("no-op");
            return;
        }
        NodeProto.Builder n = g.getNodeBuilder(r.nextInt(g.getNodeCount()));
        int existing = -1;
        if (n.getAttributeCount() > 0 && r.nextInt(3) > 0) {
            existing = r.nextInt(n.getAttributeCount());
        }
        String name = existing >= 0 ? n.getAttribute(existing).getName() : ATTRIBUTE_NAMES[r.nextInt(ATTRIBUTE_NAMES.length)];
        AttributeProto.AttributeType type = existing >= 0 ? n.getAttribute(existing).getType()
                : new AttributeProto.AttributeType[] {AttributeProto.AttributeType.INT, AttributeProto.AttributeType.INTS,
                    AttributeProto.AttributeType.FLOAT, AttributeProto.AttributeType.STRING}[r.nextInt(4)];
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(type);
        String shown;
        switch (type) {
            case INT -> {
                long v = interesting(r);
                a.setI(v);
                shown = Long.toString(v);
            }
            case INTS -> {
                int count = existing >= 0 && r.nextBoolean() ? n.getAttribute(existing).getIntsCount() : r.nextInt(7);
                List<Long> vs = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    vs.add(interesting(r));
                }
                a.addAllInts(vs);
                shown = vs.toString();
            }
            case FLOAT -> {
                float v = new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0, -1, 1e38f,
                    Float.MIN_VALUE}[r.nextInt(7)];
                a.setF(v);
                shown = Float.toString(v);
            }
            case FLOATS -> {
                a.addFloats(Float.NaN).addFloats(-1);
                shown = "[NaN, -1]";
            }
            case STRING -> {
                String v = new String[] {"", "SAME_UPPER", "VALID", "NOTSET", "SAME_LOWER", "nonsense", "linear",
                    "nearest", "cubic", "DCR", "CRD", "\uFFFF"}[r.nextInt(12)];
                a.setS(ByteString.copyFromUtf8(v));
                shown = "'" + v + "'";
            }
            default -> {
                a.setI(interesting(r));
                shown = "(" + type + ")";
            }
        }
        if (existing >= 0) {
            n.setAttribute(existing, a);
        } else {
            n.addAttribute(a);
        }
        what.append("node '").append(n.getName()).append("' (").append(n.getOpType()).append(") ").append(name)
                .append(" = ").append(shown);
    }

    private static NodeProto.Builder nodeWithAttributes(GraphProto.Builder g, Random r) {
        List<Integer> with = new ArrayList<>();
        for (int i = 0; i < g.getNodeCount(); i++) {
            if (g.getNode(i).getAttributeCount() > 0) {
                with.add(i);
            }
        }
        return with.isEmpty() ? null : g.getNodeBuilder(with.get(r.nextInt(with.size())));
    }

    private static ValueInfoProto.Builder anyValueInfo(GraphProto.Builder g, Random r) {
        int total = g.getInputCount() + g.getOutputCount() + g.getValueInfoCount();
        if (total == 0) {
            return null;
        }
        int i = r.nextInt(total);
        if (i < g.getInputCount()) {
            return g.getInputBuilder(i);
        }
        i -= g.getInputCount();
        if (i < g.getOutputCount()) {
            return g.getOutputBuilder(i);
        }
        return g.getValueInfoBuilder(i - g.getOutputCount());
    }

    private static TensorProto.Builder anyInitializer(GraphProto.Builder g, Random r) {
        return g.getInitializerCount() == 0 ? null : g.getInitializerBuilder(r.nextInt(g.getInitializerCount()));
    }

    private static String anyValueName(GraphProto.Builder g, Random r) {
        List<String> names = new ArrayList<>();
        g.getInputList().forEach(v -> names.add(v.getName()));
        g.getInitializerList().forEach(t -> names.add(t.getName()));
        g.getNodeList().forEach(n -> names.addAll(n.getOutputList()));
        return names.isEmpty() ? "x" : names.get(r.nextInt(names.size()));
    }

    // Checking.

    /**
     * Loads {@code bytes} and, if that succeeds, runs the model once on zero inputs of the declared shapes
     * (symbolic dimensions = 1). Never throws: anything outside the contract is reported as a {@link Kind#FINDING}.
     */
    public static Outcome check(byte[] bytes) {
        Model model;
        try {
            model = Model.load(bytes);
        } catch (UnsupportedOperatorException e) {
            return messageOk(e) ? Outcome.of(Kind.UNSUPPORTED) : finding("load", e, "empty message: ");
        } catch (ModelFormatException e) {
            return messageOk(e) ? Outcome.of(Kind.FORMAT_ERROR) : finding("load", e, "empty message: ");
        } catch (Throwable e) {
            return finding("load", e, "");
        }
        try (model) {
            Tensor[] inputs = zeroInputs(model);
            if (inputs == null || !withinRunBudget(model)) {
                return Outcome.of(Kind.RUN_SKIPPED);
            }
            try (Session s = model.newSession()) {
                try {
                    s.run(inputs);
                } catch (IllegalArgumentException e) {
                    return messageOk(e) ? Outcome.of(Kind.RUN_REJECTED) : finding("run", e, "empty message: ");
                }
                // A second run in the same session with random values (int64 inputs: small, some negative, as
                // out-of-range indices would be), which must also succeed or be refused.
                Random r = new Random(Arrays.hashCode(bytes));
                randomize(inputs, r);
                try {
                    s.run(inputs);
                } catch (IllegalArgumentException e) {
                    return messageOk(e) ? Outcome.of(Kind.RUN_REJECTED) : finding("run2", e, "empty message: ");
                }
                // Where the model has symbolic dimensions: once with them all 0 (empty tensors), once with 3.
                for (int symbolic : new int[] {0, 3}) {
                    Tensor[] other = zeroInputs(model, symbolic);
                    if (other == null || Arrays.equals(Arrays.stream(other).map(Tensor::shape).toArray(),
                            Arrays.stream(inputs).map(Tensor::shape).toArray())) {
                        continue;
                    }
                    randomize(other, r);
                    try {
                        s.run(other);
                    } catch (IllegalArgumentException e) {
                        if (!messageOk(e)) {
                            return finding("run-sym" + symbolic, e, "empty message: ");
                        }
                    }
                }
                return Outcome.of(Kind.RAN);
            } catch (Throwable e) {
                return finding("run", e, "");
            }
        } catch (Throwable e) {
            return finding("close", e, "");
        }
    }

    private static boolean messageOk(Throwable e) {
        return e.getMessage() != null && !e.getMessage().isBlank();
    }

    /** Zero inputs of the declared shapes, symbolic dimensions = 1; null if they would be too large. */
    static Tensor[] zeroInputs(Model model) {
        return zeroInputs(model, 1);
    }

    /** Zero inputs with every symbolic dimension = {@code symbolic}; null if they would be too large. */
    static Tensor[] zeroInputs(Model model, int symbolic) {
        List<ValueInfo> declared = model.inputs();
        Tensor[] inputs = new Tensor[declared.size()];
        long total = 0;
        for (int i = 0; i < inputs.length; i++) {
            ValueInfo v = declared.get(i);
            long[] dims = v.dims() == null ? new long[] {1} : v.dims();
            long n = 1;
            for (int d = 0; d < dims.length; d++) {
                dims[d] = dims[d] < 0 ? symbolic : dims[d];
                n = Math.multiplyHigh(n, dims[d]) != 0 ? Long.MAX_VALUE : n * dims[d];
                if (n > RUN_ELEMENT_BUDGET) {
                    return null;
                }
            }
            total += n;
            if (total > RUN_ELEMENT_BUDGET) {
                return null;
            }
            Shape.of(dims); // within the engine's limits, since n is small
            inputs[i] = v.type() == DType.INT64 ? Tensor.ofLongs(new long[(int) n], dims) : Tensor.of(new float[(int) n], dims);
        }
        return inputs;
    }

    private static void randomize(Tensor[] inputs, Random r) {
        for (Tensor t : inputs) {
            for (long i = 0; i < t.size(); i++) {
                if (t.type() == DType.INT64) {
                    t.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_LONG, i, r.nextInt(11) - 5);
                } else {
                    float v = r.nextInt(50) == 0 ? new float[] {Float.NaN, Float.POSITIVE_INFINITY, -0f}[r.nextInt(3)]
                            : (float) r.nextGaussian() * 4;
                    t.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, v);
                }
            }
        }
    }

    private static final Field STATIC_SHAPES;

    static {
        try {
            STATIC_SHAPES = Plan.class.getDeclaredField("staticShapes");
            STATIC_SHAPES.setAccessible(true);
        } catch (NoSuchFieldException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The fuzzer's own memory budget: the engine may legitimately allocate what a model asks for, up to 2^30. */
    private static boolean withinRunBudget(Model model) throws IllegalAccessException {
        long total = 0;
        for (Shape s : (Shape[]) STATIC_SHAPES.get(model.plan())) {
            if (s != null) {
                total += s.size();
                if (total > 4 * RUN_ELEMENT_BUDGET) {
                    return false;
                }
            }
        }
        return true;
    }

    private static Outcome finding(String phase, Throwable e, String prefix) {
        StackTraceElement where = null;
        for (StackTraceElement el : e.getStackTrace()) {
            if (el.getClassName().startsWith("org.helu4j.") && !el.getClassName().startsWith("org.helu4j.reliability.")) {
                where = el;
                break;
            }
        }
        String at = where == null ? "?" : where.getClassName().substring("org.helu4j.".length()) + "." + where.getMethodName()
                + ":" + where.getLineNumber();
        return new Outcome(Kind.FINDING, prefix + phase + " " + e.getClass().getSimpleName() + " at " + at, e);
    }

    // Running with a per-case time limit.

    /** Checks cases on a worker thread so that a hang is caught and reported instead of stalling the fuzzer. */
    public static final class Runner implements AutoCloseable {
        private final long timeoutMillis;
        private ExecutorService worker = newWorker();

        public Runner(long timeoutMillis) {
            this.timeoutMillis = timeoutMillis;
        }

        private static ExecutorService newWorker() {
            return Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(null, r, "fuzz-worker", 4L << 20);
                t.setDaemon(true);
                return t;
            });
        }

        public Outcome check(byte[] bytes) {
            Future<Outcome> f = worker.submit(() -> Fuzzer.check(bytes));
            try {
                return f.get(timeoutMillis, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                f.cancel(true);
                worker.shutdownNow();
                worker = newWorker(); // the stuck thread is abandoned (a daemon)
                return new Outcome(Kind.FINDING, "hang: no outcome within " + timeoutMillis + " ms", e);
            } catch (ExecutionException e) {
                return new Outcome(Kind.FINDING, "fuzzer error " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() {
            worker.shutdownNow();
        }
    }
}
