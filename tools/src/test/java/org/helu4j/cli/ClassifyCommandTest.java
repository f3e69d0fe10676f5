package org.helu4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassifyCommandTest {
    static final int N = 20;

    @TempDir
    static Path tmp;
    static Path data;
    /** The shipped headline model when there is one (a real classifier), else the golden CNN. */
    static Path model;
    static int[] evalPredictions;

    @BeforeAll
    static void setUp() throws IOException {
        data = Fixtures.smallSet(tmp.resolve("data"), N);
        Path headline;
        try {
            headline = ShippedModels.headline(Home.models());
        } catch (CliException e) {
            headline = null;
        }
        model = headline != null ? headline : Fixtures.GOLDEN;
        Path csv = tmp.resolve("pred.csv");
        Cli.Result r = Cli.run("eval", model.toString(), "--data", data.toString(), "--predictions", csv.toString(),
                "--json");
        assertEquals(0, r.exit(), r.toString());
        evalPredictions = Files.readAllLines(csv).stream().skip(1).mapToInt(l -> Integer.parseInt(l.split(",")[2]))
                .toArray();
    }

    /** Renders test image {@code i} at {@code scale}× (nearest neighbour), gray or RGB. */
    static Path render(int i, int scale, int type, String format) throws IOException {
        IdxDataset set = IdxDataset.load(data);
        BufferedImage img = new BufferedImage(28 * scale, 28 * scale, type);
        for (int y = 0; y < 28 * scale; y++) {
            for (int x = 0; x < 28 * scale; x++) {
                int v = set.pixel(i, (y / scale) * 28 + x / scale);
                if (type == BufferedImage.TYPE_BYTE_GRAY) {
                    img.getRaster().setSample(x, y, 0, v);
                } else {
                    img.setRGB(x, y, 0xff000000 | v << 16 | v << 8 | v);
                }
            }
        }
        Path file = tmp.resolve("item" + i + "-" + scale + "x-" + type + "." + format);
        assertTrue(ImageIO.write(img, format, file.toFile()), format);
        return file;
    }

    @Test
    void predictionsMatchEvalOnImagesRenderedAtOtherSizesAndInRgb() throws IOException {
        List<String> args = new ArrayList<>(List.of("classify", "--model", model.toString(), "--json", "--top", "2"));
        List<Integer> items = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            int scale = 1 + i % 4; // 28, 56, 84 and 112 pixels
            int type = i % 2 == 0 ? BufferedImage.TYPE_INT_RGB : BufferedImage.TYPE_BYTE_GRAY;
            String format = i % 3 == 0 ? "bmp" : "png";
            args.add(render(i, scale, type, format).toString());
            items.add(i);
        }
        Cli.Result r = Cli.run(args.toArray(String[]::new));
        assertEquals(0, r.exit(), r.toString());
        List<String> lines = r.outLines();
        assertEquals(N, lines.size(), r.out());
        for (int k = 0; k < N; k++) {
            JsonObject o = JsonParser.parseString(lines.get(k)).getAsJsonObject();
            assertTrue(o.get("file").getAsString().contains("item" + items.get(k) + "-"), o.toString());
            assertEquals(evalPredictions[items.get(k)], o.get("class").getAsInt(), "item " + items.get(k) + ": " + o);
            double p = o.get("probability").getAsDouble();
            assertTrue(p > 0 && p <= 1, o.toString());
            assertEquals(2, o.getAsJsonArray("top").size());
            assertFalse(o.get("label").getAsString().isEmpty());
        }
    }

    @Test
    void unreadableImageIsOneLineAndTheOthersAreStillClassified() throws IOException {
        Path good = render(0, 2, BufferedImage.TYPE_INT_RGB, "png");
        Path bad = Files.writeString(tmp.resolve("broken.png"), "not a picture");
        Path missing = tmp.resolve("missing.png");
        Cli.Result r = Cli.run("classify", "--model", model.toString(), bad.toString(), good.toString(),
                missing.toString());
        assertEquals(1, r.exit());
        assertEquals(2, r.errLines().size(), r.toString());
        assertTrue(r.err().contains("broken.png: not an image"), r.err());
        assertTrue(r.err().contains("missing.png: no such file"), r.err());
        assertTrue(r.out().contains(good.toString() + ":"), r.out());
        assertTrue(r.out().contains("%"), r.out());
    }

    @Test
    void theDefaultModelIsTheShippedHeadlineHeluModelWithTheLowestSeed() throws IOException {
        Path home = tmp.resolve("home");
        Path cnn = home.resolve("models/fashion-cnn");
        for (String name : List.of("relu-s0", "helu-a0.05-s1", "helu-a0.05-s0", "helu-a0.001-s0")) {
            Fixtures.withMetadata(Fixtures.GOLDEN, cnn.resolve("fashion-cnn-" + name + ".onnx"),
                    Fixtures.shippedMetadata("fashion-cnn", name.substring(0, 4), null, 0, 1000));
        }
        Path image = render(1, 1, BufferedImage.TYPE_BYTE_GRAY, "png");
        String old = System.getProperty("helu4j.home");
        try {
            System.setProperty("helu4j.home", home.toString());
            Cli.Result r = Cli.run("classify", image.toString());
            assertEquals(0, r.exit(), r.toString());
            assertTrue(r.out().contains("fashion-cnn-helu-a0.05-s0.onnx"), r.out());

            System.setProperty("helu4j.home", tmp.resolve("empty").toString());
            Cli.Result none = Cli.run("classify", image.toString());
            assertEquals(1, none.exit());
            assertEquals(1, none.errLines().size(), none.toString());
            assertTrue(none.err().contains("no shipped HeLU model"), none.err());
        } finally {
            if (old == null) {
                System.clearProperty("helu4j.home");
            } else {
                System.setProperty("helu4j.home", old);
            }
        }
    }

    @Test
    void picturesAtIntegerScalesBecomeExactlyTheTestSetInput() throws IOException {
        IdxDataset set = IdxDataset.load(data);
        Preprocessing pre = new Preprocessing(0.286f, 0.353f, true);
        for (int i = 0; i < 4; i++) {
            float[] expected = set.normalized(i, 1, pre);
            for (int type : new int[] {BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_BYTE_GRAY}) {
                Path file = render(i, 1 + i, type, "png");
                org.junit.jupiter.api.Assertions.assertArrayEquals(expected, ImageInput.load(file, 28, 28, pre),
                        file.toString());
            }
        }
    }

    @Test
    void colourBecomesLuminanceAndTransparencyBlack() {
        BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        img.setRGB(0, 0, 0xffff0000); // opaque red
        img.setRGB(1, 0, 0x80ffffff); // half-transparent white
        double[] g = ImageInput.gray(img);
        assertEquals(0.299 * 255, g[0], 1e-9);
        assertEquals(255 * 128 / 255.0, g[1], 1e-9);
    }

    @Test
    void resizeAveragesAreasExactly() {
        double[] src = {0, 255, 255, 0, 100, 100, 50, 50, 10, 20, 30, 40, 0, 0, 0, 0};
        double[] half = ImageInput.resize(src, 4, 4, 2, 2);
        assertEquals((0 + 255 + 100 + 100) / 4.0, half[0], 1e-9);
        assertEquals((255 + 0 + 50 + 50) / 4.0, half[1], 1e-9);
        assertEquals((10 + 20) / 4.0, half[2], 1e-9);
        double[] third = ImageInput.resize(new double[] {0, 30, 60}, 3, 1, 2, 1);
        assertEquals((0 + 0.5 * 30) / 1.5, third[0], 1e-9);
        assertEquals((0.5 * 30 + 60) / 1.5, third[1], 1e-9);
    }

    @Test
    void softmaxIsStableForLargeLogits() {
        float[] p = ClassifyCommand.softmax(new float[] {1000f, 1000f, -1000f});
        assertEquals(0.5f, p[0], 1e-6);
        assertEquals(0f, p[2], 1e-6);
    }
}
