package org.helu4j.op;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.helu4j.ModelFormatException;
import org.helu4j.Tensor;
import org.helu4j.graph.Attributes;
import org.helu4j.graph.Node;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;
import org.junit.jupiter.api.Test;

/** The Gemm op: attributes, C broadcasting, load-time packing of a constant B, and error messages. */
class GemmOpTest {
    private static final Random RND = new Random(3);

    static Op op(String type, long opset, int inputs, int outputs, Map<String, Object> attrs)
            throws ModelFormatException {
        List<String> in = new ArrayList<>();
        for (int i = 0; i < inputs; i++) {
            in.add("in" + i);
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < outputs; i++) {
            out.add("out" + i);
        }
        return OpRegistry.create(new Node("n", type, "", opset, in, out, new Attributes(attrs)));
    }

    /** Infers with the given values known (null = absent input), then runs into fresh off-heap outputs. */
    static Tensor run(Op op, Tensor... in) {
        InferContext ctx = infer(op, in, in);
        Tensor out = Tensor.allocate(Arena.ofAuto(), ctx.outputType(0), ctx.outputShape(0));
        op.run(in, new Tensor[] {out});
        return out;
    }

    static InferContext infer(Op op, Tensor[] in, Tensor[] known) {
        DType[] types = new DType[in.length];
        Shape[] shapes = new Shape[in.length];
        for (int i = 0; i < in.length; i++) {
            if (in[i] != null) {
                types[i] = in[i].type();
                shapes[i] = in[i].shape();
            }
        }
        InferContext ctx = new InferContext();
        ctx.reset(types, shapes, known.clone(), op.node().outputs().size());
        op.infer(ctx);
        return ctx;
    }

    static Tensor random(long... dims) {
        float[] v = new float[(int) Shape.of(dims).size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = RND.nextFloat() * 2 - 1;
        }
        return Tensor.of(v, dims);
    }

    static void assertClose(float[] want, Tensor got) {
        float[] g = got.toFloatArray();
        assertEquals(want.length, g.length, "element count");
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], g[i], 1e-5 + 1e-5 * Math.abs(want[i]), "element " + i);
        }
    }

    /** alpha·op(A)·op(B) + beta·C with C broadcast, in double. */
    private static float[] naive(Tensor a, Tensor b, Tensor c, boolean ta, boolean tb, float alpha, float beta) {
        int m = ta ? a.shape().dim(1) : a.shape().dim(0);
        int k = ta ? a.shape().dim(0) : a.shape().dim(1);
        int n = tb ? b.shape().dim(0) : b.shape().dim(1);
        float[] y = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += (double) a.getFloat(ta ? p * m + i : i * k + p) * b.getFloat(tb ? j * k + p : p * n + j);
                }
                s *= alpha;
                if (c != null) {
                    int[] d = c.shape().dims();
                    int r = d.length;
                    int ci = (r == 2 && d[0] != 1 ? i : 0) * (r >= 1 ? d[r - 1] : 1) + (r >= 1 && d[r - 1] != 1 ? j : 0);
                    s += beta * (double) c.getFloat(ci);
                }
                y[i * n + j] = (float) s;
            }
        }
        return y;
    }

    @Test
    void attributesAndBroadcastC() throws Exception {
        int m = 5;
        int k = 7;
        int n = 19;
        long[][] cShapes = {{}, {1}, {n}, {1, n}, {m, 1}, {m, n}, {1, 1}};
        for (int t = 0; t < 4; t++) {
            boolean ta = (t & 1) != 0;
            boolean tb = (t & 2) != 0;
            Tensor a = ta ? random(k, m) : random(m, k);
            Tensor b = tb ? random(n, k) : random(k, n);
            for (long[] cs : cShapes) {
                Tensor c = random(cs);
                Op op = op("Gemm", 13, 3, 1, Map.of("alpha", 0.5f, "beta", -2f, "transA", ta ? 1L : 0L,
                        "transB", tb ? 1L : 0L));
                Tensor y = run(op, a, b, c);
                assertArrayEquals(new int[] {m, n}, y.shape().dims());
                assertClose(naive(a, b, c, ta, tb, 0.5f, -2f), y);
            }
            Op noC = op("Gemm", 11, 2, 1, Map.of("transA", ta ? 1L : 0L, "transB", tb ? 1L : 0L));
            assertClose(naive(a, b, null, ta, tb, 1f, 1f), run(noC, a, b, null));
        }
    }

    @Test
    void oldOpsetBroadcastAttributeIsAccepted() throws Exception {
        Tensor a = random(3, 4);
        Tensor b = random(4, 2);
        Tensor c = random(2);
        Op op = op("Gemm", 6, 3, 1, Map.of("broadcast", 1L));
        assertClose(naive(a, b, c, false, false, 1f, 1f), run(op, a, b, c));
    }

    @Test
    void constantBIsPackedAtLoadAndUsedOnlyForThatTensor() throws Exception {
        Tensor a = random(3, 33);
        Tensor w = random(50, 33);   // a PyTorch Linear weight: [out, in], transB = 1
        Tensor bias = random(50);
        Op op = op("Gemm", 13, 3, 1, Map.of("transB", 1L));
        // Load time: inference with A's value unknown, then the op is handed its constants (the weights).
        infer(op, new Tensor[] {a, w, bias}, new Tensor[] {null, w, bias});
        op.prepare(new Tensor[] {null, w, bias}, Arena.ofAuto());
        assertTrue(op.describe().contains("packed"), op.describe());
        float[] want = naive(a, w, bias, false, true, 1f, 1f);
        assertClose(want, run(op, a, w, bias));
        Tensor other = random(50, 33);
        assertClose(naive(a, other, bias, false, true, 1f, 1f), run(op, a, other, bias));
        assertClose(want, run(op, a, w, bias));
    }

    @Test
    void inconsistentShapesAreExplained() throws Exception {
        Op op = op("Gemm", 13, 3, 1, Map.of());
        var e = assertThrows(IllegalArgumentException.class, () -> run(op, random(2, 3), random(4, 5), null));
        assertTrue(e.getMessage().contains("inner dimensions 3 and 4 differ"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> run(op, random(2, 3), random(3, 5), random(3)));
        assertTrue(e.getMessage().contains("does not broadcast"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> run(op, random(2, 3, 1), random(3, 5), null));
        assertTrue(e.getMessage().contains("2-D"), e.getMessage());
        assertThrows(ModelFormatException.class, () -> op("Gemm", 13, 3, 1, Map.of("transA", 2L)));
    }
}
