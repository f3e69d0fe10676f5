package org.helu4j.op;

import static org.helu4j.op.ShapeOpRunner.f;
import static org.helu4j.op.ShapeOpRunner.iota;
import static org.helu4j.op.ShapeOpRunner.ls;
import static org.helu4j.op.ShapeOpRunner.op;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.helu4j.ModelFormatException;
import org.helu4j.Tensor;
import org.helu4j.tensor.DType;
import org.junit.jupiter.api.Test;

class ConstantCastOpsTest {
    @Test
    void shapeWithStartAndEnd() throws Exception {
        Tensor x = iota(2, 3, 4, 5);
        assertArrayEquals(new long[] {2, 3, 4, 5}, op("Shape").run1(x).toLongArray());
        assertArrayEquals(new long[] {3, 4}, op("Shape").opset(15).attr("start", 1L).attr("end", -1L).run1(x).toLongArray());
        assertArrayEquals(new long[] {}, op("Shape").opset(15).attr("start", 10L).run1(x).toLongArray());
        assertArrayEquals(new long[] {2, 3, 4, 5}, op("Shape").opset(15).attr("start", -10L).run1(x).toLongArray());
        // known from the shape alone, even when the data is not
        InferContext ctx = op("Shape").inferOnly(new Tensor[] {x}, new Tensor[] {null});
        assertNotNull(ctx.outputValue(0));
    }

    @Test
    void constantFromEachAttributeKind() throws Exception {
        assertArrayEquals(new long[] {1, 2}, op("Constant").attr("value_ints", new long[] {1, 2}).run1().toLongArray());
        assertEquals(2.5f, op("Constant").attr("value_float", 2.5f).run1().getFloat(0));
        assertEquals(7L, op("Constant").attr("value_int", 7L).run1().getLong(0));
        Tensor v = iota(2, 2);
        assertArrayEquals(v.toFloatArray(), op("Constant").attr("value", v).run1().toFloatArray());
        assertThrows(ModelFormatException.class, () -> op("Constant").create());
    }

    @Test
    void constantOfShape() throws Exception {
        Tensor ones = op("ConstantOfShape").attr("value", Tensor.ofLongs(new long[] {1}, 1)).run1(ls(2, 3));
        assertEquals(DType.INT64, ones.type());
        assertArrayEquals(new long[] {1, 1, 1, 1, 1, 1}, ones.toLongArray());
        Tensor zeros = op("ConstantOfShape").run1(ls(2000));
        assertEquals(DType.FLOAT32, zeros.type());
        assertEquals(0f, zeros.getFloat(1999));
        assertArrayEquals(new long[] {}, op("ConstantOfShape").run1(ls()).dims());
    }

    @Test
    void rangeFloatAndInt() throws Exception {
        Tensor fr = op("Range").run1(f(new float[] {1}), f(new float[] {2}), f(new float[] {0.25f}));
        assertArrayEquals(new float[] {1, 1.25f, 1.5f, 1.75f}, fr.toFloatArray());
        Tensor ir = op("Range").run1(Tensor.ofLongs(new long[] {10}), Tensor.ofLongs(new long[] {4}),
                Tensor.ofLongs(new long[] {-3}));
        assertArrayEquals(new long[] {10, 7}, ir.toLongArray());
        assertArrayEquals(new long[] {0}, op("Range").run1(Tensor.ofLongs(new long[] {5}),
                Tensor.ofLongs(new long[] {1}), Tensor.ofLongs(new long[] {1})).dims());
    }

    @Test
    void castWrapsToTheTargetType() throws Exception {
        Tensor x = f(new float[] {-1.7f, 2.9f, 0f, -0f, 300.5f, Float.NaN}, 6);
        assertArrayEquals(new long[] {-1, 2, 0, 0, 300, 0}, op("Cast").attr("to", 7L).run1(x).toLongArray());
        assertArrayEquals(new long[] {1, 1, 0, 0, 1, 1}, op("Cast").attr("to", 9L).run1(x).toLongArray());
        assertArrayEquals(new long[] {255, 2, 0, 0, 44, 0}, op("Cast").attr("to", 2L).run1(x).toLongArray());
        assertArrayEquals(new long[] {-1, 0}, op("Cast").attr("to", 6L).run1(ls(0xFFFFFFFFL, 1L << 32)).toLongArray());
        assertArrayEquals(new float[] {3, -4}, op("Cast").attr("to", 1L).run1(ls(3, -4)).toFloatArray());
        assertArrayEquals(x.toFloatArray(), op("Cast").attr("to", 11L).run1(x).toFloatArray());
        assertThrows(ModelFormatException.class, () -> op("Cast").attr("to", 10L).create());
        assertArrayEquals(new long[] {-1, 2, 0, 0, 300, 0}, op("CastLike").run1(x, ls(0)).toLongArray());
        assertArrayEquals(new float[] {3, -4}, op("CastLike").run1(ls(3, -4), f(new float[] {0}, 1)).toFloatArray());
    }

    @Test
    void castOfKnownShapeValuesFolds() throws Exception {
        InferContext ctx = op("Cast").attr("to", 7L).inferOnly(new Tensor[] {f(new float[] {3.5f}, 1)},
                new Tensor[] {f(new float[] {3.5f}, 1)});
        assertArrayEquals(new long[] {3}, ctx.outputValue(0).toLongArray());
        // int64 to float is shape arithmetic too (PyTorch scales sizes in float)
        ctx = op("Cast").attr("to", 1L).inferOnly(new Tensor[] {ls(3)}, new Tensor[] {ls(3)});
        assertArrayEquals(new float[] {3}, ctx.outputValue(0).toFloatArray());
        // but float data cast to float is model data, left to run time
        ctx = op("Cast").attr("to", 1L).inferOnly(new Tensor[] {iota(3)}, new Tensor[] {iota(3)});
        assertNull(ctx.outputValue(0));
    }
}
