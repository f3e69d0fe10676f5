package org.helu4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.helu4j.Model;
import org.helu4j.Tensor;
import org.helu4j.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped models, where they exist: one model per architecture on the full bundled test set, whose accuracy
 * must be the one recorded at training, and whose dead units must be PyTorch's count.
 */
class ShippedModelsTest {
    static List<ShippedModels.Entry> onePerArch() throws IOException {
        Map<String, ShippedModels.Entry> first = ShippedModels.list(Home.models()).stream()
                .collect(Collectors.toMap(ShippedModels.Entry::arch, e -> e, (a, b) -> a, java.util.TreeMap::new));
        return List.copyOf(first.values());
    }

    @Test
    void accuracyAndDeadUnitsAreReproducedOnTheFullTestSet() throws IOException {
        List<ShippedModels.Entry> models = onePerArch();
        assumeFalse(models.isEmpty() || !Files.isDirectory(Home.data()), "no shipped models yet");
        for (ShippedModels.Entry e : models) {
            Cli.Result r = Cli.run("deadunits", e.file().toString(), "--json");
            assertEquals(0, r.exit(), r.toString());
            JsonObject o = JsonParser.parseString(r.lastLine()).getAsJsonObject();
            assertEquals(10000, o.get("n").getAsInt());
            try (Model m = Models.load(e.file())) {
                ModelCard card = ModelCard.of(e.file(), m);
                assertEquals(card.recordedCorrect(), o.get("correct").getAsInt(), e.file() + ": recorded accuracy");
            }
            if (Files.exists(PyTorchDeadUnits.fileFor(e.file()))) {
                assertTrue(o.get("agrees_with_pytorch").getAsBoolean(), e.file() + ": " + o);
            }
        }
    }

    @Test
    void theDemoOnTheShippedModelsPrintsTheAccuracyEvalRecomputes(@TempDir Path tmp) throws IOException {
        assumeFalse(onePerArch().isEmpty(), "no shipped models yet");
        Cli.Result r = Cli.run("demo", "--seeds", "1", "--limit", "500", "--full", "--budget", "4", "--chart",
                tmp.resolve("demo.png").toString(), "--json");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("Same kernels") || !r.out().contains("relu"), r.out());
        JsonObject o = JsonParser.parseString(r.lastLine()).getAsJsonObject();
        assertEquals(500, o.get("n").getAsInt());
        // Spot-check a few models against eval on the same 500 images.
        List<JsonObject> models = o.getAsJsonArray("models").asList().stream().map(e -> e.getAsJsonObject()).toList();
        for (JsonObject m : models.subList(0, Math.min(3, models.size()))) {
            Cli.Result e = Cli.run("eval", m.get("file").getAsString(), "--limit", "500", "--json");
            assertEquals(0, e.exit(), e.toString());
            assertEquals(JsonParser.parseString(e.lastLine()).getAsJsonObject().get("correct").getAsInt(),
                    m.get("correct").getAsInt(), m.toString());
        }
    }

    @Test
    void badInputsToShippedModelsAreOneLine(@TempDir Path tmp) throws IOException {
        List<ShippedModels.Entry> models = onePerArch();
        assumeFalse(models.isEmpty(), "no shipped models yet");
        Path model = models.get(0).file();
        Path odd = tmp.resolve("odd");
        Fixtures.writeIdx(odd, 32, 32, new byte[2 * 1024], new byte[2]);
        Path npy = tmp.resolve("wrong.npy");
        Npy.write(npy, Tensor.of(new float[3 * 28 * 28], 1, 3, 28, 28));
        Path picture = Files.writeString(tmp.resolve("photo.jpg"), "no jpeg here");
        List<Cli.Result> failures = List.of(
                Cli.run("eval", model.toString(), "--data", odd.toString()),
                Cli.run("bench", model.toString(), "--input", npy.toString(), "--iters", "1"),
                Cli.run("run", model.toString(), "--input", npy.toString(), "--output", tmp.resolve("o.npy").toString()),
                Cli.run("classify", "--model", model.toString(), picture.toString()),
                Cli.run("deadunits", model.toString(), "--data", tmp.resolve("nothing").toString()));
        for (Cli.Result r : failures) {
            assertEquals(1, r.exit(), r.toString());
            assertEquals(1, r.errLines().size(), r.toString());
            assertTrue(r.err().startsWith("infer: "), r.toString());
        }
    }

    @Test
    void inspectAgreesWithPyTorchsMacCount() throws IOException {
        List<ShippedModels.Entry> models = onePerArch();
        assumeFalse(models.isEmpty(), "no shipped models yet");
        for (ShippedModels.Entry e : models) {
            Cli.Result r = Cli.run("inspect", "--json", e.file().toString());
            assertEquals(0, r.exit(), r.toString());
            JsonObject o = JsonParser.parseString(r.lastLine()).getAsJsonObject();
            String macs = o.getAsJsonObject("metadata").has("macs")
                    ? o.getAsJsonObject("metadata").get("macs").getAsString() : null;
            if (macs != null) {
                assertEquals(Long.parseLong(macs), o.get("macs").getAsLong(), e.file().toString());
            }
            assertEquals(e.activation(), o.getAsJsonObject("metadata").get("activation").getAsString());
        }
    }
}
