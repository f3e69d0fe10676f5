package org.helu4j.op;

import static org.helu4j.op.ShapeOpRunner.f;
import static org.helu4j.op.ShapeOpRunner.ls;
import static org.helu4j.op.ShapeOpRunner.op;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.helu4j.Tensor;
import org.helu4j.tensor.Shape;
import org.junit.jupiter.api.Test;

/** ReduceMean/Sum/Max for every subset of axes of a rank-4 tensor, against a naive loop in double. */
class ReduceOpTest {
    private static double[] reduceRef(float[] x, int[] d, boolean[] red, String kind) {
        int[] od = new int[d.length];
        for (int k = 0; k < d.length; k++) {
            od[k] = red[k] ? 1 : d[k];
        }
        Shape os = Shape.of(od);
        double[] acc = new double[(int) os.size()];
        int[] cnt = new int[acc.length];
        java.util.Arrays.fill(acc, kind.equals("ReduceMax") ? Double.NEGATIVE_INFINITY : 0);
        long[] ost = os.strides();
        Shape is = Shape.of(d);
        long[] ist = is.strides();
        for (int e = 0; e < x.length; e++) {
            int o = 0;
            for (int k = 0; k < d.length; k++) {
                int i = (int) (e / ist[k] % d[k]);
                o += red[k] ? 0 : i * ost[k];
            }
            acc[o] = kind.equals("ReduceMax") ? Math.max(acc[o], x[e]) : acc[o] + x[e];
            cnt[o]++;
        }
        if (kind.equals("ReduceMean")) {
            for (int o = 0; o < acc.length; o++) {
                acc[o] /= cnt[o];
            }
        }
        return acc;
    }

    @Test
    void everyAxisSubset() throws Exception {
        int[] d = {2, 3, 5, 17};
        float[] x = new float[2 * 3 * 5 * 17];
        Random rnd = new Random(7);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        Tensor in = f(x, 2, 3, 5, 17);
        for (String kind : new String[] {"ReduceMean", "ReduceSum", "ReduceMax"}) {
            for (int mask = 1; mask < 16; mask++) {
                boolean[] red = new boolean[4];
                long[] axes = new long[Integer.bitCount(mask)];
                for (int k = 0, j = 0; k < 4; k++) {
                    red[k] = (mask >> k & 1) != 0;
                    if (red[k]) {
                        axes[j++] = k - 4; // negative axes
                    }
                }
                Tensor out = kind.equals("ReduceSum") ? op(kind).run1(in, ls(axes))
                        : op(kind).attr("axes", axes).run1(in);
                double[] want = reduceRef(x, d, red, kind);
                float[] got = out.toFloatArray();
                assertEquals(want.length, got.length);
                for (int i = 0; i < got.length; i++) {
                    assertEquals(want[i], got[i], 1e-5 * (1 + Math.abs(want[i])), kind + " mask " + mask + " at " + i);
                }
            }
        }
    }

    @Test
    void theOtherReductions() throws Exception {
        Tensor x = f(new float[] {1, -2, 3, 4, 0.5f, -6}, 2, 3);
        long[] axes = {1};
        assertArrayEquals(new float[] {-2, -6}, op("ReduceMin").attr("axes", axes).run1(x).toFloatArray());
        assertArrayEquals(new float[] {-6, -12}, op("ReduceProd").attr("axes", axes).run1(x).toFloatArray());
        assertArrayEquals(new float[] {6, 10.5f}, op("ReduceL1").attr("axes", axes).run1(x).toFloatArray());
        assertArrayEquals(new float[] {14, 52.25f}, op("ReduceSumSquare").attr("axes", axes).run1(x).toFloatArray());
        float[] l2 = op("ReduceL2").attr("axes", axes).run1(x).toFloatArray();
        assertEquals(Math.sqrt(14), l2[0], 1e-6);
        float[] logSum = op("ReduceLogSum").attr("axes", new long[] {0}).run1(x).toFloatArray();
        assertEquals(Math.log(5), logSum[0], 1e-6);
        // log-sum-exp does not overflow where exp alone would
        Tensor big = f(new float[] {1000, 1000}, 2);
        assertEquals(1000 + Math.log(2), op("ReduceLogSumExp").run1(big).getFloat(0), 1e-3);
        float[] lse = op("ReduceLogSumExp").attr("axes", axes).attr("keepdims", 0L).run1(x).toFloatArray();
        assertEquals(Math.log(Math.exp(1) + Math.exp(-2) + Math.exp(3)), lse[0], 1e-5);
    }

