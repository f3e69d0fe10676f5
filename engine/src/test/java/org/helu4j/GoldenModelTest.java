package org.helu4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.helu4j.io.Npy;
import org.junit.jupiter.api.Test;

/**
 * End to end against PyTorch: a small CNN with random weights (conv, depthwise conv, BN, ReLU, GELU through Erf,
 * pools with ceil_mode, a residual add, the Shape/Gather/Reshape flatten pattern, Gemm, Sigmoid), exported with
 * its input and PyTorch's output by {@code tools/golden/export_golden.py}.
 */
class GoldenModelTest {
    static final Path DIR = Path.of("src/test/resources/golden");
    /** Relative error allowed per element, against max(|expected|, 1). */
    static final double RELATIVE = 1e-4;

    @Test
    void matchesPyTorch() throws Exception {
        Tensor input = Npy.read(DIR.resolve("golden-cnn-input.npy"));
        float[] expected = Npy.read(DIR.resolve("golden-cnn-output.npy")).toFloatArray();
        try (Model model = Model.load(DIR.resolve("golden-cnn.onnx")); Session session = model.newSession()) {
            Tensor out = session.run(input).get(0);
            assertArrayEquals(new long[] {3, 10}, out.dims());
            assertClose(expected, out.toFloatArray());
            // One image at a time gives the same answer as the batch.
            float[] batch = input.toFloatArray();
            for (int b = 0; b < 3; b++) {
                float[] one = java.util.Arrays.copyOfRange(batch, b * 784, (b + 1) * 784);
                float[] got = session.run(Tensor.of(one, 1, 1, 28, 28)).get(0).toFloatArray();
                assertClose(java.util.Arrays.copyOfRange(expected, b * 10, b * 10 + 10), got);
            }
        }
    }

    static void assertClose(float[] expected, float[] actual) {
        assertTrue(expected.length == actual.length, "length");
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs((double) actual[i] - expected[i]) / Math.max(1.0, Math.abs(expected[i]));
            assertTrue(err <= RELATIVE, "element " + i + ": " + actual[i] + " vs PyTorch " + expected[i]);
        }
    }
}
