package org.helu4j.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.helu4j.Model;
import org.helu4j.Session;
import org.helu4j.Tensor;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * What a caller can get wrong at run time, on the golden CNN (input {@code input[batch, 1, 28, 28]}): every
 * mistake is an IllegalArgumentException that names what was expected and what came, and the session still gives
 * correct results afterwards.
 */
class RunInputErrorTest {
    static final Path GOLDEN = Path.of("src/test/resources/golden/golden-cnn.onnx");
    static final String DECLARED = "[batch, 1, 28, 28]";

    static Model model;
    static Session session;
    static Tensor good;
    static float[] goodOutput;

    @BeforeAll
    static void load() throws Exception {
        model = Model.load(GOLDEN);
        assertEquals("input", model.inputs().get(0).name());
        assertEquals(DECLARED, model.inputs().get(0).describeShape());
        session = model.newSession();
        good = ConcurrencyCheck.randomInputs(model, 3, 0, 0)[0];
        try (Session fresh = model.newSession()) {
            goodOutput = fresh.run(good).get(0).toFloatArray();
        }
    }

    @AfterAll
    static void close() {
        session.close();
        model.close();
    }

    /** Runs {@code bad}, expects an IllegalArgumentException whose message holds every fragment, then a good run. */
    private static void rejected(Executable bad, String... fragments) {
        String msg = assertThrows(IllegalArgumentException.class, bad).getMessage();
        for (String f : fragments) {
            assertTrue(msg != null && msg.contains(f), "'" + f + "' missing from: " + msg);
        }
        // The failed call must not have disturbed the session.
        assertArrayEquals(goodOutput, session.run(good).get(0).toFloatArray());
    }

    @Test
    void wrongRankNamesBothShapes() {
        rejected(() -> session.run(Tensor.of(new float[784], 1, 28, 28)), "'input'", DECLARED, "[1, 28, 28]");
        rejected(() -> session.run(Tensor.of(new float[784], 784)), DECLARED, "[784]");
        rejected(() -> session.run(Tensor.of(new float[784], 1, 1, 1, 28, 28)), DECLARED, "[1, 1, 1, 28, 28]");
    }

    @Test
    void wrongDimensionNamesBothShapes() {
        rejected(() -> session.run(Tensor.of(new float[3 * 784], 1, 3, 28, 28)), DECLARED, "[1, 3, 28, 28]");
        rejected(() -> session.run(Tensor.of(new float[32 * 32], 1, 1, 32, 32)), DECLARED, "[1, 1, 32, 32]");
        rejected(() -> session.run(Tensor.of(new float[28 * 28], 1, 1, 28 * 28, 1)), DECLARED, "[1, 1, 784, 1]");
    }

    @Test
    void wrongElementTypeIsNamed() {
        rejected(() -> session.run(Tensor.ofLongs(new long[784], 1, 1, 28, 28)), "'input'", "FLOAT32", "INT64");
    }

    @Test
    void wrongInputNameIsNamedWithTheExpectedOnes() {
        rejected(() -> session.run(Map.of("image", good)), "'input'");
        rejected(() -> session.run(Map.of("input", good, "image", good)), "'image'", "input");
    }

    @Test
    void wrongNumberOfInputsIsNamed() {
        rejected(() -> session.run(), "1 input(s)", "input" + DECLARED, "got 0");
        rejected(() -> session.run(good, good), "1 input(s)", "got 2");
    }

    @Test
    void nullInputsAreIllegalArguments() {
        rejected(() -> session.run((Tensor) null), "'input'", "null");
        rejected(() -> session.run((Tensor[]) null), "1 input(s)");
        Map<String, Tensor> withNull = new HashMap<>();
        withNull.put("input", null);
        rejected(() -> session.run(withNull), "'input'", "null");
    }

    /** Session.run(Map) dereferences the map before checking it: a NullPointerException, not the documented IAE. */
    @Test
    void nullInputMapIsAnIllegalArgument() {
        rejected(() -> session.run((Map<String, Tensor>) null), "input");
    }

