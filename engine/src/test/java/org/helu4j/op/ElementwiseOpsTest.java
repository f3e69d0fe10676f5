package org.helu4j.op;

import static org.helu4j.op.ShapeOpRunner.f;
import static org.helu4j.op.ShapeOpRunner.l;
import static org.helu4j.op.ShapeOpRunner.op;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.helu4j.ModelFormatException;
import org.helu4j.Tensor;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;
import org.junit.jupiter.api.Test;

/**
 * The elementwise ops as the executor runs them: attribute defaults and validation, opset differences (Clip's
 * bounds, Softmax's axis semantics, legacy broadcasting), int64 folding, mixed-type Pow, and variadic ops.
 */
class ElementwiseOpsTest {
    private static final float EPS = 1e-6f;

    private static Tensor seq(float start, float step, long... dims) {
        float[] v = new float[(int) Shape.of(dims).size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = start + step * i;
        }
        return f(v, dims);
    }

    @Test
    void addBroadcastsBothWays() throws Exception {
        Tensor a = seq(0, 1, 3, 1);
        Tensor b = seq(10, 10, 1, 4);
        Tensor y = op("Add").run1(a, b);
        assertEquals(Shape.of(3, 4), y.shape());
        assertArrayEquals(new float[] {10, 20, 30, 40, 11, 21, 31, 41, 12, 22, 32, 42}, y.toFloatArray());
        Tensor bias = op("Sub").opset(7).run1(seq(0, 1, 1, 2, 2, 2), f(new float[] {1, 2}, 2, 1, 1));
        assertArrayEquals(new float[] {-1, 0, 1, 2, 2, 3, 4, 5}, bias.toFloatArray());
        Tensor s = op("Div").run1(seq(1, 1, 4), f(new float[] {2}, new long[0]));
        assertArrayEquals(new float[] {0.5f, 1, 1.5f, 2}, s.toFloatArray());
    }

