package org.helu4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.helu4j.Model;
import org.helu4j.Session;
import org.helu4j.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The README's embedding example, compiled and run as it is printed there: load a model once, run it from several
 * threads each with its own session, and read the top class.
 */
class EmbeddingSnippetTest {
    private static final Path SOURCE = Path.of("src/test/java/org/helu4j/cli/EmbeddingSnippetTest.java");
    private static final String START = "// README snippet: start";
    private static final String END = "// README snippet: end";

    @Test
    void snippetRunsFromSeveralThreadsAndAgreesWithOneThread() throws Exception {
        Path file = Fixtures.GOLDEN;
        float[][] images = new float[4][];
        IdxDataset set = IdxDataset.load(Fixtures.smallSet(Files.createTempDirectory("snippet"), 4));
        for (int i = 0; i < 4; i++) {
            images[i] = set.normalized(i, 1, new Preprocessing(0, 1, false));
        }
        PrintStream stdout = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            // README snippet: start
            try (Model model = Model.load(file)) {                          // load once: immutable, shared
                Thread[] workers = new Thread[images.length];
                for (int t = 0; t < workers.length; t++) {
                    float[] image = images[t];                              // 28×28, normalized
                    int id = t;
                    workers[t] = Thread.ofPlatform().start(() -> {
                        try (Session session = model.newSession()) {       // one session per thread
                            float[] logits = session.run(Tensor.of(image, 1, 1, 28, 28)).get(0).toFloatArray();
                            int top = IntStream.range(0, logits.length)
                                    .reduce((a, b) -> logits[a] >= logits[b] ? a : b).getAsInt();
                            System.out.println("image " + id + ": class " + top);
                        }
                    });
                }
                for (Thread w : workers) {
                    w.join();
                }
            }
            // README snippet: end
        } finally {
            System.setOut(stdout);
        }
        Map<Integer, Integer> answers = new HashMap<>();
        for (String line : printed.toString(StandardCharsets.UTF_8).lines().toList()) {
            String[] parts = line.split("[ :]+"); // image 3: class 7
            answers.put(Integer.parseInt(parts[1]), Integer.parseInt(parts[3]));
        }
        assertEquals(4, answers.size(), printed.toString(StandardCharsets.UTF_8));
        try (Model model = Model.load(file); Session session = model.newSession()) {
            for (int i = 0; i < 4; i++) {
                int[] top = new int[1];
                Evaluation.argmax(session.run(Tensor.of(images[i], 1, 1, 28, 28)).get(0), top, 0);
                assertEquals(top[0], answers.get(i), "image " + i);
            }
        }
    }

    /** Once the README carries the snippet (it names this test), the two must not drift apart. */
    @Test
    void readmeShowsExactlyThisSnippet() throws IOException {
        Path readme = Home.root().resolve("README.md");
        assumeTrue(Files.isRegularFile(readme) && Files.readString(readme).contains("EmbeddingSnippetTest"),
                "the README does not show the snippet yet");
        String readmeText = Files.readString(readme);
        for (String line : snippet()) {
            assertTrue(readmeText.contains(line.strip()), "README lacks: " + line.strip());
        }
    }

    static List<String> snippet() throws IOException {
        List<String> lines = Files.readAllLines(SOURCE);
        int from = lines.indexOf(lines.stream().filter(l -> l.strip().equals(START)).findFirst().orElseThrow());
        int to = lines.indexOf(lines.stream().filter(l -> l.strip().equals(END)).findFirst().orElseThrow());
        return lines.subList(from + 1, to).stream().filter(l -> !l.isBlank()).toList();
    }
}
