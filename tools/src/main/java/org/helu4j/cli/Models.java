package org.helu4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.helu4j.Model;
import org.helu4j.ModelFormatException;

/** Loads models for the commands, turning every failure into a one-line message that names the file. */
final class Models {
    private Models() {
    }

    static Model load(Path file) {
        if (!Files.exists(file)) {
            throw new CliException(file + ": no such file");
        }
        try {
            return Model.load(file);
        } catch (ModelFormatException e) {
            throw new CliException(file + ": " + e.getMessage());
        } catch (IOException e) {
            throw new CliException(file + ": cannot read: " + e.getMessage());
        }
    }
}
