package org.helu4j.bench;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;
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
