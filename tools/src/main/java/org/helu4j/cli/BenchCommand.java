package org.helu4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.helu4j.Model;
import org.helu4j.OpTiming;
import org.helu4j.Session;
import org.helu4j.Tensor;
import org.helu4j.graph.ValueInfo;
import org.helu4j.io.Npy;
import org.helu4j.kernel.Vectors;
import org.helu4j.tensor.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code infer bench}: latency percentiles and throughput of one model, from one or several threads. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        header = "Latency percentiles and throughput, from one or more threads.",
        description = {"Measure a model's latency (p50, p90, p99, max, from HdrHistogram) and throughput.",
            "With --threads T, T threads each run their own session at the same time; latencies of all threads are "
                + "merged and throughput counts the inferences of all threads. Without --input the input is random "
                + "(normal, fixed seed) in the model's declared shape, the symbolic batch set to --batch."},
        footer = {"", "Examples:",
            "  infer bench models/fashion-cnn/fashion-cnn-helu-a0.05-s0.onnx",
            "  infer bench model.onnx --batch 32 --threads 2 --iters 200 --json",
            "  infer bench model.onnx --input image.npy"})
final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "The .onnx model.")
    Path model;

    @Option(names = {"-i", "--input"}, paramLabel = "FILE.npy", description = "The input (one-input models); "
            + "its first dimension is the batch.")
    Path input;

    @Option(names = {"-b", "--batch"}, paramLabel = "N", description = "Batch size for random input (default: 1).")
    Integer batch;

    @Option(names = {"-t", "--threads"}, paramLabel = "T", defaultValue = "1",
            description = "Concurrent threads, each with its own session (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--intra-threads", paramLabel = "N", defaultValue = "1",
            description = "Threads each session may split one run over (like ONNX Runtime's intra-op threads; "
                    + "default: ${DEFAULT-VALUE}).")
    int intraThreads;

    @Option(names = {"-n", "--iters"}, paramLabel = "K", defaultValue = "500",
            description = "Timed runs per thread (default: ${DEFAULT-VALUE}).")
    int iters;

    @Option(names = {"-w", "--warmup"}, paramLabel = "W", defaultValue = "50",
            description = "Untimed runs per thread first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--json", description = "Print one JSON object instead of the report.")
    boolean json;

    @Option(names = "--profile", description = "After the timed runs, run --iters more with every op timed and "
            + "print where the time goes (these runs are not in the latency figures).")
    boolean profile;

    @Mixin
    Verbose verbose;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (threads < 1 || intraThreads < 1 || iters < 1 || warmup < 0 || (batch != null && batch < 1)) {
            throw new CliException("--threads, --intra-threads, --iters and --batch must be at least 1, --warmup at "
                    + "least 0");
        }
        try (Model m = Models.load(model)) {
            Tensor[] feed = inputs(m);
            int n = feed.length == 0 || feed[0].shape().rank() == 0 ? 1 : (int) feed[0].dims()[0];
            Result r = run(m, feed);
            if (profile) {
                printProfile(m, feed);
            }
            double runsPerSecond = (double) threads * iters / r.seconds;
            if (json) {
                System.out.println(Json.obj().put("model", model.toString()).put("batch", n).put("threads", threads)
                        .put("intra_threads", intraThreads).put("iters", iters).put("warmup", warmup)
                        .put("p50_ms", Interleaved.millis(r.latency, 50)).put("p90_ms", Interleaved.millis(r.latency, 90))
                        .put("p99_ms", Interleaved.millis(r.latency, 99)).put("max_ms", r.latency.getMaxValue() / 1e6)
                        .put("mean_ms", r.latency.getMean() / 1e6).put("runs_per_s", runsPerSecond)
                        .put("throughput_per_s", runsPerSecond * n).put("input", input == null ? "random" : input.toString())
                        .put("vector_width", Vectors.describe()));
            } else {
                System.out.printf("model       %s%n", model);
                System.out.printf("input       %s%n", input == null ? "random normal (seed 42), " + shapes(feed)
                        : input + " " + shapes(feed));
                System.out.printf("runs        %d thread(s), each with its own session (%d intra-op thread(s)): "
                        + "%d warm-up + %d timed runs each%n", threads, intraThreads, warmup, iters);
                System.out.printf("latency     p50 %s ms   p90 %s ms   p99 %s ms   max %s ms   (mean %s ms)%n",
                        Format.millis(Interleaved.millis(r.latency, 50)), Format.millis(Interleaved.millis(r.latency, 90)),
                        Format.millis(Interleaved.millis(r.latency, 99)), Format.millis(r.latency.getMaxValue() / 1e6),
                        Format.millis(r.latency.getMean() / 1e6));
                System.out.printf("throughput  %,.1f inferences/s (%,.1f runs/s at batch %d)%n", runsPerSecond * n,
                        runsPerSecond, n);
                System.out.printf("vector      %s; %d cores available%n", Vectors.describe(),
                        Runtime.getRuntime().availableProcessors());
            }
        }
        return 0;
    }

    /** One session, warmed up, then {@code iters} runs with each op timed: a table, slowest ops first. */
    private void printProfile(Model m, Tensor[] feed) {
        List<OpTiming> timings;
        try (Session s = m.newSession(intraThreads)) {
            for (int i = 0; i < Math.max(warmup, 1); i++) {
                s.run(feed);
            }
            s.profile(true);
            for (int i = 0; i < iters; i++) {
                s.run(feed);
            }
            timings = new ArrayList<>(s.opTimings());
        }
        double total = timings.stream().mapToDouble(OpTiming::micros).sum();
        timings.sort((a, b) -> Double.compare(b.micros(), a.micros()));
        System.out.printf("profile     %d runs, one session, every op timed: %.1f µs per run in ops%n", iters,
                total);
        System.out.printf("  %4s  %10s  %6s  %-22s %s%n", "op", "µs/run", "share", "kind", "node");
        for (OpTiming t : timings) {
            System.out.printf("  %4d  %10.2f  %5.1f%%  %-22s %s%n", t.index(), t.micros(), 100 * t.micros() / total,
                    t.description(), t.node());
        }
    }

    private record Result(Histogram latency, double seconds) {
    }

    /** Each thread warms up, then all start timing together; throughput is over the wall time of the timed part. */
    private Result run(Model m, Tensor[] feed) throws InterruptedException {
        CyclicBarrier ready = new CyclicBarrier(threads);
        AtomicLong firstStart = new AtomicLong(Long.MAX_VALUE);
        AtomicLong lastEnd = new AtomicLong(Long.MIN_VALUE);
        Histogram merged = Interleaved.histogram();
        List<Future<Histogram>> futures = new ArrayList<>();
        try (Progress progress = Progress.start("bench", (long) threads * (iters + warmup));
                ExecutorService pool = Executors.newFixedThreadPool(threads, Evaluation::daemon)) {
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    Histogram h = Interleaved.histogram();
                    try (Session s = m.newSession(intraThreads)) {
                        for (int i = 0; i < warmup; i++) {
                            s.run(feed);
                            progress.step(1);
                        }
                        ready.await();
                        long start = System.nanoTime();
                        firstStart.accumulateAndGet(start, Math::min);
                        for (int i = 0; i < iters; i++) {
                            long t0 = System.nanoTime();
                            s.run(feed);
                            h.recordValue(Math.min(System.nanoTime() - t0, Interleaved.MAX_NANOS));
                            progress.step(1);
                        }
                        lastEnd.accumulateAndGet(System.nanoTime(), Math::max);
                    }
                    return h;
                }));
            }
            for (Future<Histogram> f : futures) {
                try {
                    merged.add(f.get());
                } catch (ExecutionException e) {
                    pool.shutdownNow();
                    Throwable c = e.getCause();
                    if (c instanceof RuntimeException re) {
                        throw re;
                    }
                    throw new IllegalStateException(c);
                }
            }
        }
        return new Result(merged, (lastEnd.get() - firstStart.get()) / 1e9);
    }

    private Tensor[] inputs(Model m) throws IOException {
        List<ValueInfo> declared = m.inputs();
        if (input != null) {
            if (declared.size() != 1) {
                throw new CliException("--input feeds one-input models; this one takes " + declared.size());
            }
            if (!Files.exists(input)) {
                throw new CliException(input + ": no such file");
            }
            Tensor t = Npy.read(input);
            if (batch != null && (t.shape().rank() == 0 || t.dims()[0] != batch)) {
                throw new CliException("--batch " + batch + " disagrees with " + input + ", of shape " + t.shape());
            }
            return new Tensor[] {t};
        }
        int n = batch == null ? 1 : batch;
        Random random = new Random(42);
        Tensor[] feed = new Tensor[declared.size()];
        for (int i = 0; i < feed.length; i++) {
            ValueInfo v = declared.get(i);
            long[] dims = v.dims();
            if (dims == null) {
                throw new CliException("input '" + v.name() + "' declares no shape; give one with --input FILE.npy");
            }
            long size = 1;
            for (int d = 0; d < dims.length; d++) {
                if (dims[d] < 0) {
                    if (d > 0) {
                        throw new CliException("input '" + v.name() + "' has shape " + v.describeShape()
                                + ": only the batch (the first dimension) may be symbolic; give --input FILE.npy");
                    }
                    dims[d] = n;
                }
                size *= dims[d];
            }
            if (v.type() == DType.INT64) {
                feed[i] = Tensor.ofLongs(new long[(int) size], dims);
            } else {
                float[] x = new float[(int) size];
                for (int j = 0; j < x.length; j++) {
                    x[j] = (float) random.nextGaussian();
                }
                feed[i] = Tensor.of(x, dims);
            }
        }
        return feed;
    }

    private static String shapes(Tensor[] feed) {
        List<String> s = new ArrayList<>();
        for (Tensor t : feed) {
            s.add(t.shape().toString());
        }
        return String.join(", ", s);
    }
}