    @Test
    void undersizedOrNullArraysAreRefusedWhenTheTensorIsMade() {
        String undersized = assertThrows(IllegalArgumentException.class,
                () -> Tensor.of(new float[783], 1, 1, 28, 28)).getMessage();
        assertTrue(undersized.contains("[1, 1, 28, 28]") && undersized.contains("784") && undersized.contains("783"),
                undersized);
        String oversized = assertThrows(IllegalArgumentException.class,
                () -> Tensor.of(new float[785], 1, 1, 28, 28)).getMessage();
        assertTrue(oversized.contains("784") && oversized.contains("785"), oversized);
        String longs = assertThrows(IllegalArgumentException.class, () -> Tensor.ofLongs(new long[1], 2, 2)).getMessage();
        assertTrue(longs.contains("[2, 2]") && longs.contains("needs 4"), longs);
        String nullValues = assertThrows(IllegalArgumentException.class,
                () -> Tensor.of(null, 1, 1, 28, 28)).getMessage();
        assertTrue(nullValues.contains("[1, 1, 28, 28]") && nullValues.contains("null"), nullValues);
        assertThrows(IllegalArgumentException.class, () -> Tensor.ofLongs(null, 1));
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[1], (long[]) null));
        String negative = assertThrows(IllegalArgumentException.class,
                () -> Tensor.of(new float[784], -1, 1, 28, 28)).getMessage();
        assertTrue(negative.contains("-1"), negative);
    }

    @Test
    void runIntoChecksTheOutputTensors() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor[] in = {good};
            rejected(() -> session.runInto(in, new Tensor[0]), "1 output(s)", "got 0");
            rejected(() -> session.runInto(in, null), "1 output(s)");
            rejected(() -> session.runInto(in, new Tensor[] {null}), "null");
            int batch = good.shape().dim(0);
            rejected(() -> session.runInto(in, new Tensor[] {Tensor.allocate(arena, DType.FLOAT32, Shape.of(batch, 9))}),
                    "[" + batch + ", 10]", "[" + batch + ", 9]");
            rejected(() -> session.runInto(in, new Tensor[] {Tensor.allocate(arena, DType.INT64, Shape.of(batch, 10))}),
                    "INT64");
            rejected(() -> session.runInto(new Tensor[] {Tensor.of(new float[784], 28, 28)},
                    new Tensor[] {Tensor.allocate(arena, DType.FLOAT32, Shape.of(batch, 10))}), DECLARED, "[28, 28]");
            Tensor out = Tensor.allocate(arena, DType.FLOAT32, Shape.of(batch, 10));
            session.runInto(in, new Tensor[] {out});
            assertArrayEquals(goodOutput, out.toFloatArray());
        }
    }

    /** A batch of zero is a legal shape: the run returns an empty output or refuses it, but nothing else. */
    @Test
    void emptyBatchRunsOrIsRefused() {
        try {
            List<Tensor> out = session.run(Tensor.of(new float[0], 0, 1, 28, 28));
            assertEquals(0, out.get(0).size());
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
        }
        assertArrayEquals(goodOutput, session.run(good).get(0).toFloatArray());
    }

    /** Shapes that change from run to run reuse the session's buffers; each result must match a fresh session. */
    @Test
    void changingBatchSizesGiveTheSameResultsAsFreshSessions() {
        for (int batch : new int[] {3, 1, 4, 2, 1, 3}) {
            float[] v = new float[batch * 784];
            for (int i = 0; i < v.length; i++) {
                v[i] = (i * 31 % 97) / 97f;
            }
            Tensor t = Tensor.of(v, batch, 1, 28, 28);
            float[] expected;
            try (Session fresh = model.newSession()) {
                expected = fresh.run(t).get(0).toFloatArray();
            }
            assertArrayEquals(expected, session.run(t).get(0).toFloatArray(), "batch " + batch);
        }
    }
}
