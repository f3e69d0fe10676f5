package org.helu4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;
import org.helu4j.Model;
import org.helu4j.Session;
import org.helu4j.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The side-by-side harness's agreement check, against ONNX Runtime 1.22.0: helu4j and ORT run the same file on
 * the same input and must agree within 1e-4 of the largest |output|. Fixtures: {@code tools/bench/export_test_models.py}.
 * Correctness only, nothing timed.
 */
class OrtAgreementTest {
    static final Path DIR = Path.of("src/test/resources/ort");
    static final double RELATIVE = 1e-4;

    @Test
    void cnnAgreesWithOnnxRuntime() throws Exception {
        for (int batch : new int[] {1, 3}) {
            OrtSideBySide.Agreement a = OrtSideBySide.agreement(DIR.resolve("ortcheck-cnn.onnx"), batch);
            assertEquals(batch * 10L, a.elements());
            assertTrue(a.maxRef() > 0.1, "degenerate output, max |ORT| " + a.maxRef());
            assertTrue(a.relative() <= RELATIVE, "batch " + batch + ": max |helu4j - ORT| " + a.maxAbs()
                    + " is " + a.relative() + " of max |ORT| " + a.maxRef());
        }
    }

    /**
     * Why the golden CNN is not the fixture: its avg_pool2d(2, ceil_mode=True) on 7x7 ends in a partial window,
     * which PyTorch and helu4j divide by the elements it covers and ORT by the kernel size
     * (microsoft/onnxruntime#16203). Pinned here, so that a change on either side shows up.
     */
    @Test
    void ceilModeAveragePoolDivergesAsDocumented() throws Exception {
        Path file = DIR.resolve("avgpool-ceil.onnx");
        float[] x = new float[2 * 7 * 7];
        java.util.Arrays.fill(x, 1f);
        float[] mine;
        try (Model m = Model.load(file); Session s = m.newSession()) {
            mine = s.run(Tensor.of(x, 1, 2, 7, 7)).get(0).toFloatArray();
        }
        float[] theirs;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = OrtSideBySide.ortOptions(1); OrtSession ort = env.createSession(file.toString(), o);
                OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {1, 2, 7, 7});
                OrtSession.Result r = ort.run(Map.of("input", in))) {
            FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
            theirs = new float[fb.remaining()];
            fb.get(theirs);
        }
        assertEquals(2 * 4 * 4, mine.length);
        assertEquals(mine.length, theirs.length);
        for (int c = 0; c < 2; c++) {
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    int k = (c * 4 + i) * 4 + j;
                    assertEquals(1f, mine[k], 1e-6, "helu4j, PyTorch's semantics: the mean of ones is 1 at " + k);
                    float ortExpected = (i < 3 ? 2 : 1) * (j < 3 ? 2 : 1) / 4f;
                    assertEquals(ortExpected, theirs[k], 1e-6, "ORT divides partial windows by 4 at " + k);
                }
            }
        }
    }
}
