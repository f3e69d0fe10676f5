package org.helu4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Map;
import org.helu4j.io.Npy;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;
import org.junit.jupiter.api.Test;

/** The session API's contracts: named and positional runs, runInto, threads, and closing. */
class SessionApiTest {
    static final Path GOLDEN = Path.of("src/test/resources/golden");

    @Test
    void namedPositionalAndRunIntoAgree() throws Exception {
        Tensor input = Npy.read(GOLDEN.resolve("golden-cnn-input.npy"));
        try (Model model = Model.load(GOLDEN.resolve("golden-cnn.onnx")); Session s = model.newSession();
                Arena arena = Arena.ofConfined()) {
            float[] positional = s.run(input).get(0).toFloatArray();
            float[] named = s.run(Map.of("input", input)).get("logits").toFloatArray();
            Tensor out = Tensor.allocate(arena, DType.FLOAT32, Shape.of(3, 10));
            s.runInto(new Tensor[] {input}, new Tensor[] {out});
            assertArrayEquals(positional, named);
            assertArrayEquals(positional, out.toFloatArray());
            String unknown = assertThrows(IllegalArgumentException.class,
                    () -> s.run(Map.of("input", input, "extra", input))).getMessage();
            assertTrue(unknown.contains("'extra'"), unknown);
            assertThrows(IllegalArgumentException.class, () -> s.run(Map.of()));
            Tensor small = Tensor.allocate(arena, DType.FLOAT32, Shape.of(2, 10));
            assertThrows(IllegalArgumentException.class, () -> s.runInto(new Tensor[] {input}, new Tensor[] {small}));
        }
    }

    @Test
    void profileTimesEveryOpThatRuns() throws Exception {
        Tensor input = Npy.read(GOLDEN.resolve("golden-cnn-input.npy"));
        try (Model model = Model.load(GOLDEN.resolve("golden-cnn.onnx")); Session s = model.newSession()) {
            float[] plain = s.run(input).get(0).toFloatArray();
            assertTrue(s.opTimings().isEmpty(), "nothing measured before profiling");
            s.profile(true);
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(plain, s.run(input).get(0).toFloatArray());
            }
            java.util.List<OpTiming> timings = s.opTimings();
            long ran = java.util.stream.IntStream.range(0, model.plan().ops().size())
                    .filter(k -> !model.plan().isFolded(k)).count();
            assertTrue(timings.size() > 3 && timings.size() <= ran, timings.toString());
            assertTrue(timings.stream().allMatch(t -> t.micros() > 0), timings.toString());
            assertTrue(timings.stream().anyMatch(t -> t.description().startsWith("Conv")), timings.toString());
            s.profile(false);
            assertTrue(s.opTimings().isEmpty());
        }
    }

    @Test
    void twoThreadsGiveTheSameBitsAsOne() throws Exception {
        Tensor input = Npy.read(GOLDEN.resolve("golden-cnn-input.npy"));
        try (Model model = Model.load(GOLDEN.resolve("golden-cnn.onnx")); Session one = model.newSession(1);
                Session two = model.newSession(2)) {
            assertArrayEquals(one.run(input).get(0).toFloatArray(), two.run(input).get(0).toFloatArray());
        }
    }

    /**
     * After warm-up, the runtime itself (session checks, executor replay, input and output copies) allocates
     * nothing on the Java heap. The graph here has no operator, so the check isolates the runtime from the
     * kernels; the kernels' allocation is measured by the JMH benchmarks with {@code -prof gc}.
     */
    @Test
    void steadyStateRunIntoAllocatesNothingInTheRuntime() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        ai.onnx.proto.OnnxMl.GraphProto g = ai.onnx.proto.OnnxMl.GraphProto.newBuilder()
                .addInput(org.helu4j.onnx.OnnxFiles.floatValue("x", -1, 3))
                .addOutput(org.helu4j.onnx.OnnxFiles.floatValue("x", -1, 3)).build();
        try (Model model = Model.load(org.helu4j.onnx.OnnxFiles.model(g).toByteArray()); Session s = model.newSession();
                Arena arena = Arena.ofConfined()) {
            Tensor input = Tensor.allocate(arena, DType.FLOAT32, Shape.of(2, 3));
            Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).copyTo(input);
            Tensor[] in = {input};
            Tensor[] out = {Tensor.allocate(arena, DType.FLOAT32, Shape.of(2, 3))};
            for (int i = 0; i < 20_000; i++) {
                s.runInto(in, out);
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 1000; i++) {
                s.runInto(in, out);
            }
            // Any per-run allocation is at least 16 bytes a run; a few hundred bytes once (the JIT replacing a
            // method, for example) are not the runtime's.
            long bytes = threads.getCurrentThreadAllocatedBytes() - before;
            assertTrue(bytes < 1000, bytes + " bytes allocated by 1,000 runs");
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, out[0].toFloatArray());
        }
    }

    @Test
    void closedSessionAndModelRefuseToRun() throws Exception {
        Tensor input = Npy.read(GOLDEN.resolve("golden-cnn-input.npy"));
        Model model = Model.load(GOLDEN.resolve("golden-cnn.onnx"));
        Session s = model.newSession();
        s.run(input);
        s.close();
        assertThrows(IllegalStateException.class, () -> s.run(input));
        Session other = model.newSession();
        model.close();
        assertThrows(IllegalStateException.class, () -> other.run(input));
        assertThrows(IllegalStateException.class, model::newSession);
        other.close();
        model.close();
    }
}
