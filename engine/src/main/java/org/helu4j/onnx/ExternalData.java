package org.helu4j.onnx;

import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.helu4j.ModelFormatException;

/**
 * Memory-maps tensors stored outside the model file ({@code data_location = EXTERNAL}). Only files inside the
 * model's own folder are accepted: absolute paths, {@code ..} escapes and symbolic links that lead out of the
 * folder are refused, and so are offsets or lengths beyond the end of the file. Mappings live as long as the
 * model's arena: closing the model unmaps them.
 */
final class ExternalData {
    private final Path folder;
    private final Arena arena;

    /** {@code folder} is the folder of the model file, or {@code null} when the model did not come from a file. */
    ExternalData(Path folder, Arena arena) {
        this.folder = folder;
        this.arena = arena;
    }

    MemorySegment map(TensorProto proto, long expectedBytes) throws ModelFormatException {
        String tensor = "tensor '" + proto.getName() + "'";
        if (folder == null) {
            throw new ModelFormatException(tensor + " refers to external data, but the model was not loaded from a file");
        }
        String location = null;
        long offset = 0;
        long length = -1;
        for (StringStringEntryProto e : proto.getExternalDataList()) {
            switch (e.getKey()) {
                case "location" -> location = e.getValue();
                case "offset" -> offset = parseLong(tensor, "offset", e.getValue());
                case "length" -> length = parseLong(tensor, "length", e.getValue());
                default -> { } // "checksum" and future keys carry no layout information
            }
        }
        if (location == null || location.isEmpty()) {
            throw new ModelFormatException(tensor + " is EXTERNAL but names no location");
        }
        if (length >= 0 && length != expectedBytes) {
            throw new ModelFormatException(tensor + ": external length " + length + " does not match its shape ("
                    + expectedBytes + " bytes)");
        }
        Path file = resolveInside(tensor, location);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (offset < 0 || offset > size || expectedBytes > size - offset) {
                throw new ModelFormatException(tensor + ": external data at offset " + offset + " with " + expectedBytes
                        + " bytes lies beyond the end of '" + location + "' (" + size + " bytes)");
            }
            if (expectedBytes == 0) {
                return MemorySegment.NULL.reinterpret(0);
            }
            return channel.map(FileChannel.MapMode.READ_ONLY, offset, expectedBytes, arena);
        } catch (IOException e) {
            throw new ModelFormatException(tensor + ": cannot read external data '" + location + "': " + e.getMessage());
        }
    }

    private Path resolveInside(String tensor, String location) throws ModelFormatException {
        try {
            Path relative = Path.of(location);
            if (relative.isAbsolute() || location.startsWith("/") || location.startsWith("\\")) {
                throw new ModelFormatException(tensor + ": external data path '" + location
                        + "' is absolute; only files inside the model's folder are allowed");
            }
            Path root = folder.toRealPath();
            Path candidate = root.resolve(relative).normalize();
            if (!candidate.startsWith(root)) {
                throw new ModelFormatException(tensor + ": external data path '" + location
                        + "' leads outside the model's folder");
            }
            if (!Files.isRegularFile(candidate)) {
                throw new ModelFormatException(tensor + ": external data file '" + location + "' does not exist");
            }
            Path real = candidate.toRealPath();
            if (!real.startsWith(root)) {
                throw new ModelFormatException(tensor + ": external data path '" + location
                        + "' is a link that leads outside the model's folder");
            }
            return real;
        } catch (InvalidPathException | IOException e) {
            throw new ModelFormatException(tensor + ": bad external data path '" + location + "': " + e.getMessage());
        }
    }

    private static long parseLong(String tensor, String key, String value) throws ModelFormatException {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new ModelFormatException(tensor + ": external data " + key + " '" + value + "' is not a number");
        }
    }
}
