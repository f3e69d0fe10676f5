package org.helu4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InspectCommandTest {
    @TempDir
    Path tmp;

    @Test
    void countsTheGoldenCnnsMultiplyAccumulates() {
        Cli.Result r = Cli.run("inspect", "--json", Fixtures.GOLDEN.toString());
        assertEquals(0, r.exit(), r.toString());
        JsonObject o = JsonParser.parseString(r.lastLine()).getAsJsonObject();
        // conv1 8×28×28×(1×3×3), depthwise conv2 8×28×28×(1×3×3), conv3 16×7×7×(8×3×3), fc1 32×256, fc2 10×32
        long macs = 8 * 784 * 9 + 8 * 784 * 9 + 16 * 49 * 72 + 32 * 256 + 10 * 32;
        assertEquals(macs, o.get("macs").getAsLong());
        assertEquals(2 * macs, o.get("flops").getAsLong());
        assertEquals(3, o.getAsJsonObject("op_counts").get("Conv").getAsInt());
        assertEquals("[batch, 1, 28, 28]", o.getAsJsonArray("inputs").get(0).getAsJsonObject().get("shape_text")
                .getAsString());
        assertTrue(o.get("parameters").getAsLong() > 9000);
        assertTrue(o.getAsJsonArray("plan").size() > 10);
    }

    @Test
    void reportShowsTrainingMetadataAndThePlan() throws IOException {
        Path m = Fixtures.withMetadata(Fixtures.GOLDEN, tmp.resolve("m.onnx"),
                Fixtures.shippedMetadata("golden", "helu", "0.05", 3, 9123));
        Cli.Result r = Cli.run("inspect", m.toString());
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("activation helu (alpha 0.05), seed 3, recorded test accuracy 91.23% (9123/10000)"),
                r.out());
        assertTrue(r.out().contains("FLOPs        355.7 k per inference at batch 1"), r.out());
        assertTrue(r.out().contains("folded into constants"), r.out());
        assertTrue(r.out().contains("/conv1/Conv"), r.out());
    }

    @Test
    void anUnsupportedOperatorIsNamed() throws IOException {
        byte[] bytes = Files.readAllBytes(Fixtures.GOLDEN);
        String text = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
        int at = text.indexOf("\"\u0007Sigmoid") + 2; // NodeProto.op_type: field 4, a 7-byte string
        assertTrue(at >= 2);
        bytes[at + 6] = 'x'; // Sigmoid -> Sigmoix, same length, so the protobuf stays valid
        Path odd = Files.write(tmp.resolve("odd-op.onnx"), bytes);
        Cli.Result r = Cli.run("inspect", odd.toString());
        assertEquals(1, r.exit(), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.err().contains("unsupported operator Sigmoix"), r.err());
    }

    @Test
    void invalidFilesFailInOneLine() throws IOException {
        Path empty = Files.write(tmp.resolve("empty.onnx"), new byte[0]);
        Path text = Files.writeString(tmp.resolve("text.onnx"), "ir_version: 7\n");
        Path truncated = Files.write(tmp.resolve("cut.onnx"),
                java.util.Arrays.copyOf(Files.readAllBytes(Fixtures.GOLDEN), 5000));
        for (Path bad : new Path[] {empty, text, truncated, tmp.resolve("absent.onnx"), tmp}) {
            Cli.Result r = Cli.run("inspect", bad.toString());
            assertEquals(1, r.exit(), r.toString());
            assertEquals(1, r.errLines().size(), r.toString());
            assertTrue(r.err().startsWith("infer: " + bad), r.err());
        }
    }
}
