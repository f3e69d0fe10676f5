package org.helu4j.op;

import static org.helu4j.op.ShapeOpRunner.f;
import static org.helu4j.op.ShapeOpRunner.iota;
import static org.helu4j.op.ShapeOpRunner.ls;
import static org.helu4j.op.ShapeOpRunner.op;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.helu4j.Tensor;
import org.junit.jupiter.api.Test;

/** Resize and Upsample on small cases worked out by hand (PyTorch's interpolate gives the same numbers). */
class ResizeOpTest {
    private static final Tensor NONE = f(new float[0], 0);

    @Test
    void nearestDoublingAsPyTorchExportsIt() throws Exception {
        Tensor x = iota(1, 1, 2, 2);
        Tensor y = op("Resize").attr("mode", "nearest").attr("coordinate_transformation_mode", "asymmetric")
                .attr("nearest_mode", "floor").run1(x, NONE, f(new float[] {1, 1, 2, 2}, 4));
        assertArrayEquals(new long[] {1, 1, 4, 4}, y.dims());
        assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3}, y.toFloatArray());
        Tensor old = op("Upsample").opset(7).attr("scales", new float[] {1, 1, 2, 2}).run1(x);
        assertArrayEquals(y.toFloatArray(), old.toFloatArray());
        Tensor v9 = op("Upsample").opset(9).run1(x, f(new float[] {1, 1, 2, 2}, 4));
        assertArrayEquals(y.toFloatArray(), v9.toFloatArray());
    }

    @Test
    void resize10TakesTheCeilingWhenShrinking() throws Exception {
        // as ONNX Runtime does for Resize-10: x / 0.6 = 1.67 rounds up to 2 when shrinking
        Tensor x = f(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 1, 1, 2, 4);
        Tensor y = op("Resize").opset(10).run1(x, f(new float[] {1, 1, 0.6f, 0.6f}, 4));
        assertArrayEquals(new float[] {1, 3}, y.toFloatArray());
    }

    @Test
    void bilinearCornersAndHalfPixel() throws Exception {
        Tensor x = f(new float[] {0, 2, 4, 6}, 1, 1, 2, 2);
        Tensor corners = op("Resize").attr("mode", "linear").attr("coordinate_transformation_mode", "align_corners")
                .run1(x, NONE, NONE, ls(1, 1, 3, 3));
        assertArrayEquals(new float[] {0, 1, 2, 2, 3, 4, 4, 5, 6}, corners.toFloatArray(), 1e-6f);
        // half_pixel 2x: inner samples at 1/4 and 3/4, the edges clamped
        Tensor half = op("Resize").attr("mode", "linear").run1(f(new float[] {0, 4}, 1, 2), NONE, f(new float[] {1, 2}, 2));
        assertArrayEquals(new float[] {0, 1, 3, 4}, half.toFloatArray(), 1e-6f);
    }

    @Test
    void cubicReproducesALinearRamp() throws Exception {
        // the cubic kernel interpolates linear data exactly away from the edges
        Tensor ramp = iota(1, 8);
        Tensor y = op("Resize").attr("mode", "cubic").attr("coordinate_transformation_mode", "align_corners")
                .run1(ramp, NONE, NONE, ls(1, 15));
        float[] v = y.toFloatArray();
        for (int j = 2; j < 13; j++) {
            org.junit.jupiter.api.Assertions.assertEquals(j * 0.5f, v[j], 1e-5f);
        }
    }

    @Test
    void cropAndResizeExtrapolates() throws Exception {
        Tensor x = iota(1, 4);
        Tensor y = op("Resize").attr("mode", "linear").attr("coordinate_transformation_mode", "tf_crop_and_resize")
                .attr("extrapolation_value", -1f).run1(x, f(new float[] {0, 0.5f, 1, 1.5f}, 4), NONE, ls(1, 3));
        assertArrayEquals(new float[] {1.5f, 3, -1}, y.toFloatArray(), 1e-6f);
    }

    @Test
    void ignoresAnRoiItDoesNotUse() throws Exception {
        // roi is read only by tf_crop_and_resize; an int64 one elsewhere must not trip the plan's key
        Tensor y = op("Resize").run1(iota(1, 2), ls(1, 2, 3, 4), f(new float[] {1, 2}, 2));
        assertArrayEquals(new long[] {1, 4}, y.dims());
    }

    @Test
    void rejectsBadArguments() {
        Tensor x = iota(1, 1, 2, 2);
        assertThrows(IllegalArgumentException.class, () -> op("Resize").run1(x, NONE, f(new float[] {2, 2}, 2)));
        assertThrows(IllegalArgumentException.class, () -> op("Resize").run1(x, NONE, f(new float[] {1, 1, 2, 2}, 4), ls(1, 1, 4, 4)));
        assertThrows(IllegalArgumentException.class, () -> op("Resize").run1(x, NONE, f(new float[] {1, 1, -2, 2}, 4)));
        assertThrows(Exception.class, () -> op("Resize").attr("mode", "area").create());
    }

    @Test
    void gridSampleIdentityAndPadding() throws Exception {
        Tensor x = iota(1, 2, 2, 3);
        // align_corners: -1 and 1 are the centres of the corner pixels, so this grid is the identity
        float[] g = new float[2 * 3 * 2];
        for (int r = 0; r < 2; r++) {
            for (int c = 0; c < 3; c++) {
                g[(r * 3 + c) * 2] = c - 1f;
                g[(r * 3 + c) * 2 + 1] = r * 2 - 1f;
            }
        }
        Tensor grid = f(g, 1, 2, 3, 2);
        for (String mode : new String[] {"bilinear", "nearest", "bicubic"}) {
            Tensor y = op("GridSample").opset(16).attr("align_corners", 1L).attr("mode", mode).run1(x, grid);
            assertArrayEquals(x.toFloatArray(), y.toFloatArray(), 1e-5f, mode);
        }
        Tensor far = f(new float[] {3, 0}, 1, 1, 1, 2); // far right of the middle row
        assertArrayEquals(new float[] {0, 0},
                op("GridSample").opset(16).attr("align_corners", 1L).run1(x, far).toFloatArray(), 1e-6f);
        // border: clamped to the right edge, halfway between the rows: (2 + 5) / 2 and (8 + 11) / 2
        assertArrayEquals(new float[] {3.5f, 9.5f}, op("GridSample").opset(16).attr("align_corners", 1L)
                .attr("padding_mode", "border").run1(x, far).toFloatArray(), 1e-6f);
        assertThrows(IllegalArgumentException.class, () -> op("GridSample").opset(16).run1(x, f(new float[3], 1, 1, 1, 3)));
    }
}
