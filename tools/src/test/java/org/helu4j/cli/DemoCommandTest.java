package org.helu4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo and compare verbs: their numbers must be the recomputed ones, whatever the speed. */
class DemoCommandTest {
    @TempDir
    static Path tmp;
    static Path data;
    static Path models;

    @BeforeAll
    static void setUp() throws IOException {
        data = Fixtures.smallSet(tmp.resolve("data"), 64);
        models = Fixtures.shippedLayout(tmp.resolve("models"));
    }

    static double evalAccuracy(Path model) {
        Cli.Result r = Cli.run("eval", model.toString(), "--data", data.toString(), "--json");
        assertEquals(0, r.exit(), r.toString());
        return JsonParser.parseString(r.lastLine()).getAsJsonObject().get("accuracy").getAsDouble();
    }

    @Test
    void demoPrintsTheRecomputedAccuracyTheSameKernelsAndAChart() throws IOException {
        Path chart = tmp.resolve("chart.png");
        Cli.Result r = Cli.run("demo", "--models", models.toString(), "--data", data.toString(), "--full",
                "--budget", "2", "--chart", chart.toString(), "--json");
        assertEquals(0, r.exit(), r.toString());
        JsonObject o = JsonParser.parseString(r.lastLine()).getAsJsonObject();
        assertEquals(64, o.get("n").getAsInt());
        JsonArray ms = o.getAsJsonArray("models");
        assertEquals(5, ms.size());
        for (JsonElement e : ms) {
            JsonObject m = e.getAsJsonObject();
            assertEquals(evalAccuracy(Path.of(m.get("file").getAsString())), m.get("accuracy").getAsDouble(), 0,
                    m.toString());
            assertTrue(m.get("p50_ms").getAsDouble() > 0);
            assertTrue(m.get("throughput_per_s").getAsDouble() > 0);
            assertTrue(m.get("matches_recorded").isJsonNull(), "64 images are not comparable with a 10,000 record");
        }
        JsonArray groups = o.getAsJsonArray("groups");
        assertEquals(List.of("relu", "helu a=0.05", "gelu"),
                groups.asList().stream().map(g -> g.getAsJsonObject().get("activation").getAsString()).toList());
        // The table shows the same accuracy as the JSON, as a percentage.
        double relu = groups.get(0).getAsJsonObject().get("accuracy_mean").getAsDouble();
        assertTrue(r.out().contains(String.format("%.2f", 100 * relu)), r.out());
        assertTrue(r.out().contains("Same kernels: the 4 ReLU and HeLU models of golden compiled to identical plans"),
                r.out());
        assertTrue(r.out().contains("p50/p99: batch 1"), r.out());
        assertTrue(r.out().contains("chart: " + chart.toAbsolutePath()), r.out());
        byte[] png = Files.readAllBytes(chart);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(png, 4));
    }

    @Test
    void demoSaysWhenItEvaluatedOnlyAPrefix() throws IOException {
        Path bigger = Fixtures.smallSet(tmp.resolve("data300"), 300);
        Cli.Result r = Cli.run("demo", "--models", models.toString(), "--data", bigger.toString(), "--seeds", "1",
                "--budget", "0.001", "--chart", tmp.resolve("c2.png").toString(), "--json");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("helu4j demo: 3 models"), r.out());
        // The first chunk is always evaluated; the budget stops the rest.
        assertTrue(r.out().contains("recomputed here on 100 of the 300 test images (the first ones"), r.out());
        JsonObject o = JsonParser.parseString(r.lastLine()).getAsJsonObject();
        assertEquals(100, o.get("n").getAsInt());
        assertEquals(300, o.get("available").getAsInt());
    }

    @Test
    void demoSkipsAModelThatCannotBeLoadedAndSaysSo() throws IOException {
        Path root = Fixtures.shippedLayout(tmp.resolve("partly"));
        Files.write(root.resolve("golden/golden-gelu-s0.onnx"), new byte[] {8, 7, 18}); // cut off mid-write
        Cli.Result r = Cli.run("demo", "--models", root.toString(), "--data", data.toString(), "--budget", "1",
                "--limit", "16", "--chart", tmp.resolve("c3.png").toString(), "--json");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.err().contains("infer: skipping " + root.resolve("golden/golden-gelu-s0.onnx")), r.err());
        assertEquals(4, JsonParser.parseString(r.lastLine()).getAsJsonObject().getAsJsonArray("models").size());
    }

    @Test
    void compareGroupsModelsWithoutMetadataByFileName() throws IOException {
        Path twin = Files.copy(Fixtures.GOLDEN, tmp.resolve("twin.onnx"));
        Cli.Result r = Cli.run("compare", Fixtures.GOLDEN.toString(), twin.toString(), "--data", data.toString(),
                "--full", "--budget", "1", "--chart", tmp.resolve("cmp.png").toString(), "--json");
        assertEquals(0, r.exit(), r.toString());
        JsonObject o = JsonParser.parseString(r.lastLine()).getAsJsonObject();
        assertEquals(2, o.getAsJsonArray("groups").size());
        double expected = evalAccuracy(Fixtures.GOLDEN);
        for (JsonElement e : o.getAsJsonArray("models")) {
            assertEquals(expected, e.getAsJsonObject().get("accuracy").getAsDouble(), 0);
        }
    }

    @Test
    void badInputsAreOneLine() throws IOException {
        Cli.Result none = Cli.run("demo", "--models", tmp.resolve("nothing").toString(), "--data", data.toString());
        assertEquals(1, none.exit());
        assertEquals(1, none.errLines().size(), none.toString());
        assertTrue(none.err().contains("no shipped models"), none.err());

        Cli.Result missing = Cli.run("compare", Fixtures.GOLDEN.toString(), tmp.resolve("gone.onnx").toString(),
                "--data", data.toString());
        assertEquals(1, missing.exit());
        assertTrue(missing.errLines().get(missing.errLines().size() - 1).contains("gone.onnx: no such file"),
                missing.toString());
        assertEquals(2, Cli.run("compare").exit());
    }

    @Test
    void recordedAccuracyIsComparedOnlyOnTheFullTestSet() throws IOException {
        ModelCard card = new ModelCard(Path.of("m.onnx"),
                Fixtures.shippedMetadata("a", "relu", null, 0, 9000), new long[] {-1, 1, 28, 28}, 10);
        assertEquals(Boolean.TRUE, result(card, 10000, 9000).matchesRecorded());
        assertEquals(Boolean.FALSE, result(card, 10000, 8999).matchesRecorded());
        assertNull(result(card, 500, 450).matchesRecorded());
        assertFalse(ComparisonTable.difference(
                new ComparisonTable.Group("a", "helu", List.of(result(card, 100, 50), result(card, 100, 60))),
                new ComparisonTable.Group("a", "relu", List.of(result(card, 100, 50), result(card, 100, 52))))
                .contains("signif."));
    }

    private static Comparison.ModelResult result(ModelCard card, int n, int correct) {
        return new Comparison.ModelResult(card.file(), card, n, correct, 0, Interleaved.histogram(), 1, List.of());
    }
}
