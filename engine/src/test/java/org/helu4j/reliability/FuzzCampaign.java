package org.helu4j.reliability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/** Runs a numbered range of fuzz cases and tallies the outcomes, keeping the first case of each finding. */
public final class FuzzCampaign {
    /** The first case that produced a finding signature, and how often the signature came up. */
    public record Finding(String signature, Fuzzer.Case first, Throwable error, int count) {
        Finding plusOne() {
            return new Finding(signature, first, error, count + 1);
        }
    }

    private final Map<Fuzzer.Kind, Integer> counts = new EnumMap<>(Fuzzer.Kind.class);
    private final Map<String, Finding> findings = new LinkedHashMap<>();
    private int cases;

    /** Runs cases {@code 0..n-1} of {@code seed}; {@code progress} hears about every case (may be null). */
    public static FuzzCampaign run(Fuzzer fuzzer, long seed, int n, long timeoutMillis, Consumer<FuzzCampaign> progress) {
        FuzzCampaign c = new FuzzCampaign();
        try (Fuzzer.Runner runner = new Fuzzer.Runner(timeoutMillis)) {
            for (int i = 0; i < n; i++) {
                Fuzzer.Case fc = fuzzer.generate(seed, i);
                Fuzzer.Outcome o = runner.check(fc.bytes());
                c.record(fc, o);
                if (progress != null) {
                    progress.accept(c);
                }
            }
        }
        return c;
    }

    void record(Fuzzer.Case fc, Fuzzer.Outcome o) {
        cases++;
        counts.merge(o.kind(), 1, Integer::sum);
        if (o.kind() == Fuzzer.Kind.FINDING) {
            findings.merge(o.signature(), new Finding(o.signature(), fc, o.error(), 1), (a, b) -> a.plusOne());
        }
    }

    public int cases() {
        return cases;
    }

    public Map<Fuzzer.Kind, Integer> counts() {
        return counts;
    }

    public Map<String, Finding> findings() {
        return findings;
    }

    /** Saves the first bytes of each finding as {@code <dir>/finding-<n>.onnx} with a {@code .txt} description. */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        int k = 0;
        for (Finding f : findings.values()) {
            String base = "finding-" + (k++);
            Files.write(dir.resolve(base + ".onnx"), f.first().bytes());
            Files.writeString(dir.resolve(base + ".txt"), describe(f) + "\n");
        }
    }

    public static String describe(Finding f) {
        StringBuilder sb = new StringBuilder();
        sb.append(f.signature()).append(" (x").append(f.count()).append(")\n  first: case ").append(f.first().index())
                .append(", seed model ").append(f.first().seed()).append(", mutation: ").append(f.first().mutation());
        if (f.error() != null) {
            sb.append("\n  ").append(f.error());
            StackTraceElement[] st = f.error().getStackTrace();
            for (int i = 0; i < Math.min(6, st.length); i++) {
                sb.append("\n    at ").append(st[i]);
            }
        }
        return sb.toString();
    }

    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append(cases).append(" cases: ").append(counts).append(", ").append(findings.size()).append(" distinct finding(s)");
        for (Finding f : findings.values()) {
            sb.append("\n").append(describe(f));
        }
        return sb.toString();
    }
}
