package org.helu4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.helu4j.Model;
import org.helu4j.ModelFormatException;
import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.graph.ValueInfo;
import org.helu4j.op.Op;
import org.helu4j.runtime.Plan;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code infer inspect}: what a model is, what it costs, how it was trained, and how helu4j will run it. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        header = "What a model is, costs, was trained with, and how it will run.",
        description = {"Describe a model: inputs and outputs, op counts, parameters, FLOPs per inference at batch 1, "
                + "the training metadata, and the compiled execution plan.",
            "It loads and compiles the model without running it, so it is also a quick validity check: "
                + "exit 0 means helu4j can run the file."},
        footer = {"", "Examples:",
            "  infer inspect models/fashion-cnn/fashion-cnn-helu-a0.05-s0.onnx",
            "  infer inspect --json model.onnx"})
final class InspectCommand implements Callable<Integer> {
    /** Metadata keys shown under "training"; the rest are listed after them. */
    private static final Set<String> TRAINING_KEYS = Set.of("arch", "activation", "helu_alpha", "seed",
            "test_accuracy", "test_correct");

    @Parameters(index = "0", paramLabel = "MODEL", description = "The .onnx model.")
    Path model;

    @Option(names = "--json", description = "Print one JSON object instead of the report.")
    boolean json;

    @Mixin
    Verbose verbose;

    @Override
    public Integer call() throws IOException, ModelFormatException {
        try (Model written = Models.loadAsWritten(model); Model m = Models.load(model)) {
            Flops.Count flops = Flops.of(written.graph());
            if (json) {
                System.out.println(toJson(written, m, flops));
            } else {
                print(System.out, written, m, flops);
            }
        }
        return 0;
    }

    private void print(PrintStream out, Model written, Model m, Flops.Count flops) throws IOException {
        out.printf("model        %s (%s)%n", model, bytes(Files.size(model)));
        out.printf("valid        yes: %d nodes loaded and compiled, every operator supported%n", written.graph().nodes().size());
        for (ValueInfo v : m.inputs()) {
            out.printf("input        %s %s %s%n", v.name(), type(v.type()), v.describeShape());
        }
        for (ValueInfo v : m.outputs()) {
            out.printf("output       %s %s %s%n", v.name(), type(v.type()), v.describeShape());
        }
        String recordedParams = m.metadata().get("params");
        out.printf("parameters   %,d%s%n", parameters(written),
                recordedParams == null ? "" : "  (PyTorch counted " + recordedParams
                        + " trainable ones; BatchNorm folded into the convolutions at export, or its running "
                        + "statistics kept in the file, make the difference)");
        StringBuilder byOp = new StringBuilder();
        flops.macsByOp().forEach((op, macs) -> byOp.append(byOp.isEmpty() ? "" : ", ").append(op).append(' ')
                .append(count(2 * macs)));
        out.printf("FLOPs        %s per inference at batch 1 (2 × %s MACs%s)%n", count(flops.flops()),
                count(flops.macs()), byOp.isEmpty() ? "" : ": " + byOp);
        String recordedMacs = m.metadata().get("macs");
        if (recordedMacs != null) {
            out.printf("             PyTorch counted %s MACs%n", recordedMacs);
        }
        out.printf("ops          %s%n", opCounts(written).entrySet().stream().map(e -> e.getKey() + " ×" + e.getValue())
                .reduce((a, b) -> a + ", " + b).orElse("none"));
        ModelCard card = new ModelCard(model, m.metadata(), new long[] {-1}, -1);
        if (m.metadata().isEmpty()) {
            out.println("training     (no metadata_props in the file)");
        } else {
            double acc = card.recordedAccuracy();
            out.printf("training     arch %s, activation %s%s, seed %s, recorded test accuracy %s%s%n", card.arch(),
                    card.activation(), card.alpha() == null ? "" : " (alpha " + card.alpha() + ")",
                    card.seed() == null ? "?" : card.seed(), Format.percent(acc),
                    card.recordedCorrect() >= 0 ? " (" + card.recordedCorrect() + "/" + card.recordedTotal() + ")" : "");
            m.metadata().forEach((k, v) -> {
                if (!TRAINING_KEYS.contains(k)) {
                    out.printf("  %-18s %s%n", k, v.length() > 200 ? v.substring(0, 200) + "..." : v);
                }
            });
        }
        Plan plan = m.plan();
        List<Op> ops = plan.ops();
        int folded = 0;
        for (int k = 0; k < ops.size(); k++) {
            folded += plan.isFolded(k) ? 1 : 0;
        }
        out.printf("plan         %d ops run per inference, %d folded into constants at load time "
                + "(from the file's %d nodes, after folding and fusion)%n", ops.size() - folded, folded,
                written.graph().nodes().size());
        int nameWidth = Math.min(48, ops.stream().mapToInt(op -> op.node().name().length()).max().orElse(4));
        int typeWidth = ops.stream().mapToInt(op -> op.node().opType().length()).max().orElse(4);
        for (int k = 0; k < ops.size(); k++) {
            Op op = ops.get(k);
            Shape shape = flops.batchOnePlan().staticShape(op.node().outputs().get(0));
            out.printf("  %3d  %-" + typeWidth + "s %-" + nameWidth + "s %-16s %s%n", k, op.node().opType(),
                    truncate(op.node().name(), nameWidth),
                    shape == null ? "" : shape.toString(), plan.isFolded(k) ? "folded" : op.describe());
        }
    }

