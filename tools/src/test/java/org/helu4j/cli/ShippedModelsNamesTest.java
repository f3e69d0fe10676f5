package org.helu4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShippedModelsNamesTest {
    @Test
    void namesSayArchActivationAlphaAndSeed() {
        ShippedModels.Entry e = ShippedModels.parse(Path.of("fashion-wrn-helu-a0.001-s12.onnx")).orElseThrow();
        assertEquals("fashion-wrn", e.arch());
        assertEquals("helu", e.activation());
        assertEquals("0.001", e.alpha());
        assertEquals(12, e.seed());
        ShippedModels.Entry r = ShippedModels.parse(Path.of("fashion-mlp-relu-s3.onnx")).orElseThrow();
        assertNull(r.alpha());
        assertEquals("fashion-mlp relu", r.group());
        assertTrue(ShippedModels.parse(Path.of("golden-cnn.onnx")).isEmpty());
        assertTrue(ShippedModels.parse(Path.of("fashion-cnn-relu-s0.deadunits.json")).isEmpty());
    }

    @Test
    void listingIsOrderedAndIgnoresOtherFiles(@TempDir Path root) throws IOException {
        for (String f : List.of("fashion-cnn/fashion-cnn-gelu-s0.onnx", "fashion-cnn/fashion-cnn-helu-a0.05-s1.onnx",
                "fashion-cnn/fashion-cnn-relu-s1.onnx", "fashion-cnn/fashion-cnn-relu-s0.onnx",
                "fashion-cnn/fashion-cnn-relu-s0.csv", "fashion-mlp/fashion-cnn-relu-s0.onnx", "data/x.onnx")) {
            Files.createDirectories(root.resolve(f).getParent());
            Files.writeString(root.resolve(f), "");
        }
        List<String> names = ShippedModels.list(root).stream().map(e -> e.file().getFileName().toString()).toList();
        assertEquals(List.of("fashion-cnn-relu-s0.onnx", "fashion-cnn-relu-s1.onnx", "fashion-cnn-helu-a0.05-s1.onnx",
                "fashion-cnn-gelu-s0.onnx"), names);
        assertEquals(root.resolve("fashion-cnn/fashion-cnn-helu-a0.05-s1.onnx"), ShippedModels.headline(root));
        List<ShippedModels.Entry> oneSeed = DemoCommand.lowestSeeds(ShippedModels.list(root), 1);
        assertEquals(List.of(0), oneSeed.stream().filter(e -> e.activation().equals("relu"))
                .map(ShippedModels.Entry::seed).toList());
        assertEquals(3, oneSeed.size());
    }
}
