package org.helu4j.op;

import static org.helu4j.op.ShapeOpRunner.f;
import static org.helu4j.op.ShapeOpRunner.iota;
import static org.helu4j.op.ShapeOpRunner.iotaLong;
import static org.helu4j.op.ShapeOpRunner.l;
import static org.helu4j.op.ShapeOpRunner.ls;
import static org.helu4j.op.ShapeOpRunner.op;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.helu4j.Tensor;
import org.junit.jupiter.api.Test;

/** GatherND, the scatters, EyeLike, OneHot, CumSum, ReverseSequence, Compress, NonZero and TopK. */
class ScatterSelectOpsTest {
    @Test
    void gatherNdWithAndWithoutBatchDims() throws Exception {
        Tensor x = iota(2, 2, 2);
        assertArrayEquals(new float[] {2, 3, 4, 5}, op("GatherND").run1(x, l(new long[] {0, 1, 1, 0}, 2, 2)).toFloatArray());
        assertArrayEquals(new float[] {3, 4}, op("GatherND").run1(x, l(new long[] {0, 1, 1, 1, 0, 0}, 2, 3)).toFloatArray());
        Tensor batched = op("GatherND").opset(12).attr("batch_dims", 1L).run1(x, l(new long[] {1, 0}, 2, 1));
        assertArrayEquals(new long[] {2, 2}, batched.dims());
        assertArrayEquals(new float[] {2, 3, 4, 5}, batched.toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> op("GatherND").run1(x, l(new long[] {2}, 1, 1)));
    }

