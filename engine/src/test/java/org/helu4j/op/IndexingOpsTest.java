package org.helu4j.op;

import static org.helu4j.op.ShapeOpRunner.f;
import static org.helu4j.op.ShapeOpRunner.iota;
import static org.helu4j.op.ShapeOpRunner.iotaLong;
import static org.helu4j.op.ShapeOpRunner.l;
import static org.helu4j.op.ShapeOpRunner.op;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.helu4j.ModelFormatException;
import org.helu4j.Tensor;
import org.junit.jupiter.api.Test;

/** ArgMax/ArgMin, GatherElements, DepthToSpace/SpaceToDepth, Trilu and Size. */
class IndexingOpsTest {
    @Test
    void argMaxAndMinWithTies() throws Exception {
        Tensor x = f(new float[] {1, 5, 5, 0, -2, 3, -2, 3}, 2, 4);
        assertArrayEquals(new long[] {1, 1}, op("ArgMax").attr("axis", 1L).run1(x).toLongArray());
        assertArrayEquals(new long[] {2, 3}, op("ArgMax").opset(12).attr("axis", 1L).attr("select_last_index", 1L).run1(x).toLongArray());
        assertArrayEquals(new long[] {3, 0}, op("ArgMin").attr("axis", -1L).run1(x).toLongArray());
        Tensor cols = op("ArgMin").attr("keepdims", 0L).run1(x);
        assertArrayEquals(new long[] {4}, cols.dims());
        assertArrayEquals(new long[] {1, 1, 1, 0}, cols.toLongArray());
        assertArrayEquals(new long[] {1}, op("ArgMax").run1(f(new float[] {1, Float.NaN, 9}, 3)).toLongArray());
        assertArrayEquals(new long[] {2}, op("ArgMax").run1(iotaLong(3)).toLongArray());
    }

    @Test
    void gatherElementsOnEachAxis() throws Exception {
        Tensor x = iota(3, 3);
        Tensor rows = op("GatherElements").run1(x, l(new long[] {1, 2, 0, 2, 0, -3}, 2, 3));
        assertArrayEquals(new float[] {3, 7, 2, 6, 1, 2}, rows.toFloatArray());
        Tensor cols = op("GatherElements").attr("axis", 1L).run1(x, l(new long[] {0, 0, 1, 0, 2, 1}, 3, 2));
        assertArrayEquals(new float[] {0, 0, 4, 3, 8, 7}, cols.toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> op("GatherElements").run1(x, l(new long[] {3}, 1, 1)));
        assertThrows(IllegalArgumentException.class, () -> op("GatherElements").run1(x, l(new long[] {0}, 1)));
    }

    @Test
    void depthToSpaceInvertsSpaceToDepth() throws Exception {
        Tensor x = iota(2, 8, 3, 5);
        Tensor dcr = op("DepthToSpace").attr("blocksize", 2L).run1(x);
        assertArrayEquals(new long[] {2, 2, 6, 10}, dcr.dims());
        // DCR: out[n, c, h*b + i, w*b + j] = in[n, (i*b + j)*C' + c, h, w]
        assertEquals(x.getFloat(((0 * 8 + (1 * 2 + 0) * 2 + 1) * 3 + 2) * 5 + 4), dcr.getFloat(((0 * 2 + 1) * 6 + 5) * 10 + 8));
        Tensor back = op("SpaceToDepth").attr("blocksize", 2L).run1(dcr);
        assertArrayEquals(x.toFloatArray(), back.toFloatArray());
        Tensor crd = op("DepthToSpace").attr("blocksize", 2L).attr("mode", "CRD").run1(x);
        // CRD: out[n, c, h*b + i, w*b + j] = in[n, c*b*b + i*b + j, h, w]
        assertEquals(x.getFloat(((1 * 8 + 1 * 4 + 1 * 2 + 0) * 3 + 1) * 5 + 3), crd.getFloat(((1 * 2 + 1) * 6 + 3) * 10 + 6));
        assertThrows(IllegalArgumentException.class, () -> op("DepthToSpace").attr("blocksize", 3L).run1(x));
        assertThrows(Exception.class, () -> op("DepthToSpace").create());
    }

    @Test
    void triluKeepsOneTriangle() throws Exception {
        Tensor x = f(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 3, 4);
        assertArrayEquals(new float[] {1, 2, 3, 4, 0, 6, 7, 8, 0, 0, 11, 12}, op("Trilu").run1(x).toFloatArray());
        assertArrayEquals(new float[] {1, 0, 0, 0, 5, 6, 0, 0, 9, 10, 11, 0}, op("Trilu").attr("upper", 0L).run1(x).toFloatArray());
        assertArrayEquals(new float[] {0, 2, 3, 4, 0, 0, 7, 8, 0, 0, 0, 12},
                op("Trilu").run1(x, Tensor.ofLongs(new long[] {1})).toFloatArray());
        assertArrayEquals(new float[12], op("Trilu").run1(x, Tensor.ofLongs(new long[] {Long.MAX_VALUE})).toFloatArray());
        assertArrayEquals(x.toFloatArray(),
                op("Trilu").attr("upper", 0L).run1(x, Tensor.ofLongs(new long[] {Long.MAX_VALUE})).toFloatArray());
        // k is one int64: a float or empty k is refused during inference, not read out of bounds
        assertThrows(IllegalArgumentException.class, () -> op("Trilu").run1(x, f(new float[] {1}, 1)));
        assertThrows(IllegalArgumentException.class, () -> op("Trilu").run1(x, Tensor.ofLongs(new long[0], 0)));
    }

    @Test
    void nodesNamingMoreOutputsThanTheOpMakesAreRefused() {
        assertThrows(ModelFormatException.class, () -> op("ArgMin").outputs(2).create());
        assertThrows(ModelFormatException.class, () -> op("Compress").outputs(3).create());
        assertThrows(ModelFormatException.class, () -> op("Dropout").outputs(3).create());
    }

    @Test
    void sizeCountsElements() throws Exception {
        Tensor s = op("Size").run1(iota(2, 3, 4));
        assertArrayEquals(new long[] {}, s.dims());
        assertEquals(24L, s.getLong(0));
    }
}
