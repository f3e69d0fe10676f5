package org.helu4j.reliability;

import java.nio.file.Path;
import org.helu4j.Model;

/**
 * The full-scale concurrency check: {@code tools/reliability/run.sh concurrency [model.onnx] [threads] [runs]}
 * (default: the golden CNN, 8 threads x 1,000 runs), then the close-while-running check. Exits 1 on any mismatch.
 */
public final class ConcurrencyMain {
    private ConcurrencyMain() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args.length > 0 ? args[0] : "engine/src/test/resources/golden/golden-cnn.onnx");
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 1_000;
        boolean ok;
        try (Model model = Model.load(file)) {
            long start = System.nanoTime();
            ConcurrencyCheck.Result r = ConcurrencyCheck.run(model, threads, runs, 42);
            System.out.printf("%s: %s (%.0f s, %d cores)%n", file, r, (System.nanoTime() - start) / 1e9,
                    Runtime.getRuntime().availableProcessors());
            ok = r.firstError() == null && r.mismatches() == 0 && r.compared() == (long) threads * runs;
            if (r.firstError() != null) {
                r.firstError().printStackTrace(System.out);
            }
        }
        long wrongLoads = ConcurrencyCheck.concurrentLoads(file, threads, 20);
        System.out.println("concurrent loads: " + threads + " threads x 20 load/run/close, " + wrongLoads + " wrong result(s)");
        ok &= wrongLoads == 0;
        Model model = Model.load(file);
        ConcurrencyCheck.CloseResult c = ConcurrencyCheck.closeWhileRunning(model, threads, 20, 7);
        System.out.println("close while running: " + c);
        ok &= c.firstError() == null && c.wrong() == 0 && c.endedRefused() == threads;
        System.exit(ok ? 0 : 1);
    }
}
