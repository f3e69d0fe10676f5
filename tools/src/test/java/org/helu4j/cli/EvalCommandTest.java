package org.helu4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

class EvalCommandTest {
    @TempDir
    static Path tmp;
    static Path data;

    @BeforeAll
    static void data() throws IOException {
        data = Fixtures.smallSet(tmp.resolve("data"), 120);
    }

    @Test
    void jsonAccuracyIsTheOneComputedDirectly() throws Exception {
        Cli.Result r = Cli.run("eval", Fixtures.GOLDEN.toString(), "--data", data.toString(), "--batch", "7", "--json");
        assertEquals(0, r.exit(), r.toString());
        JsonObject o = JsonParser.parseString(r.lastLine()).getAsJsonObject();
        assertEquals(120, o.get("n").getAsInt());
        // The same images through the public API, one at a time, without the CLI's batching and threads.
        IdxDataset set = IdxDataset.load(data);
        int correct = 0;
        try (Model m = Model.load(Fixtures.GOLDEN); Session s = m.newSession()) {
            Preprocessing pre = new Preprocessing(0, 1, false);
            for (int i = 0; i < set.size(); i++) {
                float[] logits = s.run(Tensor.of(set.normalized(i, 1, pre), 1, 1, 28, 28)).get(0).toFloatArray();
                int best = 0;
                for (int j = 1; j < logits.length; j++) {
                    best = logits[j] > logits[best] ? j : best;
                }
                correct += best == set.label(i) ? 1 : 0;
            }
        }
        assertEquals(correct, o.get("correct").getAsInt());
        assertEquals(correct / 120.0, o.get("accuracy").getAsDouble(), 1e-12);
        assertEquals(10, o.getAsJsonArray("confusion").size());
    }

    @Test
    void tablesNameTheClassesFromMetadataAndNoteMissingNormalization() throws Exception {
        Cli.Result plain = Cli.run("eval", Fixtures.GOLDEN.toString(), "--data", data.toString());
        assertEquals(0, plain.exit(), plain.toString());
        assertTrue(plain.out().contains("no input_mean/input_std metadata"), plain.out());
        assertTrue(plain.out().contains("confusion matrix"), plain.out());

        Path named = Fixtures.withMetadata(Fixtures.GOLDEN, tmp.resolve("named.onnx"),
                Fixtures.shippedMetadata("golden", "relu", null, 0, 1234));
        Cli.Result r = Cli.run("eval", named.toString(), "--data", data.toString(), "--threads", "1");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("Ankle boot"), r.out());
        assertFalse(r.out().contains("no input_mean"), r.out());
        assertTrue(r.out().contains("not comparable"), "120 images cannot be compared with a 10,000-image record");
    }

    @Test
    void predictionsFileHasOneLinePerImage() throws Exception {
        Path csv = tmp.resolve("pred.csv");
        Cli.Result r = Cli.run("eval", Fixtures.GOLDEN.toString(), "--data", data.toString(), "--predictions",
                csv.toString(), "--json");
        assertEquals(0, r.exit(), r.toString());
        List<String> lines = Files.readAllLines(csv);
        assertEquals("index,label,predicted", lines.get(0));
        assertEquals(121, lines.size());
    }

    @Test
    void missingModelIsOneLine() {
        Cli.Result r = Cli.run("eval", tmp.resolve("nope.onnx").toString(), "--data", data.toString());
        assertEquals(1, r.exit());
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.err().contains("nope.onnx: no such file"), r.err());
    }

    @Test
    void notAnOnnxModelIsOneLineWithoutStackTrace() throws IOException {
        Path junk = Files.writeString(tmp.resolve("junk.onnx"), "this is not a model\n");
        Cli.Result r = Cli.run("eval", junk.toString(), "--data", data.toString());
        assertEquals(1, r.exit());
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.err().startsWith("infer: " + junk), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void verboseShowsTheStackTrace() throws IOException {
        Path junk = Files.writeString(tmp.resolve("junk2.onnx"), "still not a model\n");
        Cli.Result r = Cli.run("eval", junk.toString(), "--data", data.toString(), "--verbose");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("\tat "), r.err());
    }

    @Test
    void imagesOfTheWrongSizeForTheModelAreOneLine() throws IOException {
        Path odd = tmp.resolve("odd");
        Fixtures.writeIdx(odd, 20, 20, new byte[3 * 400], new byte[3]);
        Cli.Result r = Cli.run("eval", Fixtures.GOLDEN.toString(), "--data", odd.toString());
        assertEquals(1, r.exit());
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.err().contains("does not fit"), r.err());
    }

    @Test
    void missingOrBrokenDataIsOneLine() throws IOException {
        Cli.Result none = Cli.run("eval", Fixtures.GOLDEN.toString(), "--data", tmp.resolve("absent").toString());
        assertEquals(1, none.exit());
        assertTrue(none.err().contains("no such directory"), none.err());

        Path broken = tmp.resolve("broken");
        Fixtures.writeIdx(broken, 28, 28, new byte[2 * 784], new byte[2]);
        Path images = broken.resolve("t10k-images-idx3-ubyte");
        byte[] b = Files.readAllBytes(images);
        Files.write(images, java.util.Arrays.copyOf(b, 100));
        Cli.Result truncated = Cli.run("eval", Fixtures.GOLDEN.toString(), "--data", broken.toString());
        assertEquals(1, truncated.exit());
        assertEquals(1, truncated.errLines().size(), truncated.toString());
        assertTrue(truncated.err().contains("truncated"), truncated.err());
    }

    @Test
    void badUsageExitsTwo() {
        Cli.Result r = Cli.run("eval", Fixtures.GOLDEN.toString(), "--batch", "many");
        assertEquals(2, r.exit());
        Cli.Result zero = Cli.run("eval", Fixtures.GOLDEN.toString(), "--data", data.toString(), "--batch", "0");
        assertEquals(1, zero.exit());
        assertTrue(zero.err().contains("--batch"), zero.err());
    }
}