    @Test
    void badShapesAndTypesAreExplained() {
        var e = assertThrows(IllegalArgumentException.class, () -> op("Mul").run1(seq(0, 1, 2, 3), seq(0, 1, 4)));
        assertTrue(e.getMessage().contains("cannot be broadcast"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> op("Add").run1(seq(0, 1, 2), l(new long[] {1, 2}, 2)));
        assertTrue(e.getMessage().contains("FLOAT32") && e.getMessage().contains("INT64"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> op("Relu").run1(l(new long[] {1}, 1)));
        assertTrue(e.getMessage().contains("float32 only"), e.getMessage());
    }

    @Test
    void int64ArithmeticFoldsWhenKnown() throws Exception {
        Tensor shape = l(new long[] {2, 3, 8}, 3);
        Tensor two = l(new long[] {2}, new long[0]);
        InferContext ctx = op("Div").inferOnly(new Tensor[] {shape, two}, new Tensor[] {shape, two});
        assertNotNull(ctx.outputValue(0));
        assertArrayEquals(new long[] {1, 1, 4}, ctx.outputValue(0).toLongArray());
        ctx = op("Mul").inferOnly(new Tensor[] {shape, two}, new Tensor[] {null, two});
        assertNull(ctx.outputValue(0));
        assertEquals(DType.INT64, ctx.outputType(0));
        assertEquals(Shape.of(3), ctx.outputShape(0));
        assertArrayEquals(new long[] {-7, 3}, op("Sub").run1(l(new long[] {-5, 5}, 2), two).toLongArray());
        assertArrayEquals(new long[] {-3}, op("Div").run1(l(new long[] {-7}, 1), two).toLongArray());  // truncates
        assertArrayEquals(new long[] {2, 0}, op("Neg").run1(l(new long[] {-2, 0}, 2)).toLongArray());
    }

    @Test
    void powMixesTypesAsOpset12Allows() throws Exception {
        Tensor x = f(new float[] {1, 2, 3}, 3);
        Tensor e = l(new long[] {2, 3, 0}, 3);
        assertArrayEquals(new float[] {1, 8, 1}, op("Pow").opset(13).run1(x, e).toFloatArray());
        Tensor y = op("Pow").opset(13).run1(l(new long[] {2, 3, 4}, 3), f(new float[] {2, 2, 0.5f}, 3));
        assertEquals(DType.INT64, y.type());
        assertArrayEquals(new long[] {4, 9, 2}, y.toLongArray());
        assertArrayEquals(new float[] {1, 4, 9}, op("Pow").run1(x, f(new float[] {2}, 1)).toFloatArray());
    }

    @Test
    void clipBoundsAreAttributesBefore11AndOptionalInputsAfter() throws Exception {
        Tensor x = f(new float[] {-3, -1, 0, 1, 3, Float.POSITIVE_INFINITY}, 6);
        assertArrayEquals(new float[] {-2, -1, 0, 1, 2, 2},
                op("Clip").opset(6).attr("min", -2f).attr("max", 2f).run1(x).toFloatArray());
        assertArrayEquals(new float[] {-3, -1, 0, 1, 3, Float.MAX_VALUE},
                op("Clip").opset(6).run1(x).toFloatArray(), "Clip-6 defaults to the float range");
        Tensor lo = f(new float[] {-1}, new long[0]);
        Tensor hi = f(new float[] {0.5f}, new long[0]);
        assertArrayEquals(new float[] {-1, -1, 0, 0.5f, 0.5f, 0.5f}, op("Clip").opset(11).run1(x, lo, hi).toFloatArray());
        assertArrayEquals(new float[] {-1, -1, 0, 1, 3, Float.POSITIVE_INFINITY},
                op("Clip").opset(12).run1(x, lo).toFloatArray());
        assertArrayEquals(new float[] {-3, -1, 0, 0.5f, 0.5f, 0.5f}, op("Clip").opset(13).run1(x, null, hi).toFloatArray());
        assertArrayEquals(x.toFloatArray(), op("Clip").opset(13).run1(x).toFloatArray());
        // min > max: everything becomes max, as ONNX specifies.
        assertArrayEquals(new float[] {-1, -1, -1, -1, -1, -1},
                op("Clip").opset(13).run1(x, hi, lo).toFloatArray());
        assertThrows(ModelFormatException.class, () -> op("Clip").opset(11).attr("min", 0f).create());
        Tensor xl = l(new long[] {-5, 0, 5}, 3);
        assertArrayEquals(new long[] {-1, 0, 3}, op("Clip").opset(13)
                .run1(xl, l(new long[] {-1}, new long[0]), l(new long[] {3}, new long[0])).toLongArray());
        assertArrayEquals(new long[] {-5, 0, 3}, op("Clip").opset(13).run1(xl, null, l(new long[] {3}, 1)).toLongArray());
        var e = assertThrows(IllegalArgumentException.class,
                () -> op("Clip").opset(13).run1(x, f(new float[] {0, 1}, 2)));
        assertTrue(e.getMessage().contains("min"), e.getMessage());
    }

    @Test
    void softmaxAxisSemanticsChangeAtOpset13() throws Exception {
        Tensor x = seq(0, 0.25f, 2, 3, 4);
        // Opset 11, axis 1: each batch's 12 values are one distribution.
        float[] old = op("Softmax").opset(11).attr("axis", 1L).run1(x).toFloatArray();
        // Opset 13, axis 1: each of the 4 columns of 3 is one distribution.
        float[] now = op("Softmax").opset(13).attr("axis", 1L).run1(x).toFloatArray();
        for (int b = 0; b < 2; b++) {
            double sum = 0;
            for (int i = 0; i < 12; i++) {
                sum += old[b * 12 + i];
            }
            assertEquals(1, sum, EPS);
            for (int j = 0; j < 4; j++) {
                double col = 0;
                for (int c = 0; c < 3; c++) {
                    col += now[b * 12 + c * 4 + j];
                }
                assertEquals(1, col, EPS);
            }
        }
        // Defaults: axis 1 before 13 (coerced 2-D), -1 from 13; on [2, 3] they agree.
        Tensor m = seq(-1, 0.5f, 2, 3);
        assertArrayEquals(op("Softmax").opset(13).run1(m).toFloatArray(),
                op("Softmax").opset(9).run1(m).toFloatArray(), EPS);
        float[] ls = op("LogSoftmax").opset(13).run1(m).toFloatArray();
        float[] s = op("Softmax").opset(13).run1(m).toFloatArray();
        for (int i = 0; i < s.length; i++) {
            assertEquals(Math.log(s[i]), ls[i], EPS);
        }
        assertThrows(IllegalArgumentException.class, () -> op("Softmax").opset(13).attr("axis", 3L).run1(m));
        assertThrows(IllegalArgumentException.class, () -> op("Softmax").opset(11).attr("axis", 3L).run1(m));
        // Before 13 a 1-D input with the default axis 1 coerces to [N, 1]: slices of one element.
        assertArrayEquals(new float[] {1, 1, 1}, op("Softmax").opset(11).run1(seq(0, 1, 3)).toFloatArray());
    }

    @Test
    void activationAttributesHaveOnnxDefaults() throws Exception {
        Tensor x = f(new float[] {-2, 0.5f}, 2);
        assertArrayEquals(new float[] {-0.02f, 0.5f}, op("LeakyRelu").run1(x).toFloatArray(), EPS);
        assertArrayEquals(new float[] {-1f, 0.5f}, op("LeakyRelu").attr("alpha", 0.5f).run1(x).toFloatArray(), EPS);
        assertArrayEquals(new float[] {(float) Math.expm1(-2), 0.5f}, op("Elu").run1(x).toFloatArray(), EPS);
        assertArrayEquals(new float[] {0.1f, 0.6f}, op("HardSigmoid").run1(x).toFloatArray(), EPS);
        float selu = (float) (1.0507009873554805 * 1.6732632423543772 * Math.expm1(-2));
        assertArrayEquals(new float[] {selu, 0.5f * 1.0507009873554805f}, op("Selu").run1(x).toFloatArray(), EPS);
        float g = op("Gelu").run1(f(new float[] {1}, 1)).toFloatArray()[0];
        assertEquals(0.8413447460685429, g, EPS);
        float gt = op("Gelu").attr("approximate", "tanh").run1(f(new float[] {1}, 1)).toFloatArray()[0];
        assertEquals(0.8411919906082768, gt, EPS);
        var e = assertThrows(ModelFormatException.class, () -> op("Gelu").attr("approximate", "fast").create());
        assertTrue(e.getMessage().contains("approximate"), e.getMessage());
    }

    @Test
    void variadicOpsBroadcastAllInputs() throws Exception {
        Tensor a = f(new float[] {1, 5}, 2);
        Tensor b = f(new float[] {4, 2, 3, 0}, 2, 2);
        Tensor c = f(new float[] {6}, 1);
        assertArrayEquals(new float[] {11, 13, 10, 11}, op("Sum").run1(a, b, c).toFloatArray());
        assertArrayEquals(new float[] {11f / 3, 13f / 3, 10f / 3, 11f / 3}, op("Mean").run1(a, b, c).toFloatArray(), EPS);
        assertArrayEquals(new float[] {6, 6, 6, 6}, op("Max").run1(a, b, c).toFloatArray());
        assertArrayEquals(new float[] {1, 2, 1, 0}, op("Min").run1(a, b).toFloatArray());
        assertArrayEquals(new float[] {1, 5}, op("Max").run1(a).toFloatArray());
        assertArrayEquals(new long[] {3, 9}, op("Max").run1(l(new long[] {3, -1}, 2), l(new long[] {1, 9}, 2)).toLongArray());
    }

    @Test
    void legacyBroadcastBeforeOpset7() throws Exception {
        // Add-6 with broadcast=1, axis=1: B [3] lines up with A's dimension 1.
        Tensor a = seq(0, 1, 2, 3, 2);
        Tensor b = f(new float[] {100, 200, 300}, 3);
        float[] y = op("Add").opset(6).attr("broadcast", 1L).attr("axis", 1L).run1(a, b).toFloatArray();
        assertArrayEquals(new float[] {100, 101, 202, 203, 304, 305, 106, 107, 208, 209, 310, 311}, y);
        // PRelu-6: a slope of [C] is per channel.
        Tensor x = f(new float[] {-1, -1, -1, -1, 2, 2}, 1, 3, 2);
        Tensor slope = f(new float[] {0.1f, 0.2f, 0.3f}, 3);
        assertArrayEquals(new float[] {-0.1f, -0.1f, -0.2f, -0.2f, 2, 2}, op("PRelu").opset(6).run1(x, slope).toFloatArray(), EPS);
        // PRelu-9: NumPy (unidirectional) broadcasting, slope [C,1,1]-like.
        assertArrayEquals(new float[] {-0.1f, -0.1f, -0.2f, -0.2f, 2, 2},
                op("PRelu").opset(9).run1(x, f(new float[] {0.1f, 0.2f, 0.3f}, 3, 1)).toFloatArray(), EPS);
        assertThrows(IllegalArgumentException.class, () -> op("PRelu").opset(9).run1(x, slope));
    }

    @Test
    void comparisonsLogicAndWhereWorkOnInt64Bools() throws Exception {
        Tensor a = f(new float[] {1, 2, Float.NaN}, 3);
        Tensor b = f(new float[] {2}, 1);
        assertArrayEquals(new long[] {1, 0, 0}, op("Less").run1(a, b).toLongArray());
        assertArrayEquals(new long[] {0, 1, 0}, op("Equal").run1(a, b).toLongArray());
        assertArrayEquals(new long[] {0, 1, 0}, op("GreaterOrEqual").run1(a, b).toLongArray());
        Tensor p = l(new long[] {1, 0, 1, 0}, 2, 2);
        Tensor q = l(new long[] {1, 1}, 2);
        assertArrayEquals(new long[] {1, 0, 1, 0}, op("And").run1(p, q).toLongArray());
        assertArrayEquals(new long[] {0, 1, 0, 1}, op("Xor").run1(p, q).toLongArray());
        assertArrayEquals(new long[] {0, 1, 0, 1}, op("Not").run1(p).toLongArray());
        // Where broadcasts all three: cond [2,1], X [1,3], Y scalar.
        Tensor cond = l(new long[] {1, 0}, 2, 1);
        Tensor y = op("Where").run1(cond, f(new float[] {1, 2, 3}, 1, 3), f(new float[] {-1}, new long[0]));
        assertEquals(Shape.of(2, 3), y.shape());
        assertArrayEquals(new float[] {1, 2, 3, -1, -1, -1}, y.toFloatArray());
        var e = assertThrows(IllegalArgumentException.class, () -> op("And").run1(a, a));
        assertTrue(e.getMessage().contains("bool"), e.getMessage());
    }

    @Test
    void modFollowsTheDivisorSignUnlessFmod() throws Exception {
        Tensor x = l(new long[] {-7, 7, -7, 7}, 4);
        Tensor d = l(new long[] {3, -3, -3, 3}, 4);
        assertArrayEquals(new long[] {2, -2, -1, 1}, op("Mod").run1(x, d).toLongArray());
        assertArrayEquals(new long[] {-1, 1, -1, 1}, op("Mod").attr("fmod", 1L).run1(x, d).toLongArray());
        assertArrayEquals(new float[] {-1.5f, 1.5f}, op("Mod").attr("fmod", 1L)
                .run1(f(new float[] {-5.5f, 5.5f}, 2), f(new float[] {2}, 1)).toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> op("Mod").run1(f(new float[] {1}, 1), f(new float[] {1}, 1)));
    }

    @Test
    void hardmaxMarksTheFirstMaximum() throws Exception {
        Tensor x = f(new float[] {3, 1, 3, 0, 2, 5}, 2, 3);
        assertArrayEquals(new float[] {1, 0, 0, 0, 0, 1}, op("Hardmax").opset(13).run1(x).toFloatArray());
        // Opset 11, axis 0: the whole [2, 3] is one slice.
        assertArrayEquals(new float[] {0, 0, 0, 0, 0, 1}, op("Hardmax").opset(11).attr("axis", 0L).run1(x).toFloatArray());
        assertArrayEquals(new float[] {1, 0, 0, 0, 1, 1}, op("Hardmax").opset(13).attr("axis", 0L).run1(x).toFloatArray());
    }

    @Test
    void isNaNAndIsInf() throws Exception {
        Tensor x = f(new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0}, 4);
        assertArrayEquals(new long[] {1, 0, 0, 0}, op("IsNaN").run1(x).toLongArray());
        assertArrayEquals(new long[] {0, 1, 1, 0}, op("IsInf").run1(x).toLongArray());
        assertArrayEquals(new long[] {0, 0, 1, 0}, op("IsInf").attr("detect_positive", 0L).run1(x).toLongArray());
    }
}
