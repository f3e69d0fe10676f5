package org.helu4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report's parsing and arithmetic on a small, made-up results folder (no benchmark runs here). */
class BenchReportTest {
    @TempDir
    Path dir;

    @Test
    void shapesParse() {
        Shapes.GemmShape g = Shapes.GemmShape.parse("r18-l1:64x3136x576");
        assertEquals("r18-l1", g.tag());
        assertEquals(2.0 * 64 * 3136 * 576, g.flops());
        Shapes.ConvShape c = Shapes.ConvShape.parse("mv2-dw-112s2:96x112x112-96k3s2p1g96");
        assertEquals(56, c.outH());
        assertEquals(2.0 * 96 * 56 * 56 * 9, c.flops());
        Shapes.ConvShape r = Shapes.ConvShape.parse("r18-conv1:3x224x224-64k7s2p3g1");
        assertEquals(112, r.outW());
        for (String s : Shapes.gemm()) {
            assertTrue(Shapes.GemmShape.parse(s).flops() > 0, s);
        }
        for (String s : Shapes.conv()) {
            assertTrue(Shapes.ConvShape.parse(s).geometry(1).outSpatial() > 0, s);
        }
    }

    @Test
    void writesTablesTargetsAndChart() throws Exception {
        Files.writeString(dir.resolve("conditions.properties"), "command=bench/run.sh full\nmode=full\n");
        Files.writeString(dir.resolve("peak.csv"), "species,best_gflops,median_gflops,rounds\n\"512-bit\",200.0,190.0,50\n");
        Files.writeString(dir.resolve("jmh-gemm.csv"), String.join("\n",
                "\"Benchmark\",\"Mode\",\"Threads\",\"Samples\",\"Score\",\"Score Error (99.9%)\",\"Unit\",\"Param: layout\",\"Param: shape\"",
                "\"org.helu4j.bench.GemmBench.gemm\",\"avgt\",1,10,1789.569700,12.5,\"us/op\",plain,square:512x512x512",
                "\"org.helu4j.bench.GemmBench.gemm:gc.alloc.rate.norm\",\"avgt\",1,10,0.01,0.0,\"B/op\",plain,square:512x512x512",
                ""));
        Files.writeString(dir.resolve("ort.csv"), OrtSideBySide.Row.HEADER + "\n"
                + "m1,1,1,1.0000,1.1,100,2.0000,2.1,50,0.5,10.0,20.0,1e-06,1e-07,5.0,4.0\n"
                + "m1,8,2,4.0000,4.1,100,2.0000,2.1,50,2.0,10.0,20.0,1e-06,1e-07,5.0,4.0\n");
        Files.writeString(dir.resolve("jmh-model.csv"), String.join("\n",
                "\"Benchmark\",\"Mode\",\"Threads\",\"Samples\",\"Score\",\"Score Error (99.9%)\",\"Unit\",\"Param: batch\",\"Param: model\",\"Param: threads\"",
                "\"org.helu4j.bench.ModelBench.run\",\"avgt\",1,10,9.5,0.1,\"ms/op\",1,x/m1.onnx,1",
                "\"org.helu4j.bench.ModelBench.run:gc.alloc.rate.norm\",\"avgt\",1,10,211.2,13.0,\"B/op\",1,x/m1.onnx,1",
                "\"org.helu4j.bench.ModelBench.run\",\"avgt\",1,10,5.0,0.1,\"ms/op\",1,x/m1.onnx,2",
                "\"org.helu4j.bench.ModelBench.run:gc.alloc.rate.norm\",\"avgt\",1,10,150.0,13.0,\"B/op\",1,x/m1.onnx,2",
                ""));
        // One fork per line; the report keeps the worst of the two.
        Files.writeString(dir.resolve("settle.csv"), "x/m1.onnx,1,1,445,5.1,0.0\nx/m1.onnx,1,1,500,6.0,0.0\n"
                + "x/m1.onnx,1,2,366,4.0,0.0\nx/m1.onnx,1,2,300,30.2,0.5\n");
        Path md = dir.resolve("out/BENCHMARKS.md");
        Path png = dir.resolve("out/charts/ratio.png");
        BenchReport.main(new String[] {dir.toString(), md.toString(), png.toString()});
        String text = Files.readString(md);
        // 2·512³ flops in 1789.5697 µs = 150 GFLOP/s = 75% of 200.
        assertTrue(text.contains("| square | 512x512x512 | plain | 1,790 ± 12.50 | 150.0 | 75% | 0 |"), text);
        assertTrue(text.contains("| SGEMM 512³, one thread (plain B) ≥ 70% of peak (goal 80%) | 75% | met |"), text);
        assertTrue(text.contains("| m1 | 1 | 1 | 1.000 | 2.000 | **0.50** |"), text);
        assertTrue(text.contains("1 of 2 configurations (1 at ≤ 0.8×); over: m1 b8 t2 2.00 | **missed** |"), text);
        assertTrue(text.contains("| m1 | 1 | 1 | 9.500 ± 0.100 | 105.3 | 500 | 0 | 211 |"), text);
        assertTrue(text.contains("| m1 | 1 | 2 | 5.000 ± 0.100 | 200.0 | 366 | 0.5 | 150 |"), text);
        assertTrue(text.contains("| 1 of 2 configurations at 0; m1 b1 t2: 0.5 B (settling took up to 30 s)"), text);
        assertTrue(text.contains("![helu4j / ORT p50 latency ratio](charts/ratio.png)"), text);
        assertTrue(Files.size(png) > 1000);
    }
}
