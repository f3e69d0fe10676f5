package org.helu4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InferTest {
    static final String[] VERBS = {"demo", "classify", "eval", "compare", "inspect", "deadunits", "bench", "run"};

    @Test
    void everyVerbHasHelpWithAnExample() {
        Cli.Result root = Cli.run("--help");
        assertEquals(0, root.exit());
        for (String verb : VERBS) {
            assertTrue(root.out().contains(verb), verb + " in " + root.out());
            Cli.Result r = Cli.run(verb, "--help");
            assertEquals(0, r.exit(), verb);
            assertTrue(r.out().contains("Example"), verb + ": " + r.out());
            assertTrue(r.out().contains("infer " + verb), verb + ": " + r.out());
        }
    }

    @Test
    void noArgumentsRunsTheDemo(@TempDir Path empty) {
        String old = System.getProperty("helu4j.home");
        try {
            System.setProperty("helu4j.home", empty.toString());
            Cli.Result r = Cli.run();
            assertEquals(1, r.exit(), r.toString());
            assertTrue(r.err().contains("no shipped models in " + empty.resolve("models")), r.err());
        } finally {
            if (old == null) {
                System.clearProperty("helu4j.home");
            } else {
                System.setProperty("helu4j.home", old);
            }
        }
    }

    @Test
    void unknownVerbIsBadUsage() {
        Cli.Result r = Cli.run("frobnicate");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("Try 'infer --help'"), r.err());
    }
}
