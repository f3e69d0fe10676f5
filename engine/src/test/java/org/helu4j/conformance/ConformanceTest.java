package org.helu4j.conformance;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.helu4j.Model;
import org.helu4j.Session;
import org.helu4j.Tensor;
import org.helu4j.onnx.OnnxTensors;
import org.helu4j.op.OpRegistry;
import org.helu4j.tensor.DType;
import org.junit.jupiter.api.Test;

/**
 * Runs the ONNX backend conformance data (Debian's {@code libonnx-testdata}) through the engine: every case whose
 * ops are all supported and whose inputs are float or int64. Outputs must match within the tolerance the ONNX
 * backend tests use (rtol 1e-3, atol 1e-7; int64 exactly). The report, with the reason for every skip and failure,
 * is written to {@code target/conformance-report.txt}.
 *
 * <p>{@code -Dconformance.filter=REGEX} restricts the run to cases whose folder name matches (for development).
 */
class ConformanceTest {
    static final Path DATA = Path.of(System.getProperty("conformance.data", "/usr/share/libonnx-testdata/data"));
    static final List<String> SUITES = List.of("node", "pytorch-converted", "pytorch-operator");
    static final double RTOL = 1e-3;
    static final double ATOL = 1e-7;
    static final double REQUIRED_PASS_RATE = 0.95;

    record Outcome(String suite, String name, String status, String detail) {
    }

