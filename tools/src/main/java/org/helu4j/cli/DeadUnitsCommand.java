package org.helu4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.helu4j.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code infer deadunits}: the "dying ReLU" measure, per activation layer, beside PyTorch's. */
@Command(name = "deadunits", mixinStandardHelpOptions = true,
        header = "Units that are zero on every image, per activation layer.",
        description = {"Count dead units per activation layer: units (dense layers) or channels (conv layers: "
                + "zero at every position) whose output is exactly 0 for every image of the data set.",
            "Activation layers are the Relu nodes (ReLU and HeLU export alike) and exact-GELU subgraphs, in graph "
                + "order. When <model>.deadunits.json (PyTorch's count at export) is beside the model, both are "
                + "shown side by side."},
        footer = {"", "Examples:",
            "  infer deadunits models/fashion-cnn/fashion-cnn-relu-s0.onnx",
            "  infer deadunits model.onnx --data /usr/share/datasets/fashion-mnist --json"})
final class DeadUnitsCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "The .onnx model.")
    Path model;

    @Option(names = "--data", paramLabel = "DIR", description = "IDX data set folder (default: models/data).")
    Path data;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "200", description = "Images per run (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--threads", paramLabel = "T", description = "Worker threads (default: the number of cores).")
    Integer threads;

    @Option(names = "--limit", paramLabel = "N", description = "Use only the first N images.")
    Integer limit;

    @Option(names = "--json", description = "Print one JSON object instead of the table.")
    boolean json;

    @Mixin
    Verbose verbose;

    @Override
    public Integer call() throws IOException {
        IdxDataset set = EvalCommand.loadData(data, limit);
        List<ActivationLayers.Layer> layers = Models.layers(model);
        Evaluation.Result r;
        try (Model m = Models.loadObserved(model, layers)) {
            ModelCard card = ModelCard.of(model, m);
            try (Progress p = Progress.start("deadunits", set.size())) {
                r = Evaluation.run(m, card, set, batch, EvalCommand.threadCount(threads), layers, p);
            }
        }
        List<DeadUnitCounter.LayerCount> counts = r.dead() == null ? List.of() : r.dead().counts();
        // PyTorch measured on the full test set; a subset or another data set is not comparable.
        List<PyTorchDeadUnits.Layer> torch = limit == null && data == null ? PyTorchDeadUnits.read(model) : null;
        if (torch != null && torch.size() != counts.size()) {
            throw new CliException(PyTorchDeadUnits.fileFor(model) + " lists " + torch.size()
                    + " activation layers; the model has " + counts.size());
        }
        if (json) {
            System.out.println(toJson(r, counts, torch));
        } else {
            print(System.out, r, counts, torch);
        }
        return 0;
    }

    private void print(PrintStream out, Evaluation.Result r, List<DeadUnitCounter.LayerCount> counts,
            List<PyTorchDeadUnits.Layer> torch) {
        out.printf("model  %s%n", model);
        out.printf("data   %s (%d images)%n", r.data().source(), r.data().size());
        out.println("dead = output exactly 0 for every image (a conv channel: at every position of every image)");
        if (counts.isEmpty()) {
            out.println("the model has no Relu or GELU activation layer");
            return;
        }
        out.println();
        int width = Math.max(5, counts.stream().mapToInt(c -> c.layer().node().length()).max().orElse(5));
        out.printf("%-" + width + "s  %-5s %-7s %6s %6s %8s%s%n", "layer", "kind", "unit", "units", "dead", "fraction",
                torch == null ? "" : "   PyTorch dead  agree");
        int disagree = 0;
        long units = 0;
        long dead = 0;
        for (int k = 0; k < counts.size(); k++) {
            DeadUnitCounter.LayerCount c = counts.get(k);
            units += c.units();
            dead += c.dead();
            String side = "";
            if (torch != null) {
                PyTorchDeadUnits.Layer t = torch.get(k);
                boolean same = agrees(t, c);
                disagree += same ? 0 : 1;
                side = String.format("   %12d  %s", t.dead(), same ? "yes" : "NO (PyTorch: " + t.units() + " units)");
            }
            out.printf("%-" + width + "s  %-5s %-7s %6d %6d %8s%s%n", c.layer().node(), c.layer().kind(), c.kind(),
                    c.units(), c.dead(), Format.percent(c.fraction()), side);
        }
        out.printf("%-" + width + "s  %-5s %-7s %6d %6d %8s%n", "total", "", "", units, dead,
                Format.percent(units == 0 ? Double.NaN : (double) dead / units));
        if (torch != null) {
            out.println();
            out.println(disagree == 0
                    ? "agrees with PyTorch's count (" + PyTorchDeadUnits.fileFor(model).getFileName() + ") on every layer"
                    : "DISAGREES with PyTorch's count on " + disagree + " of " + counts.size() + " layers");
        }
    }

    /** Same layer (where PyTorch recorded its ONNX output name), same number of units, same number dead. */
    static boolean agrees(PyTorchDeadUnits.Layer torch, DeadUnitCounter.LayerCount mine) {
        return torch.units() == mine.units() && torch.dead() == mine.dead()
                && (torch.onnxOutput() == null || torch.onnxOutput().equals(mine.layer().output()));
    }

    private String toJson(Evaluation.Result r, List<DeadUnitCounter.LayerCount> counts,
            List<PyTorchDeadUnits.Layer> torch) {
        List<Object> layers = new ArrayList<>();
        boolean agree = true;
        for (int k = 0; k < counts.size(); k++) {
            DeadUnitCounter.LayerCount c = counts.get(k);
            Json.Obj o = Json.obj().put("layer", c.layer().node()).put("output", c.layer().output())
                    .put("activation", c.layer().kind()).put("kind", c.kind()).put("units", c.units())
                    .put("dead", c.dead()).put("fraction", c.fraction());
            if (torch != null) {
                boolean same = agrees(torch.get(k), c);
                agree &= same;
                o.put("pytorch_dead", torch.get(k).dead()).put("agrees", same);
            }
            layers.add(o.map());
        }
        double total = r.dead() == null ? Double.NaN : r.dead().totalFraction();
        return Json.obj().put("model", model.toString()).put("n", r.data().size()).put("correct", r.correct())
                .put("accuracy", r.accuracy()).put("dead_fraction", total)
                .put("agrees_with_pytorch", torch == null ? null : agree).put("layers", layers).toString();
    }
}
