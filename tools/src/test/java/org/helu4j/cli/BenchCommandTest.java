package org.helu4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Path;
import org.helu4j.Tensor;
import org.helu4j.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchCommandTest {
    @TempDir
    Path tmp;

    @Test
    void jsonHasThePercentilesAndThroughput() {
        Cli.Result r = Cli.run("bench", Fixtures.GOLDEN.toString(), "--iters", "6", "--warmup", "1", "--threads", "2",
                "--batch", "4", "--json");
        assertEquals(0, r.exit(), r.toString());
        JsonObject o = JsonParser.parseString(r.lastLine()).getAsJsonObject();
        for (String key : new String[] {"p50_ms", "p90_ms", "p99_ms", "max_ms", "throughput_per_s"}) {
            assertTrue(o.get(key).getAsDouble() > 0, key + " in " + o);
        }
        assertTrue(o.get("p50_ms").getAsDouble() <= o.get("p99_ms").getAsDouble());
        assertTrue(o.get("p99_ms").getAsDouble() <= o.get("max_ms").getAsDouble() * 1.001);
        assertEquals(4, o.get("batch").getAsInt());
        assertEquals(2, o.get("threads").getAsInt());
        assertEquals(o.get("runs_per_s").getAsDouble() * 4, o.get("throughput_per_s").getAsDouble(), 1e-6);
    }

    @Test
    void profileListsTheOpsSlowestFirst() {
        Cli.Result r = Cli.run("bench", Fixtures.GOLDEN.toString(), "--iters", "5", "--warmup", "1", "--profile");
        assertEquals(0, r.exit(), r.toString());
        java.util.List<Double> micros = r.out().lines().filter(l -> l.matches("\\s+\\d+\\s+[0-9.]+\\s+[0-9.]+%.*"))
                .map(l -> Double.parseDouble(l.trim().split("\\s+")[1])).toList();
        assertTrue(micros.size() > 3, r.out());
        for (int i = 1; i < micros.size(); i++) {
            assertTrue(micros.get(i) <= micros.get(i - 1), r.out());
        }
        assertTrue(r.out().contains("Conv"), r.out());
    }

    @Test
    void readsTheInputFromNpy() {
        Cli.Result r = Cli.run("bench", Fixtures.GOLDEN.toString(), "--input", Fixtures.GOLDEN_INPUT.toString(),
                "--iters", "3", "--warmup", "0");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("at batch 3"), r.out());
        assertTrue(r.out().contains("p99"), r.out());
    }

    @Test
    void wrongInputShapeIsOneLine() throws IOException {
        Path npy = tmp.resolve("wrong.npy");
        Npy.write(npy, Tensor.of(new float[2 * 27 * 27], 2, 1, 27, 27));
        Cli.Result r = Cli.run("bench", Fixtures.GOLDEN.toString(), "--input", npy.toString(), "--iters", "2");
        assertEquals(1, r.exit());
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.err().contains("shape"), r.err());
    }

    @Test
    void badArgumentsAreRefused() {
        assertEquals(1, Cli.run("bench", Fixtures.GOLDEN.toString(), "--threads", "0").exit());
        assertEquals(2, Cli.run("bench").exit());
        assertEquals(1, Cli.run("bench", tmp.resolve("none.onnx").toString()).exit());
    }
}
