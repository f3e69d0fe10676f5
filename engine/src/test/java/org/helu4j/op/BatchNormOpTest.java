package org.helu4j.op;

import static org.helu4j.op.GemmOpTest.assertClose;
import static org.helu4j.op.GemmOpTest.op;
import static org.helu4j.op.GemmOpTest.random;
import static org.helu4j.op.GemmOpTest.run;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.helu4j.ModelFormatException;
import org.helu4j.Tensor;
import org.junit.jupiter.api.Test;

/** The BatchNormalization op: ranks, old-opset spatial = 0, folded constants, refusal of training mode. */
class BatchNormOpTest {

    private static Tensor positive(long... dims) {
        Tensor t = random(dims);
        float[] v = t.toFloatArray();
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.abs(v[i]) + 0.1f;
        }
        return Tensor.of(v, dims);
    }

    /** The defining formula; params indexed by {@code (i / inner) % count}. */
    private static float[] naive(Tensor x, Tensor[] p, float eps, int count, long inner) {
        float[] y = new float[(int) x.size()];
        for (int i = 0; i < y.length; i++) {
            int ch = (int) ((i / inner) % count);
            double sd = Math.sqrt((double) p[3].getFloat(ch) + eps);
            y[i] = (float) ((x.getFloat(i) - (double) p[2].getFloat(ch)) / sd * p[0].getFloat(ch) + p[1].getFloat(ch));
        }
        return y;
    }

    private static void check(long opset, Map<String, Object> attrs, float eps, long[] xDims, long[] pDims,
            int count, long inner) throws Exception {
        Tensor x = random(xDims);
        Tensor[] p = {random(pDims), random(pDims), random(pDims), positive(pDims)};
        Op op = op("BatchNormalization", opset, 5, 1, attrs);
        assertClose(naive(x, p, eps, count, inner), run(op, x, p[0], p[1], p[2], p[3]));
        // Load-time folding of the constant parameters gives the same result.
        Op folded = op("BatchNormalization", opset, 5, 1, attrs);
        GemmOpTest.infer(folded, new Tensor[] {x, p[0], p[1], p[2], p[3]},
                new Tensor[] {null, p[0], p[1], p[2], p[3]});
        assertClose(naive(x, p, eps, count, inner), run(folded, x, p[0], p[1], p[2], p[3]));
    }

    @Test
    void ranksAndEpsilon() throws Exception {
        check(15, Map.of(), 1e-5f, new long[] {2, 3, 5, 7}, new long[] {3}, 3, 35);
        check(15, Map.of("epsilon", 0.01f), 0.01f, new long[] {4, 19}, new long[] {19}, 19, 1);
        check(9, Map.of(), 1e-5f, new long[] {2, 5, 9}, new long[] {5}, 5, 9);
        check(14, Map.of(), 1e-5f, new long[] {1, 2, 3, 4, 5}, new long[] {2}, 2, 60);
    }

    @Test
    void oldOpsets() throws Exception {
        check(7, Map.of("spatial", 1L, "momentum", 0.9f), 1e-5f, new long[] {2, 3, 4, 4}, new long[] {3}, 3, 16);
        check(6, Map.of("is_test", 1L), 1e-5f, new long[] {2, 3, 4}, new long[] {3}, 3, 4);
        // spatial = 0: one set of parameters per element of a sample.
        check(7, Map.of("spatial", 0L), 1e-5f, new long[] {2, 3, 4}, new long[] {3, 4}, 12, 1);
    }

    @Test
    void trainingIsRefused() {
        var e = assertThrows(ModelFormatException.class, () -> op("BatchNormalization", 15, 5, 3, Map.of()));
        assertTrue(e.getMessage().contains("inference only"), e.getMessage());
        assertThrows(ModelFormatException.class,
                () -> op("BatchNormalization", 15, 5, 1, Map.of("training_mode", 1L)));
        assertThrows(ModelFormatException.class, () -> op("BatchNormalization", 15, 4, 1, Map.of()));
    }

    @Test
    void wrongParameterSizeIsExplained() throws Exception {
        Op op = op("BatchNormalization", 15, 5, 1, Map.of());
        var e = assertThrows(IllegalArgumentException.class,
                () -> run(op, random(2, 3, 4), random(4), random(3), random(3), positive(3)));
        assertTrue(e.getMessage().contains("scale is [4]"), e.getMessage());
    }
}
