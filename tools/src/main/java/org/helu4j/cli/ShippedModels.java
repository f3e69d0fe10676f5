package org.helu4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Finds the shipped models by their file names: {@code models/<arch>/<arch>-<act>[-a<alpha>]-s<seed>.onnx}. */
final class ShippedModels {
    private static final Pattern NAME =
            Pattern.compile("(?<arch>.+)-(?<act>relu|helu|gelu)(?:-a(?<alpha>[0-9.eE+-]+))?-s(?<seed>\\d+)\\.onnx");
    /** The order of the demo's rows and of its chart's series. */
    static final List<String> ACTIVATIONS = List.of("relu", "helu", "gelu");

    /** One model file and what its name says. */
    record Entry(Path file, String arch, String activation, String alpha, int seed) {
        /** Models that differ only in their seed form one group (one row of the demo's table). */
        String group() {
            return arch + " " + activation + (alpha == null ? "" : " a=" + alpha);
        }
    }

    private ShippedModels() {
    }

    static Optional<Entry> parse(Path file) {
        Matcher m = NAME.matcher(file.getFileName().toString());
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new Entry(file, m.group("arch"), m.group("act"), m.group("alpha"),
                Integer.parseInt(m.group("seed"))));
    }

    /** Every shipped model under {@code root} (one folder per architecture), in arch, activation, alpha, seed order. */
    static List<Entry> list(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        List<Entry> all = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root, 2)) {
            for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                parse(p).filter(e -> p.getParent().getFileName().toString().equals(e.arch())).ifPresent(all::add);
            }
        }
        all.sort(Comparator.comparing(Entry::arch)
                .thenComparing(e -> ACTIVATIONS.indexOf(e.activation()))
                .thenComparing(e -> e.alpha() == null ? 0 : Double.parseDouble(e.alpha()))
                .thenComparingInt(Entry::seed));
        return all;
    }

    /**
     * The headline HeLU model: a {@code fashion-cnn} HeLU model, of the alpha with the most seeds (the main
     * configuration rather than a sweep point), and of that alpha the lowest seed.
     */
    static Path headline(Path root) throws IOException {
        List<Entry> helu = list(root).stream()
                .filter(e -> e.arch().equals("fashion-cnn") && e.activation().equals("helu")).toList();
        if (helu.isEmpty()) {
            throw new CliException("no shipped HeLU model found in " + root.resolve("fashion-cnn")
                    + " (expected fashion-cnn-helu[-a<alpha>]-s<seed>.onnx); name one with --model");
        }
        Map<String, Long> seedsPerAlpha = helu.stream()
                .collect(Collectors.groupingBy(e -> String.valueOf(e.alpha()), Collectors.counting()));
        long most = seedsPerAlpha.values().stream().mapToLong(Long::longValue).max().orElse(0);
        return helu.stream().filter(e -> seedsPerAlpha.get(String.valueOf(e.alpha())) == most)
                .min(Comparator.comparingInt(Entry::seed)
                        .thenComparing(e -> e.alpha() == null ? 0 : Double.parseDouble(e.alpha())))
                .orElseThrow().file();
    }
}
