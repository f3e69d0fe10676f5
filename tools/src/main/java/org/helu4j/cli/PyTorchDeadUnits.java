package org.helu4j.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The dead-unit measurement PyTorch made at export time, {@code <model>.deadunits.json} beside the model
 * (written by {@code tools/train/deadunits.py}): one entry per activation layer, in ONNX node order.
 */
final class PyTorchDeadUnits {
    /** One layer as PyTorch counted it. */
    record Layer(String onnxNode, String onnxOutput, String kind, int units, int dead) {
    }

    private PyTorchDeadUnits() {
    }

    static Path fileFor(Path model) {
        String name = model.getFileName().toString();
        String base = name.endsWith(".onnx") ? name.substring(0, name.length() - 5) : name;
        return model.resolveSibling(base + ".deadunits.json");
    }

    /** The layers, or null when there is no such file beside the model. */
    static List<Layer> read(Path model) throws IOException {
        Path file = fileFor(model);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            JsonElement root = JsonParser.parseString(Files.readString(file));
            JsonArray layers = root.isJsonArray() ? root.getAsJsonArray() : root.getAsJsonObject().getAsJsonArray("layers");
            List<Layer> out = new ArrayList<>();
            for (JsonElement e : layers) {
                JsonObject o = e.getAsJsonObject();
                out.add(new Layer(text(o, "onnx_node"), text(o, "onnx_output"), text(o, "kind"),
                        o.get("units").getAsInt(), o.get("dead").getAsInt()));
            }
            return out;
        } catch (JsonParseException | IllegalStateException | NullPointerException | UnsupportedOperationException e) {
            throw new CliException(file + ": not the expected dead-unit JSON (" + e.getMessage() + ")");
        }
    }

    private static String text(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }
}