    @Test
    void int64ReductionsAreExactAndFold() throws Exception {
        // torch.prod(x.shape): ReduceProd over a shape, known at load time
        InferContext ctx = op("ReduceProd").attr("keepdims", 0L).inferOnly(new Tensor[] {ls(2, 3, 4)},
                new Tensor[] {ls(2, 3, 4)});
        assertArrayEquals(new long[] {24}, ctx.outputValue(0).toLongArray());
        Tensor m = ShapeOpRunner.l(new long[] {1, 2, 4, -7, 9, 10}, 2, 3);
        assertArrayEquals(new long[] {-6, 11, 14}, op("ReduceSum").attr("keepdims", 0L).run1(m, ls(0)).toLongArray());
        assertArrayEquals(new long[] {2, 4}, op("ReduceMean").attr("axes", new long[] {1}).run1(m).toLongArray());
        assertArrayEquals(new long[] {4, 10}, op("ReduceMax").attr("axes", new long[] {1}).run1(m).toLongArray());
        assertArrayEquals(new long[] {-7}, op("ReduceMin").attr("keepdims", 0L).run1(m).toLongArray());
        assertThrows(IllegalArgumentException.class, () -> op("ReduceL2").run1(m));
    }

    @Test
    void keepDimsNoopAndDefaults() throws Exception {
        Tensor x = f(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor all = op("ReduceMean").run1(x);
        assertArrayEquals(new long[] {1, 1}, all.dims());
        assertEquals(3.5f, all.getFloat(0));
        Tensor rows = op("ReduceSum").attr("keepdims", 0L).run1(x, ls(1));
        assertArrayEquals(new long[] {2}, rows.dims());
        assertArrayEquals(new float[] {6, 15}, rows.toFloatArray());
        Tensor noop = op("ReduceSum").attr("noop_with_empty_axes", 1L).run1(x, ls());
        assertArrayEquals(x.toFloatArray(), noop.toFloatArray());
        Tensor old = op("ReduceSum").opset(11).attr("axes", new long[] {0}).attr("keepdims", 0L).run1(x);
        assertArrayEquals(new float[] {5, 7, 9}, old.toFloatArray());
        Tensor max = op("ReduceMax").attr("axes", new long[] {1}).run1(f(new float[] {1, Float.NaN, 3, -1, -2, -3}, 2, 3));
        assertEquals(Float.NaN, max.getFloat(0));
        assertEquals(-1f, max.getFloat(1));
        Tensor empty = f(new float[0], 0, 3);
        assertArrayEquals(new float[] {0, 0, 0}, op("ReduceSum").run1(empty, ls(0)).toFloatArray());
        assertEquals(Float.NaN, op("ReduceMean").attr("axes", new long[] {0}).run1(empty).getFloat(2));
        assertArrayEquals(new long[] {0, 1}, op("ReduceMax").attr("axes", new long[] {1}).run1(empty).dims());
        assertThrows(IllegalArgumentException.class, () -> op("ReduceMean").attr("axes", new long[] {2}).run1(x));

    }

    @Test
    void layerNormalizationOverTrailingAxes() throws Exception {
        Tensor x = f(new float[] {1, 2, 3, 4, 10, 10, 10, 10}, 2, 4);
        Tensor scale = f(new float[] {1, 1, 2, 2}, 4);
        Tensor bias = f(new float[] {0, 0, 0, 1}, 4);
        Tensor[] out = op("LayerNormalization").opset(17).outputs(3).run(x, scale, bias);
        double inv = 1 / Math.sqrt(1.25 + 1e-5);
        float[] y = out[0].toFloatArray();
        assertEquals(-1.5 * inv, y[0], 1e-5);
        assertEquals(2 * 1.5 * inv + 1, y[3], 1e-5);
        assertEquals(1f, y[7], 1e-5); // a constant row normalizes to 0, then the bias
        assertArrayEquals(new float[] {2.5f, 10}, out[1].toFloatArray());
        assertArrayEquals(new long[] {2, 1}, out[2].dims());
        // over both axes, with a Scale that broadcasts along the first
        Tensor all = op("LayerNormalization").opset(17).attr("axis", 0L).run1(x, f(new float[] {1, 1, 1, 1}, 1, 4));
        float sum = 0;
        for (float v : all.toFloatArray()) {
            sum += v;
        }
        assertEquals(0, sum, 1e-4);
        assertThrows(IllegalArgumentException.class, () -> op("LayerNormalization").opset(17).run1(x, f(new float[3], 3)));
    }

    @Test
    void instanceNormalizationPerChannel() throws Exception {
        Tensor x = f(new float[] {1, 3, 5, 5, 0, 4}, 1, 2, 3);
        Tensor y = op("InstanceNormalization").attr("epsilon", 0f).run1(x, f(new float[] {1, 2}, 2), f(new float[] {0, 1}, 2));
        double inv0 = 1 / Math.sqrt(8.0 / 3);
        double inv1 = 1 / Math.sqrt(14.0 / 3);
        float[] v = y.toFloatArray();
        assertEquals(-2 * inv0, v[0], 1e-5);
        assertEquals(2 * 2 * inv1 + 1, v[3], 1e-5);
        assertThrows(IllegalArgumentException.class, () -> op("InstanceNormalization").run1(x, f(new float[3], 3), f(new float[2], 2)));
    }
}