    @Test
    void scattersWriteOrCombine() throws Exception {
        Tensor data = f(new float[6], 2, 3);
        Tensor idx = l(new long[] {2, -3}, 1, 2);
        Tensor upd = f(new float[] {5, 7}, 1, 2);
        assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0}, data.toFloatArray());
        assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0}, op("ScatterElements").run1(data, l(new long[] {0, 0}, 1, 2),
                f(new float[] {0, 0}, 1, 2)).toFloatArray());
        assertArrayEquals(new float[] {7, 0, 5, 0, 0, 0}, op("ScatterElements").attr("axis", 1L).run1(data, idx, upd).toFloatArray());
        Tensor dup = op("ScatterElements").opset(16).attr("reduction", "add").run1(iota(3), ls(1, 1), f(new float[] {10, 20}, 2));
        assertArrayEquals(new float[] {0, 31, 2}, dup.toFloatArray());
        Tensor nd = op("ScatterND").run1(iotaLong(2, 2), l(new long[] {1}, 1, 1), l(new long[] {7, 8}, 1, 2));
        assertArrayEquals(new long[] {0, 10, 7, 8}, nd.toLongArray());
        Tensor mul = op("ScatterND").opset(16).attr("reduction", "mul").run1(iota(4), l(new long[] {3, 3}, 2, 1), f(new float[] {2, 5}, 2));
        assertArrayEquals(new float[] {0, 1, 2, 30}, mul.toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> op("ScatterElements").run1(iota(3), ls(3), f(new float[] {1}, 1)));
    }

    @Test
    void eyeLikeAndOneHot() throws Exception {
        assertArrayEquals(new float[] {0, 1, 0, 0, 0, 1}, op("EyeLike").attr("k", 1L).run1(iota(2, 3)).toFloatArray());
        assertArrayEquals(new long[] {1, 0, 0, 1}, op("EyeLike").attr("dtype", 7L).run1(iota(2, 2)).toLongArray());
        Tensor oh = op("OneHot").run1(ls(0, -1, 5), Tensor.ofLongs(new long[] {3}), f(new float[] {-1, 1}, 2));
        assertArrayEquals(new long[] {3, 3}, oh.dims());
        assertArrayEquals(new float[] {1, -1, -1, -1, -1, 1, -1, -1, -1}, oh.toFloatArray());
        Tensor first = op("OneHot").attr("axis", 0L).run1(ls(1, 0), f(new float[] {2}), ls(0, 1));
        assertArrayEquals(new long[] {0, 1, 1, 0}, first.toLongArray());
    }

    @Test
    void cumSumAndReverseSequence() throws Exception {
        Tensor x = f(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor axis1 = Tensor.ofLongs(new long[] {1});
        assertArrayEquals(new float[] {1, 3, 6, 4, 9, 15}, op("CumSum").run1(x, axis1).toFloatArray());
        assertArrayEquals(new float[] {5, 3, 0, 11, 6, 0},
                op("CumSum").attr("exclusive", 1L).attr("reverse", 1L).run1(x, axis1).toFloatArray());
        assertArrayEquals(new long[] {0, 10, 20, 30, 50, 70}, op("CumSum").run1(iotaLong(2, 3), ls(0)).toLongArray());
        // time_axis 0, batch_axis 1: column b reversed over its first len[b] rows
        Tensor seq = op("ReverseSequence").run1(iota(3, 2), ls(3, 1));
        assertArrayEquals(new float[] {4, 1, 2, 3, 0, 5}, seq.toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> op("ReverseSequence").run1(iota(3, 2), ls(4, 1)));
        assertThrows(IllegalArgumentException.class, () -> op("ReverseSequence").run1(iota(3, 2), f(new float[] {1, 1}, 2)));
        assertThrows(IllegalArgumentException.class, () -> op("CumSum").run1(x, f(new float[] {1}, 1)));
        assertThrows(IllegalArgumentException.class, () -> op("CumSum").run1(x));
    }

    @Test
    void compressNonZeroAndTopK() throws Exception {
        Tensor x = iota(3, 2);
        assertArrayEquals(new float[] {2, 3}, op("Compress").attr("axis", 0L).run1(x, ls(0, 1)).toFloatArray());
        assertArrayEquals(new float[] {0, 5}, op("Compress").run1(x, ls(1, 0, 0, 0, 0, 1, 1)).toFloatArray());
        Tensor nz = op("NonZero").run1(f(new float[] {0, 3, 0, 4}, 2, 2));
        assertArrayEquals(new long[] {2, 2}, nz.dims());
        assertArrayEquals(new long[] {0, 1, 1, 1}, nz.toLongArray());
        Tensor v = f(new float[] {3, 1, 3, 2, 0, -1, 5, 5}, 2, 4);
        Tensor[] top = op("TopK").outputs(2).run(v, ls(2));
        assertArrayEquals(new float[] {3, 3, 5, 5}, top[0].toFloatArray());
        assertArrayEquals(new long[] {0, 2, 2, 3}, top[1].toLongArray());
        Tensor[] low = op("TopK").opset(11).attr("largest", 0L).attr("axis", 0L).outputs(2).run(v, ls(1));
        assertArrayEquals(new float[] {0, -1, 3, 2}, low[0].toFloatArray());
        Tensor[] old = op("TopK").opset(9).attr("k", 1L).outputs(2).run(v);
        assertArrayEquals(new long[] {0, 2}, old[1].toLongArray());
        assertThrows(IllegalArgumentException.class, () -> op("TopK").outputs(2).run(v, ls(5)));
        assertThrows(IllegalArgumentException.class, () -> op("TopK").outputs(2).run(v, f(new float[] {1}, 1)));
    }

    @Test
    void uniqueSortedOrInFirstOrder() throws Exception {
        Tensor x = f(new float[] {2, 1, 1, 3, 4, 3}, 6);
        Tensor[] s = op("Unique").outputs(4).run(x);
        assertArrayEquals(new float[] {1, 2, 3, 4}, s[0].toFloatArray());
        assertArrayEquals(new long[] {1, 0, 3, 4}, s[1].toLongArray());
        assertArrayEquals(new long[] {1, 0, 0, 2, 3, 2}, s[2].toLongArray());
        assertArrayEquals(new long[] {2, 1, 2, 1}, s[3].toLongArray());
        Tensor[] u = op("Unique").attr("sorted", 0L).outputs(4).run(x);
        assertArrayEquals(new float[] {2, 1, 3, 4}, u[0].toFloatArray());
        assertArrayEquals(new long[] {0, 1, 1, 2, 3, 2}, u[2].toLongArray());
        Tensor rows = op("Unique").attr("axis", 0L).run1(f(new float[] {1, 0, 0, 1, 1, 0}, 3, 2));
        assertArrayEquals(new float[] {0, 1, 1, 0}, rows.toFloatArray());
    }
}