    @Test
    void backendTestDataPasses() throws IOException {
        // The suite runs once, at the default width; the per-width executions cover the kernel tests.
        assumeTrue(System.getProperty("helu4j.vectorBits") == null, "conformance runs in the default execution");
        if (!Files.isDirectory(DATA.resolve("node"))) {
            fail("ONNX conformance data not found at " + DATA + ": install it with 'apt-get install libonnx-testdata'");
        }
        String filter = System.getProperty("conformance.filter", "");
        Pattern pattern = filter.isEmpty() ? null : Pattern.compile(filter);
        List<Outcome> outcomes = new ArrayList<>();
        for (String suite : SUITES) {
            List<Path> cases;
            try (Stream<Path> s = Files.list(DATA.resolve(suite))) {
                cases = s.filter(Files::isDirectory).sorted().toList();
            }
            for (Path dir : cases) {
                String name = dir.getFileName().toString();
                if (pattern == null || pattern.matcher(name).find()) {
                    outcomes.add(runCase(suite, dir));
                }
            }
        }
        long passed = outcomes.stream().filter(o -> o.status.equals("PASS")).count();
        long failed = outcomes.stream().filter(o -> o.status.equals("FAIL")).count();
        long skipped = outcomes.size() - passed - failed;
        long applicable = passed + failed;
        Path report = Path.of("target", "conformance-report.txt");
        Files.createDirectories(report.getParent());
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(report))) {
            w.printf("ONNX backend conformance (%s), filter '%s'%n", DATA, filter);
            w.printf("applicable %d, passed %d, failed %d, skipped %d (not applicable)%n%n", applicable, passed, failed,
                    skipped);
            for (String status : List.of("FAIL", "PASS", "SKIP")) {
                for (Outcome o : outcomes) {
                    if (o.status.equals(status)) {
                        w.printf("%s %s/%s%s%n", o.status, o.suite, o.name, o.detail.isEmpty() ? "" : ": " + o.detail);
                    }
                }
            }
        }
        System.out.printf("conformance: applicable %d, passed %d, failed %d, skipped %d; report in %s%n", applicable,
                passed, failed, skipped, report.toAbsolutePath());
        if (pattern == null) {
            assertTrue(applicable > 0, "no applicable conformance case");
            assertTrue(passed >= REQUIRED_PASS_RATE * applicable, "only " + passed + " of " + applicable
                    + " applicable conformance cases pass; see " + report.toAbsolutePath());
        } else {
            assertTrue(failed == 0, failed + " of " + applicable + " filtered cases fail; see " + report.toAbsolutePath());
        }
    }

    private static Outcome runCase(String suite, Path dir) {
        String name = dir.getFileName().toString();
        Path modelFile = dir.resolve("model.onnx");
        try {
            String skip = notApplicable(modelFile);
            if (skip != null) {
                return new Outcome(suite, name, "SKIP", skip);
            }
            List<Path> sets;
            try (Stream<Path> s = Files.list(dir)) {
                sets = s.filter(p -> p.getFileName().toString().startsWith("test_data_set")).sorted().toList();
            }
            if (sets.isEmpty()) {
                return new Outcome(suite, name, "SKIP", "no test data set");
            }
            try (Model model = Model.load(modelFile); Session session = model.newSession()) {
                for (Path set : sets) {
                    String mismatch = runSet(model, session, set);
                    if (mismatch != null) {
                        return new Outcome(suite, name, "FAIL", set.getFileName() + ": " + mismatch);
                    }
                }
            }
            return new Outcome(suite, name, "PASS", "");
        } catch (Exception | StackOverflowError | OutOfMemoryError e) {
            String msg = e.getClass().getSimpleName() + ": " + e.getMessage();
            return new Outcome(suite, name, "FAIL", msg.replace('\n', ' '));
        }
    }

    /** Why a case is outside the supported set, or null if it is applicable. */
    static String notApplicable(Path modelFile) throws IOException {
        ModelProto model = ModelProto.parseFrom(Files.readAllBytes(modelFile));
        Set<String> missing = new TreeSet<>();
        for (NodeProto n : model.getGraph().getNodeList()) {
            if (!OpRegistry.supports(n.getDomain(), n.getOpType())) {
                missing.add((n.getDomain().isEmpty() ? "" : n.getDomain() + ".") + n.getOpType());
            }
        }
        if (!missing.isEmpty()) {
            return "unsupported op(s) " + missing;
        }
        Set<String> initializers = new TreeSet<>();
        model.getGraph().getInitializerList().forEach(t -> initializers.add(t.getName()));
        for (ValueInfoProto v : model.getGraph().getInputList()) {
            if (initializers.contains(v.getName())) {
                continue;
            }
            int type = v.getType().getTensorType().getElemType();
            if (!v.getType().hasTensorType() || (type != 1 && type != 7)) {
                return "input '" + v.getName() + "' is not float or int64";
            }
        }
        for (ValueInfoProto v : model.getGraph().getOutputList()) {
            if (!v.getType().hasTensorType() || OnnxTensors.engineType(v.getType().getTensorType().getElemType()) == null) {
                return "output '" + v.getName() + "' has an unsupported type";
            }
        }
        return null;
    }

    /** Runs one data set; returns a description of the first mismatch, or null. */
    private static String runSet(Model model, Session session, Path set) throws Exception {
        int inputs = model.inputs().size();
        Tensor[] in = new Tensor[inputs];
        for (int i = 0; i < inputs; i++) {
            in[i] = OnnxTensors.read(set.resolve("input_" + i + ".pb"));
        }
        List<Tensor> out = session.run(in);
        for (int i = 0; i < out.size(); i++) {
            Path expectedFile = set.resolve("output_" + i + ".pb");
            if (!Files.exists(expectedFile)) {
                continue;
            }
            String mismatch = compare(OnnxTensors.read(expectedFile), out.get(i));
            if (mismatch != null) {
                return "output " + i + " (" + model.outputs().get(i).name() + "): " + mismatch;
            }
        }
        return null;
    }

    static String compare(Tensor expected, Tensor actual) {
        if (!expected.shape().equals(actual.shape()) && expected.size() != actual.size()) {
            return "shape " + actual.shape() + ", expected " + expected.shape();
        }
        if (!expected.shape().equals(actual.shape())) {
            return "shape " + actual.shape() + ", expected " + expected.shape();
        }
        if (expected.type() != actual.type()) {
            return "type " + actual.type() + ", expected " + expected.type();
        }
        for (long i = 0; i < expected.size(); i++) {
            if (expected.type() == DType.INT64) {
                if (expected.getLong(i) != actual.getLong(i)) {
                    return "element " + i + " is " + actual.getLong(i) + ", expected " + expected.getLong(i);
                }
            } else {
                float e = expected.getFloat(i);
                float a = actual.getFloat(i);
                boolean same = Float.isNaN(e) ? Float.isNaN(a)
                        : e == a || Math.abs((double) a - e) <= ATOL + RTOL * Math.abs(e);
                if (!same) {
                    return "element " + i + " is " + a + ", expected " + e;
                }
            }
        }
        return null;
    }
}
