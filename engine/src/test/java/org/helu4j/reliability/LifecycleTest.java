package org.helu4j.reliability;

import static org.helu4j.onnx.OnnxFiles.floatValue;
import static org.helu4j.onnx.OnnxFiles.model;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.lang.foreign.Arena;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.helu4j.Model;
import org.helu4j.Session;
import org.helu4j.Tensor;
import org.helu4j.runtime.Executor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resources come back: load/run/close cycles do not grow the heap or off-heap memory, closing frees the model's and
 * the session's off-heap memory, and external data is unmapped on close. Runs in a JVM of its own with NMT on (the
 * pom's {@code lifecycle} execution). (10,000 cycles: {@code tools/reliability/run.sh lifecycle}.)
 */
class LifecycleTest {
    static final Path GOLDEN = Path.of("src/test/resources/golden/golden-cnn.onnx");

    @TempDir
    Path dir;

    /**
     * 300 cycles; the growth from cycle 100 to 300 must stay below bounds that a leak would cross. One cycle of
     * the golden CNN holds about 50 KB of weights and 180 KB of session buffers off-heap, so leaking either over
     * 200 cycles would add 10 to 36 MB. Off-heap memory is read from NMT's "Other" category, which counts every FFM
     * allocation exactly; the C heap's total is printed but not bounded, since the JIT's arenas alone swing it by
     * tens of MB while C2 still compiles the kernels (NMT's "Arena Chunk": +8 MB over these 200 cycles).
     */
    @Test
    void loadRunCloseCyclesDoNotGrowMemory() throws Exception {
        Tensor[] input = input();
        for (int i = 0; i < 100; i++) {
            LifecycleCheck.cycle(GOLDEN, input);
        }
        LifecycleCheck.Snapshot before = LifecycleCheck.snapshot();
        for (int i = 0; i < 200; i++) {
            LifecycleCheck.cycle(GOLDEN, input);
        }
        LifecycleCheck.Snapshot after = LifecycleCheck.snapshot();
        System.out.println("lifecycle, cycle 100: " + before + "\nlifecycle, cycle 300: " + after);
        assertTrue(after.heapUsed() - before.heapUsed() < 8 << 20, "heap grew: " + before + " -> " + after);
        assertTrue(after.nmtOther() - before.nmtOther() < 1024, "off-heap grew: " + before + " -> " + after);
        assertEquals(before.mappedCount(), after.mappedCount(), "mappings left behind");
    }

    /**
     * Packed weights live in the model's arena too: closing gives back every off-heap byte a load took, without
     * waiting for a GC (they once sat in automatic arenas, freed only when a collection found them).
     */
    @Test
    void closeGivesBackPackedWeightsWithoutAGc() throws Exception {
        Tensor[] input = input();
        LifecycleCheck.cycle(GOLDEN, input); // sizes this thread's scratch buffers, which outlive a model
        long before = LifecycleCheck.snapshot().nmtOther();
        LifecycleCheck.cycle(GOLDEN, input);
        long after = LifecycleCheck.nmtOtherKb();
        assertTrue(after <= before, "off-heap memory left after close: " + (after - before) + " KB");
    }

    /** The golden CNN's input; fails rather than skips when NMT is off (the pom's lifecycle execution turns it on). */
    private static Tensor[] input() throws Exception {
        assertTrue(LifecycleCheck.nmtOtherKb() >= 0, "run with -XX:NativeMemoryTracking=summary");
        try (Model m = Model.load(GOLDEN)) {
            return ConcurrencyCheck.randomInputs(m, 1, 0, 0);
        }
    }

    private static Arena arenaOf(Model model) throws ReflectiveOperationException {
        Field f = Model.class.getDeclaredField("arena");
        f.setAccessible(true);
        return (Arena) f.get(model);
    }

    private static Executor executorOf(Session session) throws ReflectiveOperationException {
        Field f = Session.class.getDeclaredField("executor");
        f.setAccessible(true);
        return (Executor) f.get(session);
    }

    /** Closing frees memory, rather than leaving it to the GC: the model's and the session's arenas are closed. */
    @Test
    void closeFreesTheModelAndSessionMemory() throws Exception {
        Model model = Model.load(GOLDEN);
        Session session = model.newSession();
        session.run(ConcurrencyCheck.randomInputs(model, 1, 0, 0));
        Arena modelArena = arenaOf(model);
        Executor executor = executorOf(session);
        assertTrue(modelArena.scope().isAlive() && executor.bufferBytes() > 0);
        session.close();
        assertEquals(0, executor.bufferBytes(), "the session's buffers are still allocated after close");
        assertTrue(modelArena.scope().isAlive(), "closing a session must not free the model");
        model.close();
        assertFalse(modelArena.scope().isAlive(), "the model's weights are still allocated after close");
    }

    private static boolean mapped(Path file) throws Exception {
        String real = file.toRealPath().toString();
        return Files.readString(Path.of("/proc/self/maps")).lines().anyMatch(l -> l.endsWith(real));
    }

    /** A model whose only output is a 512x512 float initializer stored as external data at offset 0. */
    private Path externalModel() throws Exception {
        int n = 512 * 512;
        ByteBuffer b = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putFloat(i);
        }
        Files.write(dir.resolve("weights.bin"), b.array());
        TensorProto w = TensorProto.newBuilder().setName("w").setDataType(1).addDims(512).addDims(512)
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("weights.bin"))
                .build();
        GraphProto g = GraphProto.newBuilder().setName("g").addInitializer(w).addOutput(floatValue("w", 512, 512)).build();
        Path file = dir.resolve("model.onnx");
        Files.write(file, model(g).toByteArray());
        return file;
    }

    @Test
    void externalDataIsUnmappedOnClose() throws Exception {
        Path file = externalModel();
        Path weights = dir.resolve("weights.bin");
        Assumptions.assumeLinux();
        long mappedBefore = LifecycleCheck.snapshot().mappedCount();
        Model model = Model.load(file);
        Tensor w = model.graph().initializers().get("w");
        try (Session s = model.newSession()) {
            float[] out = s.run().get(0).toFloatArray();
            assertEquals(512 * 512 - 1, out[out.length - 1]);
        }
        assertTrue(mapped(weights), "the external data should be mapped while the model is open");
        assertEquals(mappedBefore + 1, LifecycleCheck.snapshot().mappedCount());
        assertEquals(7f, w.getFloat(7));
        model.close();
        assertFalse(mapped(weights), "weights.bin is still mapped after close");
        assertEquals(mappedBefore, LifecycleCheck.snapshot().mappedCount());
        assertThrows(IllegalStateException.class, () -> w.getFloat(7), "the mapping must not be readable after close");
    }

    /** Repeated load/close of a model with external data leaves no mapping behind. */
    @Test
    void repeatedExternalLoadsLeaveNoMappings() throws Exception {
        Path file = externalModel();
        Assumptions.assumeLinux();
        long mappedBefore = LifecycleCheck.snapshot().mappedCount();
        for (int i = 0; i < 50; i++) {
            try (Model m = Model.load(file); Session s = m.newSession()) {
                assertArrayEquals(new float[] {0, 1, 2}, java.util.Arrays.copyOf(s.run().get(0).toFloatArray(), 3));
            }
        }
        assertEquals(mappedBefore, LifecycleCheck.snapshot().mappedCount());
        assertFalse(mapped(dir.resolve("weights.bin")));
    }

    static final class Assumptions {
        static void assumeLinux() {
            org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/self/maps")),
                    "needs /proc/self/maps");
        }
    }
}
