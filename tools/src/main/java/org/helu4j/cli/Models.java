package org.helu4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.helu4j.LoadOptions;
import org.helu4j.Model;
import org.helu4j.ModelFormatException;

/** Loads models for the commands, turning every failure into a one-line message that names the file. */
final class Models {
    private Models() {
    }

    static Model load(Path file) {
        return load(file, List.of());
    }

    /** Loads a model with internal values exposed as extra outputs (see {@link Model#load(Path, List)}). */
    static Model load(Path file, List<String> extraOutputs) {
        return load(file, LoadOptions.DEFAULT.withExtraOutputs(extraOutputs));
    }

    /** The model as the file has it: no BatchNorm folding or activation fusion (op counts, activation layers). */
    static Model loadAsWritten(Path file) {
        return load(file, LoadOptions.DEFAULT.withOptimize(false));
    }

    static Model load(Path file, LoadOptions options) {
        if (!Files.exists(file)) {
            throw new CliException(file + ": no such file");
        }
        if (Files.isDirectory(file)) {
            throw new CliException(file + ": is a directory, not an .onnx model");
        }
        try {
            return Model.load(file, options);
        } catch (ModelFormatException e) {
            throw new CliException(file + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new CliException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Loads a model with its activation layers (Relu, GELU) exposed, for counting dead units. */
    static Model loadObserved(Path file, List<ActivationLayers.Layer> layers) {
        return load(file, ActivationLayers.outputs(layers));
    }

    /** The activation layers of the model in {@code file}, found before fusion folds the Relu nodes away. */
    static List<ActivationLayers.Layer> layers(Path file) {
        try (Model plain = loadAsWritten(file)) {
            return ActivationLayers.of(plain.graph());
        }
    }
}
