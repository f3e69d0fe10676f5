package org.helu4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the bundled models and test set live. The launcher passes {@code -Dhelu4j.home}; without it (tests, a
 * jar run by hand) the first folder upward from the working directory that holds {@code models/} is used.
 */
final class Home {
    private Home() {
    }

    static Path root() {
        String home = System.getProperty("helu4j.home");
        if (home != null && !home.isBlank()) {
            return Path.of(home);
        }
        Path cwd = Path.of("").toAbsolutePath();
        for (Path p = cwd; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("models"))) {
                return p;
            }
        }
        return cwd;
    }

    /** The shipped models: {@code models/<arch>/<arch>-<act>[-a<alpha>]-s<seed>.onnx}. */
    static Path models() {
        return root().resolve("models");
    }

    /** The bundled Fashion-MNIST test set. */
    static Path data() {
        return models().resolve("data");
    }
}
