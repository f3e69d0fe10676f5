package org.helu4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.helu4j.Model;
import org.helu4j.Session;
import org.helu4j.Tensor;
import org.helu4j.graph.ValueInfo;
import org.helu4j.io.Npy;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code infer run}: the raw tensor interface, .npy in and .npy out. */
@Command(name = "run", mixinStandardHelpOptions = true,
        header = "Run a model on .npy inputs and write its outputs as .npy files.",
        description = "Run a model on .npy inputs and write its outputs as .npy files.",
        footer = {"", "Examples:",
            "  infer run model.onnx --input image.npy --output logits.npy",
            "  infer run model.onnx --input input=x.npy --input mask=m.npy --output-dir out/"})
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "The .onnx model.")
    Path model;

    @Option(names = {"-i", "--input"}, required = true, paramLabel = "[NAME=]FILE.npy",
            description = "An input tensor (float32 or int64, C order). NAME may be left out for a one-input model.")
    List<String> inputs;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Destination destination;

    static final class Destination {
        @Option(names = {"-o", "--output"}, paramLabel = "FILE.npy", description = "Where to write a one-output model's output.")
        Path file;

        @Option(names = {"-d", "--output-dir"}, paramLabel = "DIR", description = "Write each output as DIR/<output name>.npy.")
        Path dir;
    }

    @Mixin
    Verbose verbose;

    @Override
    public Integer call() throws IOException {
        try (Model m = Models.load(model); Session session = m.newSession()) {
            Map<String, Tensor> feed = readInputs(m.inputs());
            Map<String, Tensor> results = session.run(feed);
            if (destination.file != null) {
                if (results.size() != 1) {
                    throw new CliException("the model has " + results.size() + " outputs " + results.keySet()
                            + "; use --output-dir");
                }
                Npy.write(destination.file, results.values().iterator().next());
                System.out.println(destination.file);
            } else {
                Files.createDirectories(destination.dir);
                for (Map.Entry<String, Tensor> e : results.entrySet()) {
                    Path out = destination.dir.resolve(safeFileName(e.getKey()) + ".npy");
                    Npy.write(out, e.getValue());
                    System.out.println(out);
                }
            }
        }
        return 0;
    }

    private Map<String, Tensor> readInputs(List<ValueInfo> declared) throws IOException {
        Map<String, Tensor> feed = new LinkedHashMap<>();
        for (String spec : inputs) {
            int eq = spec.indexOf('=');
            String name;
            Path file;
            if (eq > 0 && !Files.exists(Path.of(spec))) {
                name = spec.substring(0, eq);
                file = Path.of(spec.substring(eq + 1));
            } else {
                if (declared.size() != 1) {
                    throw new CliException("the model has " + declared.size() + " inputs "
                            + declared.stream().map(ValueInfo::name).toList() + "; name each one as NAME=FILE.npy");
                }
                name = declared.get(0).name();
                file = Path.of(spec);
            }
            if (!Files.exists(file)) {
                throw new CliException(file + ": no such file");
            }
            if (feed.put(name, Npy.read(file)) != null) {
                throw new CliException("input '" + name + "' is given twice");
            }
        }
        return feed;
    }

    /** Output names may hold characters that are not safe in file names. */
    static String safeFileName(String name) {
        String s = name.replaceAll("[^A-Za-z0-9._-]", "_");
        return s.isEmpty() || s.startsWith(".") ? "_" + s : s;
    }
}