    private String toJson(Model written, Model m, Flops.Count flops) throws IOException {
        List<Object> ins = new ArrayList<>();
        m.inputs().forEach(v -> ins.add(valueJson(v)));
        List<Object> outs = new ArrayList<>();
        m.outputs().forEach(v -> outs.add(valueJson(v)));
        List<Object> steps = new ArrayList<>();
        Plan plan = m.plan();
        for (int k = 0; k < plan.ops().size(); k++) {
            Op op = plan.ops().get(k);
            Shape shape = flops.batchOnePlan().staticShape(op.node().outputs().get(0));
            steps.add(Json.obj().put("index", k).put("op", op.node().opType()).put("node", op.node().name())
                    .put("describe", op.describe()).put("folded", plan.isFolded(k))
                    .put("output_shape_batch1", shape == null ? null : shape.longDims()).map());
        }
        return Json.obj().put("model", model.toString()).put("valid", true).put("bytes", Files.size(model))
                .put("inputs", ins).put("outputs", outs).put("parameters", parameters(written))
                .put("macs", flops.macs()).put("flops", flops.flops()).put("macs_by_op", flops.macsByOp())
                .put("op_counts", opCounts(written)).put("metadata", m.metadata()).put("plan", steps).toString();
    }

    private static Map<String, Object> valueJson(ValueInfo v) {
        return Json.obj().put("name", v.name()).put("type", type(v.type())).put("shape", v.dims())
                .put("shape_text", v.describeShape()).map();
    }

    /** Float weights: the initializers of type float32 (int64 shape constants are not parameters). */
    static long parameters(Model m) {
        long n = 0;
        for (Tensor t : m.graph().initializers().values()) {
            n += t.type() == DType.FLOAT32 ? t.size() : 0;
        }
        return n;
    }

    static Map<String, Integer> opCounts(Model m) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Node n : m.graph().nodes()) {
            counts.merge(n.opType(), 1, Integer::sum);
        }
        return counts;
    }

    private static String type(DType t) {
        return t == null ? "?" : t.name().toLowerCase();
    }

    /** 1.23 M, 45.6 k. */
    static String count(long n) {
        if (n >= 1_000_000_000L) {
            return String.format("%.2f G", n / 1e9);
        }
        if (n >= 1_000_000L) {
            return String.format("%.2f M", n / 1e6);
        }
        if (n >= 1_000L) {
            return String.format("%.1f k", n / 1e3);
        }
        return Long.toString(n);
    }

    private static String bytes(long n) {
        return n >= 1 << 20 ? String.format("%.1f MB", n / 1048576.0) : String.format("%.1f kB", n / 1024.0);
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
