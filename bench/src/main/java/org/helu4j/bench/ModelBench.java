package org.helu4j.bench;

import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.helu4j.Model;
import org.helu4j.Session;
import org.helu4j.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * End-to-end inference of one model file through the public API, {@link Session#runInto} (same-shaped inputs,
 * caller-owned outputs: steady state should allocate 0 B/op, see {@code -prof gc}). Pass the models with
 * {@code -p model=a.onnx,b.onnx}; paths are relative to the working directory. Score: average time per batch.
 *
 * <p>The trial's setup first {@link #settle settles} the JIT: JMH's time-based warm-up is a few runs of a large
 * model, too few for C2 to reach the kernels such a model calls once per run, and until then their C1 code runs the
 * Vector API's Java fallback, which allocates (and is slow).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class ModelBench {
    @Param({"engine/src/test/resources/golden/golden-cnn.onnx"})
    public String model;

    @Param({"1", "32"})
    public int batch;

    @Param({"1", "2"})
    public int threads;

    private Arena arena;
    private Model loaded;
    private Session session;
    private Tensor[] inputs;
    private Tensor[] outputs;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        loaded = Model.load(Path.of(model));
        session = loaded.newSession(threads);
        arena = Arena.ofShared();
        inputs = new Tensor[loaded.inputs().size()];
        for (int i = 0; i < inputs.length; i++) {
            long[] dims = Inputs.dims(loaded, i, batch);
            inputs[i] = Tensor.of(Inputs.random(dims, 11 + i), dims);
        }
        List<Tensor> first = session.run(inputs);
        outputs = new Tensor[first.size()];
        for (int i = 0; i < outputs.length; i++) {
            outputs[i] = Tensor.allocate(arena, first.get(i).type(), first.get(i).shape());
        }
        long start = System.nanoTime();
        Settled settled = settle(session, inputs, outputs, SETTLE_NANOS);
        String log = System.getProperty("helu4j.bench.settleOut");
        if (log != null) {
            // JMH's -prof gc adds its own threads' allocation (about 7 KB per iteration here): several hundred B/op
            // on a model that runs a few times per iteration. This is the engine's own figure, from every thread.
            String row = String.format(Locale.ROOT, "%s,%d,%d,%d,%.3f,%.1f%n", model, batch, threads, settled.runs(),
                    (System.nanoTime() - start) / 1e9, settled.bytesPerRun());
            Files.writeString(Path.of(log), row, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }

    /** The longest {@link #settle}: WRN-16-4 at batch 32 (0.3 s a run) needed 15 s. */
    static final long SETTLE_NANOS = Long.getLong("helu4j.bench.settleSeconds", 30) * 1_000_000_000L;

    /** How many runs {@link #settle} took, and the heap bytes per run (all threads) of its last round. */
    record Settled(long runs, double bytesPerRun) {}

    /**
     * Runs the session in rounds of about 0.5 s until a round allocates nothing on the calling thread (every
     * kernel path the model takes there then runs C2 code) or {@code nanos} pass. The figure returned counts
     * every thread, the session's workers included.
     */
    static Settled settle(Session session, Tensor[] inputs, Tensor[] outputs, long nanos) {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long deadline = System.nanoTime() + nanos;
        long total = 0;
        long own;
        double perRun;
        do {
            long all = mx.getTotalThreadAllocatedBytes();
            long mine = mx.getCurrentThreadAllocatedBytes();
            long roundEnd = System.nanoTime() + 500_000_000L;
            int runs = 0;
            do {
                session.runInto(inputs, outputs);
                runs++;
            } while (System.nanoTime() < roundEnd);
            own = mx.getCurrentThreadAllocatedBytes() - mine;
            perRun = (double) (mx.getTotalThreadAllocatedBytes() - all) / runs;
            total += runs;
        } while (own > 0 && System.nanoTime() < deadline);
        return new Settled(total, perRun);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        session.close();
        loaded.close();
        arena.close();
    }

    @Benchmark
    public Tensor[] run() {
        session.runInto(inputs, outputs);
        return outputs;
    }
}
