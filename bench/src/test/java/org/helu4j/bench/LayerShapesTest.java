package org.helu4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** ConvBench covers every conv layer of the shipped models (one file per architecture; those present). */
class LayerShapesTest {
    @Test
    void goldenCnnShapesAreRead() throws Exception {
        List<String> shapes = LayerShapes.convShapes(Path.of("../engine/src/test/resources/golden/golden-cnn.onnx"));
        assertEquals(List.of("1x28x28-8k3s1p1g1", "8x28x28-8k3s1p1g8", "8x14x14-16k3s2p1g1"), shapes);
    }

    @Test
    void convBenchCoversTheShippedModels() throws Exception {
        Path models = Path.of("../models");
        Set<String> benched = LayerShapes.benched();
        for (String arch : List.of("fashion-cnn", "fashion-wrn")) {
            Path dir = models.resolve(arch);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.list(dir)) {
                Path first = files.filter(p -> p.toString().endsWith(".onnx")).sorted().findFirst().orElse(null);
                if (first == null) {
                    continue;
                }
                for (String shape : LayerShapes.convShapes(first)) {
                    assertTrue(benched.contains(shape), first + ": conv layer " + shape + " is not in ConvBench's @Param");
                }
            }
        }
    }
}
