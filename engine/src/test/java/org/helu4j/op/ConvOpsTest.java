package org.helu4j.op;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.helu4j.ModelFormatException;
import org.helu4j.Tensor;
import org.helu4j.UnsupportedOperatorException;
import org.helu4j.graph.Attributes;
import org.helu4j.graph.Node;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;
import org.junit.jupiter.api.Test;

/** Conv, MaxPool, AveragePool and the global pools at the op level: attributes, inferred shapes, small runs. */
class ConvOpsTest {

    private static Op op(String type, int inputs, int outputs, Object... attrs) throws ModelFormatException {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < attrs.length; i += 2) {
            m.put((String) attrs[i], attrs[i + 1]);
        }
        List<String> in = List.of("x", "w", "b").subList(0, inputs);
        List<String> out = List.of("y", "indices").subList(0, outputs);
        return OpRegistry.create(new Node("n", type, "", 13, in, out, new Attributes(m)));
    }

    private static long[] l(long... v) {
        return v;
    }

    /** Infers output {@code j} of {@code op} for float inputs of the given shapes. */
    private static Shape infer(Op op, int j, long[]... shapes) {
        InferContext ctx = new InferContext();
        DType[] types = new DType[shapes.length];
        Shape[] s = new Shape[shapes.length];
        for (int i = 0; i < shapes.length; i++) {
            types[i] = DType.FLOAT32;
            s[i] = Shape.of(shapes[i]);
        }
        ctx.reset(types, s, new Tensor[shapes.length], op.node().outputs().size());
        op.infer(ctx);
        return ctx.outputShape(j);
    }

    private static Shape infer(Op op, long[]... shapes) {
        return infer(op, 0, shapes);
    }

    @Test
    void convShapes() throws Exception {
        assertEquals(Shape.of(1, 2, 5, 5), infer(op("Conv", 2, 1, "pads", l(1, 1, 1, 1)), l(1, 3, 5, 5), l(2, 3, 3, 3)));
        assertEquals(Shape.of(1, 2, 2, 2), infer(op("Conv", 2, 1, "strides", l(2, 2)), l(1, 3, 5, 5), l(2, 3, 3, 3)));
        // SAME keeps ceil(in / stride) whatever the kernel.
        assertEquals(Shape.of(1, 1, 4, 3), infer(op("Conv", 2, 1, "auto_pad", "SAME_UPPER", "strides", l(2, 2)),
                l(1, 1, 7, 5), l(1, 1, 3, 3)));
        assertEquals(Shape.of(1, 1, 7, 5), infer(op("Conv", 2, 1, "auto_pad", "SAME_LOWER"), l(1, 1, 7, 5), l(1, 1, 4, 2)));
        assertEquals(Shape.of(1, 1, 3, 2), infer(op("Conv", 2, 1, "auto_pad", "VALID", "strides", l(2, 2)),
                l(1, 1, 7, 5), l(1, 1, 3, 2)));
        // Asymmetric pads, dilation.
        assertEquals(Shape.of(2, 4, 6, 4), infer(op("Conv", 2, 1, "pads", l(1, 0, 0, 1), "dilations", l(2, 2)),
                l(2, 2, 7, 5), l(4, 2, 2, 2)));
        // Groups and depthwise, with bias.
        assertEquals(Shape.of(1, 8, 6, 6), infer(op("Conv", 3, 1, "group", 4L), l(1, 4, 8, 8), l(8, 1, 3, 3), l(8)));
        // 1-D and 3-D.
        assertEquals(Shape.of(1, 2, 4), infer(op("Conv", 2, 1, "strides", l(2)), l(1, 3, 8), l(2, 3, 2)));
        assertEquals(Shape.of(1, 2, 3, 4, 5), infer(op("Conv", 2, 1, "kernel_shape", l(1, 1, 1)), l(1, 3, 3, 4, 5),
                l(2, 3, 1, 1, 1)));
    }

    @Test
    void convRejectsInconsistentShapes() throws Exception {
        Op conv = op("Conv", 2, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> infer(conv, l(1, 3, 5, 5), l(2, 4, 3, 3)));
        assertTrue(e.getMessage().contains("input has 3 channels"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> infer(conv, l(1, 3, 2, 2), l(2, 3, 3, 3)));
        assertThrows(IllegalArgumentException.class, () -> infer(conv, l(1, 3, 5, 5), l(2, 3, 3)));
        assertThrows(IllegalArgumentException.class, () -> infer(op("Conv", 3, 1), l(1, 3, 5, 5), l(2, 3, 3, 3), l(3)));
        assertThrows(IllegalArgumentException.class,
                () -> infer(op("Conv", 2, 1, "kernel_shape", l(2, 2)), l(1, 3, 5, 5), l(2, 3, 3, 3)));
        assertThrows(IllegalArgumentException.class, () -> infer(op("Conv", 2, 1, "group", 2L), l(1, 4, 5, 5), l(3, 2, 3, 3)));
        assertThrows(IllegalArgumentException.class,
                () -> infer(op("Conv", 2, 1, "strides", l(1, 1, 1)), l(1, 3, 5, 5), l(2, 3, 3, 3)));
    }

    @Test
    void badAttributesAreModelFormatErrors() {
        assertThrows(ModelFormatException.class, () -> op("Conv", 2, 1, "auto_pad", "SAME"));
        assertThrows(ModelFormatException.class, () -> op("Conv", 2, 1, "strides", l(0, 1)));
        assertThrows(ModelFormatException.class, () -> op("Conv", 2, 1, "pads", l(-1, 0, 0, 0)));
        assertThrows(ModelFormatException.class, () -> op("Conv", 2, 1, "group", 0L));
        assertThrows(ModelFormatException.class, () -> op("Conv", 2, 1, "strides", l(1, 1), "pads", l(1, 1)));
        assertThrows(ModelFormatException.class, () -> op("MaxPool", 1, 1));
        assertThrows(ModelFormatException.class, () -> op("MaxPool", 1, 1, "kernel_shape", l(2, 2), "ceil_mode", 2L));
        assertThrows(UnsupportedOperatorException.class, () -> op("AveragePool", 1, 1, "kernel_shape", l(2, 2, 2, 2)));
    }

    @Test
    void poolShapes() throws Exception {
        long[] x = l(1, 3, 4, 4);
        assertEquals(Shape.of(1, 3, 1, 1), infer(op("MaxPool", 1, 1, "kernel_shape", l(3, 3), "strides", l(2, 2)), x));
        assertEquals(Shape.of(1, 3, 2, 2), infer(op("MaxPool", 1, 1, "kernel_shape", l(3, 3), "strides", l(2, 2),
                "ceil_mode", 1L), x));
        // ceil_mode drops a last window that would start in the trailing padding: 5 + 2 - 2 = 5 -> ceil(5/2)+1 = 4 -> 3.
        assertEquals(Shape.of(1, 1, 3, 3), infer(op("AveragePool", 1, 1, "kernel_shape", l(2, 2), "strides", l(2, 2),
                "pads", l(1, 1, 1, 1), "ceil_mode", 1L), l(1, 1, 5, 5)));
        assertEquals(Shape.of(1, 3, 2, 2), infer(op("AveragePool", 1, 1, "kernel_shape", l(2, 2), "strides", l(2, 2),
                "auto_pad", "SAME_UPPER"), l(1, 3, 3, 3)));
        assertEquals(Shape.of(1, 3, 3, 3), infer(op("MaxPool", 1, 1, "kernel_shape", l(3, 3), "auto_pad", "SAME_LOWER"),
                l(1, 3, 3, 3)));
        assertEquals(Shape.of(1, 3, 2, 2), infer(op("MaxPool", 1, 1, "kernel_shape", l(2, 2), "dilations", l(2, 2)), x));
        assertEquals(Shape.of(2, 3, 31), infer(op("MaxPool", 1, 1, "kernel_shape", l(2)), l(2, 3, 32)));
        assertEquals(Shape.of(1, 3, 1, 2, 3), infer(op("AveragePool", 1, 1, "kernel_shape", l(2, 2, 2)), l(1, 3, 2, 3, 4)));
        Op withIndices = op("MaxPool", 1, 2, "kernel_shape", l(2, 2));
        assertEquals(Shape.of(1, 3, 3, 3), infer(withIndices, 1, x));
        assertThrows(IllegalArgumentException.class, () -> infer(op("MaxPool", 1, 1, "kernel_shape", l(5, 5)), x));
        assertThrows(IllegalArgumentException.class, () -> infer(op("MaxPool", 1, 1, "kernel_shape", l(2)), x));
        assertEquals(Shape.of(2, 3, 1, 1, 1), infer(op("GlobalAveragePool", 1, 1), l(2, 3, 4, 5, 6)));
        assertEquals(Shape.of(2, 3, 1), infer(op("GlobalMaxPool", 1, 1), l(2, 3, 7)));
    }

    private static Tensor tensor(Arena arena, float[] values, long... dims) {
        Tensor t = Tensor.allocate(arena, DType.FLOAT32, Shape.of(dims));
        Tensor.of(values, dims).copyTo(t);
        return t;
    }

    private static float[] iota(int n, float first) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = first + i;
        }
        return v;
    }

    @Test
    void convRunsTheOnnxExample() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            float[] ones = new float[9];
            java.util.Arrays.fill(ones, 1f);
            Tensor x = tensor(arena, iota(25, 0), 1, 1, 5, 5);
            Tensor w = tensor(arena, ones, 1, 1, 3, 3);
            Tensor y = Tensor.allocate(arena, DType.FLOAT32, Shape.of(1, 1, 5, 5));
            op("Conv", 2, 1, "pads", l(1, 1, 1, 1), "kernel_shape", l(3, 3)).run(new Tensor[] {x, w}, new Tensor[] {y});
            assertArrayEquals(new float[] {12, 21, 27, 33, 24, 33, 54, 63, 72, 51, 63, 99, 108, 117, 81, 93, 144, 153, 162,
                    111, 72, 111, 117, 123, 84}, y.toFloatArray());
        }
    }

    @Test
    void poolsRun() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = tensor(arena, iota(16, 1), 1, 1, 4, 4);
            Tensor y = Tensor.allocate(arena, DType.FLOAT32, Shape.of(1, 1, 2, 2));
            op("AveragePool", 1, 1, "kernel_shape", l(3, 3), "strides", l(2, 2), "ceil_mode", 1L)
                    .run(new Tensor[] {x}, new Tensor[] {y});
            assertArrayEquals(new float[] {6, 7.5f, 12, 13.5f}, y.toFloatArray());
            Tensor idx = Tensor.allocate(arena, DType.INT64, Shape.of(1, 1, 2, 2));
            op("MaxPool", 1, 2, "kernel_shape", l(3, 3), "strides", l(2, 2), "ceil_mode", 1L)
                    .run(new Tensor[] {x}, new Tensor[] {y, idx});
            assertArrayEquals(new float[] {11, 12, 15, 16}, y.toFloatArray());
            assertArrayEquals(new long[] {10, 11, 14, 15}, idx.toLongArray());
            // count_include_pad: the corner window of a 3x3 pool with pad 1 sees 4 values and 5 zeros.
            Tensor y4 = Tensor.allocate(arena, DType.FLOAT32, Shape.of(1, 1, 4, 4));
            op("AveragePool", 1, 1, "kernel_shape", l(3, 3), "pads", l(1, 1, 1, 1), "count_include_pad", 1L)
                    .run(new Tensor[] {x}, new Tensor[] {y4});
            assertEquals((1 + 2 + 5 + 6) / 9f, y4.toFloatArray()[0], 1e-6);
            Tensor g = Tensor.allocate(arena, DType.FLOAT32, Shape.of(1, 1, 1, 1));
            op("GlobalAveragePool", 1, 1).run(new Tensor[] {x}, new Tensor[] {g});
            assertEquals(8.5f, g.toFloatArray()[0], 1e-6);
            op("GlobalMaxPool", 1, 1).run(new Tensor[] {x}, new Tensor[] {g});
            assertEquals(16f, g.toFloatArray()[0]);
        }
    }
}
