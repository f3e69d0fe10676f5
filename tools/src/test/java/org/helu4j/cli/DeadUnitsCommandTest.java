package org.helu4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.helu4j.Model;
import org.helu4j.Session;
import org.helu4j.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeadUnitsCommandTest {
    @TempDir
    static Path tmp;
    static Path data;

    @BeforeAll
    static void data() throws IOException {
        data = Fixtures.smallSet(tmp.resolve("data"), 60);
    }

    /** The definition, computed the plain way: run every image alone and look at every value. */
    static int[] deadByDefinition(Path model, List<String> outputs) throws Exception {
        IdxDataset set = IdxDataset.load(data);
        boolean[][] alive = new boolean[outputs.size()][];
        try (Model m = Model.load(model, outputs); Session s = m.newSession()) {
            for (int i = 0; i < set.size(); i++) {
                List<Tensor> out = s.run(Tensor.of(set.normalized(i, 1, new Preprocessing(0, 1, false)), 1, 1, 28, 28));
                for (int k = 0; k < outputs.size(); k++) {
                    Tensor t = out.get(1 + k);
                    int c = (int) t.dims()[1];
                    int inner = (int) (t.size() / c);
                    alive[k] = alive[k] == null ? new boolean[c] : alive[k];
                    for (int u = 0; u < c; u++) {
                        for (int j = 0; j < inner; j++) {
                            alive[k][u] |= t.getFloat((long) u * inner + j) != 0f;
                        }
                    }
                }
            }
        }
        int[] dead = new int[outputs.size()];
        for (int k = 0; k < dead.length; k++) {
            for (boolean a : alive[k]) {
                dead[k] += a ? 0 : 1;
            }
        }
        return dead;
    }

    @Test
    void countsMatchTheDefinition() throws Exception {
        Cli.Result r = Cli.run("deadunits", Fixtures.GOLDEN.toString(), "--data", data.toString(), "--json",
                "--batch", "16");
        assertEquals(0, r.exit(), r.toString());
        JsonObject o = JsonParser.parseString(r.lastLine()).getAsJsonObject();
        JsonArray layers = o.getAsJsonArray("layers");
        // The golden CNN: two ReLU layers (8 channels each) and one exact GELU (16 channels).
        assertEquals(3, layers.size());
        List<String> outputs = layers.asList().stream().map(l -> l.getAsJsonObject().get("output").getAsString()).toList();
        int[] expected = deadByDefinition(Fixtures.GOLDEN, outputs);
        for (int k = 0; k < 3; k++) {
            assertEquals(expected[k], layers.get(k).getAsJsonObject().get("dead").getAsInt(), outputs.get(k));
            assertEquals("channel", layers.get(k).getAsJsonObject().get("kind").getAsString());
        }
        assertEquals("Relu", layers.get(0).getAsJsonObject().get("activation").getAsString());
        assertEquals("Gelu", layers.get(2).getAsJsonObject().get("activation").getAsString());
    }

    @Test
    void showsPyTorchsCountBesideAndFlagsDisagreement() throws Exception {
        Path copy = Files.copy(Fixtures.GOLDEN, tmp.resolve("twin.onnx"));
        Cli.Result mine = Cli.run("deadunits", copy.toString(), "--data", data.toString(), "--json");
        JsonArray layers = JsonParser.parseString(mine.lastLine()).getAsJsonObject().getAsJsonArray("layers");
        StringBuilder json = new StringBuilder("{\"model\": \"twin.onnx\", \"layers\": [");
        for (int k = 0; k < layers.size(); k++) {
            JsonObject l = layers.get(k).getAsJsonObject();
            json.append(k == 0 ? "" : ",").append(String.format(
                    "{\"index\": %d, \"kind\": \"channel\", \"units\": %d, \"dead\": %d, \"onnx_node\": \"%s\"}", k,
                    l.get("units").getAsInt(), l.get("dead").getAsInt() + (k == 1 ? 1 : 0), l.get("layer").getAsString()));
        }
        Files.writeString(tmp.resolve("twin.deadunits.json"), json.append("]}"));
        // PyTorch counted on the full test set, so the side-by-side needs the default data: point home at ours.
        String old = System.getProperty("helu4j.home");
        try {
            Path home = tmp.resolve("home");
            Fixtures.smallSet(home.resolve("models/data"), 60);
            System.setProperty("helu4j.home", home.toString());
            Cli.Result r = Cli.run("deadunits", copy.toString());
            assertEquals(0, r.exit(), r.toString());
            assertTrue(r.out().contains("PyTorch dead"), r.out());
            assertTrue(r.out().contains("DISAGREES with PyTorch's count on 1 of 3 layers"), r.out());
            Cli.Result j = Cli.run("deadunits", copy.toString(), "--json");
            assertEquals(false, JsonParser.parseString(j.lastLine()).getAsJsonObject().get("agrees_with_pytorch")
                    .getAsBoolean());
        } finally {
            if (old == null) {
                System.clearProperty("helu4j.home");
            } else {
                System.setProperty("helu4j.home", old);
            }
        }
    }

    @Test
    void missingModelIsOneLine() {
        Cli.Result r = Cli.run("deadunits", tmp.resolve("x.onnx").toString(), "--data", data.toString());
        assertEquals(1, r.exit());
        assertEquals(1, r.errLines().size(), r.toString());
    }
}
