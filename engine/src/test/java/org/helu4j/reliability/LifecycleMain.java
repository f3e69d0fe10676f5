package org.helu4j.reliability;

import java.nio.file.Path;
import org.helu4j.Model;
import org.helu4j.Tensor;

/**
 * The long lifecycle run: {@code tools/reliability/run.sh lifecycle [cycles] [model.onnx]} (default 10,000 cycles
 * of the golden CNN), under {@code -XX:NativeMemoryTracking=summary}. Prints the memory figures after warm-up and
 * every tenth of the way, then the growth from warm-up to the end.
 */
public final class LifecycleMain {
    private LifecycleMain() {
    }

    public static void main(String[] args) throws Exception {
        int cycles = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        Path file = Path.of(args.length > 1 ? args[1] : "engine/src/test/resources/golden/golden-cnn.onnx");
        Tensor[] input;
        try (Model m = Model.load(file)) {
            input = ConcurrencyCheck.randomInputs(m, 1, 0, 0);
        }
        int warmup = Math.min(500, cycles / 10);
        for (int i = 0; i < warmup; i++) {
            LifecycleCheck.cycle(file, input);
        }
        LifecycleCheck.Snapshot first = LifecycleCheck.snapshot();
        System.out.printf("%s: after %,d warm-up cycles: %s%n", file, warmup, first);
        long start = System.nanoTime();
        int step = Math.max(1, cycles / 10);
        LifecycleCheck.Snapshot last = first;
        for (int i = 1; i <= cycles; i++) {
            LifecycleCheck.cycle(file, input);
            if (i % step == 0 || i == cycles) {
                last = LifecycleCheck.snapshot();
                System.out.printf("  cycle %,d (%.0f s): %s%n", i, (System.nanoTime() - start) / 1e9, last);
            }
        }
        System.out.printf("growth over %,d load/run/close cycles: heap %+,d B, malloc %s, mapped %+,d B, NMT %s%n",
                cycles, last.heapUsed() - first.heapUsed(),
                first.mallocInUse() < 0 ? "n/a" : String.format("%+,d B", last.mallocInUse() - first.mallocInUse()),
                last.mappedUsed() - first.mappedUsed(),
                first.nmtCommitted() < 0 ? "n/a (run with -XX:NativeMemoryTracking=summary)"
                        : String.format("%+,d KB committed (Other: %+,d KB)", last.nmtCommitted() - first.nmtCommitted(),
                                last.nmtOther() - first.nmtOther()));
        // Off-heap tensors are counted by NMT under "Other"; without NMT, the C heap's figure stands in (noisier).
        long nativeGrowth = first.nmtOther() >= 0 ? (last.nmtOther() - first.nmtOther()) << 10
                : last.mallocInUse() - first.mallocInUse();
        boolean ok = last.heapUsed() - first.heapUsed() < 16L << 20 && nativeGrowth < 8L << 20
                && last.mappedCount() == first.mappedCount();
        System.out.println(ok ? "no growth beyond the bounds (16 MB heap, 8 MB native)" : "GROWTH beyond the bounds");
        System.exit(ok ? 0 : 1);
    }
}
