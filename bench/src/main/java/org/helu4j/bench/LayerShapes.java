package org.helu4j.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.helu4j.LoadOptions;
import org.helu4j.Model;
import org.helu4j.Session;
import org.helu4j.Tensor;
import org.helu4j.graph.Graph;
import org.helu4j.graph.Node;

/**
 * The conv layer shapes of a model file, in {@link Shapes}' notation (batch 1), read from the graph as written
 * (before fusion) with the activations' shapes from one run. Checks that {@link ConvBench} covers every conv layer
 * of the shipped models:
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar org.helu4j.bench.LayerShapes models/fashion-cnn/x.onnx
 * </pre>
 */
public final class LayerShapes {
    private LayerShapes() {
    }

    /** Conv layers as {@code CxHxW-MkKsSpPgG} (no tag), in graph order, without repeats. */
    public static List<String> convShapes(Path file) throws Exception {
        List<Node> convs = new ArrayList<>();
        Graph g;
        try (Model probe = Model.load(file, LoadOptions.DEFAULT.withOptimize(false))) {
            g = probe.graph();
            for (Node n : g.nodes()) {
                if (n.opType().equals("Conv")) {
                    convs.add(n);
                }
            }
        }
        List<String> names = convs.stream().map(n -> n.input(0)).distinct()
                .filter(name -> g.inputs().stream().noneMatch(v -> v.name().equals(name))).toList();
        Set<String> out = new LinkedHashSet<>();
        try (Model m = Model.load(file, new LoadOptions(names, false)); Session s = m.newSession()) {
            Tensor[] in = new Tensor[m.inputs().size()];
            for (int i = 0; i < in.length; i++) {
                long[] d = Inputs.dims(m, i, 1);
                in[i] = Tensor.of(Inputs.random(d, 5), d);
            }
            List<Tensor> results = s.run(in);
            int declared = m.outputs().size() - names.size();
            for (Node n : convs) {
                long[] x;
                int idx = names.indexOf(n.input(0));
                x = idx >= 0 ? results.get(declared + idx).dims() : in[0].dims();
                long[] w = g.initializers().get(n.input(1)).dims();
                long[] k = n.attributes().has("kernel_shape") ? n.attributes().getInts("kernel_shape")
                        : new long[] {w[2], w[3]};
                long[] st = n.attributes().has("strides") ? n.attributes().getInts("strides") : new long[] {1, 1};
                long[] p = n.attributes().has("pads") ? n.attributes().getInts("pads") : new long[] {0, 0, 0, 0};
                long group = n.attributes().getInt("group", 1);
                if (x.length != 4 || k[0] != k[1] || st[0] != st[1] || p[0] != p[1] || p[0] != p[2] || p[0] != p[3]) {
                    out.add("(not square 2-D: " + n.describe() + ")");
                    continue;
                }
                out.add(x[1] + "x" + x[2] + "x" + x[3] + "-" + w[0] + "k" + k[0] + "s" + st[0] + "p" + p[0] + "g" + group);
            }
        }
        return new ArrayList<>(out);
    }

    /** The shape part of each {@link ConvBench} parameter. */
    static Set<String> benched() {
        Set<String> s = new LinkedHashSet<>();
        for (String x : Shapes.conv()) {
            s.add(x.substring(x.indexOf(':') + 1));
        }
        return s;
    }

    public static void main(String[] args) throws Exception {
        Set<String> benched = benched();
        for (String a : args) {
            System.out.println(a);
            for (String shape : convShapes(Path.of(a))) {
                System.out.println("  " + shape + (benched.contains(shape) ? "" : "   NOT in ConvBench"));
            }
        }
    }
}
