package org.helu4j.reliability;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The long fuzz run: {@code tools/reliability/run.sh fuzz [cases] [seed] [sampleEvery] [findingsDir]}. Prints the
 * case count, the outcome counts and each distinct finding, saves the findings' bytes, and exits 1 if there was
 * any. With {@code replay <file>...} it checks the given files instead.
 */
public final class FuzzMain {
    private FuzzMain() {
    }

    public static void main(String[] args) throws Exception {
        Path engine = Files.isDirectory(Path.of("engine/src")) ? Path.of("engine") : Path.of(".");
        if (args.length > 0 && args[0].equals("replay")) {
            int bad = 0;
            for (int i = 1; i < args.length; i++) {
                try (Fuzzer.Runner runner = new Fuzzer.Runner(10_000)) {
                    Fuzzer.Outcome o = runner.check(Files.readAllBytes(Path.of(args[i])));
                    System.out.println(args[i] + ": " + o.kind() + (o.signature() == null ? "" : " " + o.signature()));
                    if (o.error() != null) {
                        o.error().printStackTrace(System.out);
                        bad++;
                    }
                }
            }
            System.exit(bad == 0 ? 0 : 1);
        }
        int cases = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        long seed = args.length > 1 ? Long.parseLong(args[1]) : 1;
        int sampleEvery = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        Path out = Path.of(args.length > 3 ? args[3] : "target/fuzz-findings");

        List<Fuzzer.Seed> seeds = Fuzzer.defaultSeeds(engine, sampleEvery);
        System.out.printf("fuzzing %,d cases, seed %d, %d seed models, max heap %,d MiB%n", cases, seed, seeds.size(),
                Runtime.getRuntime().maxMemory() >> 20);
        Fuzzer fuzzer = new Fuzzer(seeds);
        long start = System.nanoTime();
        FuzzCampaign c = FuzzCampaign.run(fuzzer, seed, cases, 10_000, camp -> {
            if (camp.cases() % 5_000 == 0) {
                System.out.printf("  %,d cases, %.0f s, %s, %d finding(s)%n", camp.cases(),
                        (System.nanoTime() - start) / 1e9, camp.counts(), camp.findings().size());
            }
        });
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf("done in %.0f s (%.0f cases/s)%n%s%n", secs, c.cases() / secs, c.summary());
        if (!c.findings().isEmpty()) {
            c.save(out);
            System.out.println("findings saved in " + out.toAbsolutePath());
        }
        System.exit(c.findings().isEmpty() ? 0 : 1);
    }
}
