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
import org.helu4j.tensor.Shape;
import org.junit.jupiter.api.Test;

/** Transpose, Concat, Split, Gather, Slice, Pad, Expand and Tile against index arithmetic written out by hand. */
class DataMoveOpsTest {
    /** Naive transpose: for each output index, the input index with axes permuted. */
    private static float[] transposeRef(Tensor x, int[] perm) {
        int[] d = x.shape().dims();
        long[] st = x.shape().strides();
        int[] od = new int[d.length];
        for (int k = 0; k < d.length; k++) {
            od[k] = d[perm[k]];
        }
        Shape os = Shape.of(od);
        float[] in = x.toFloatArray();
        float[] out = new float[(int) os.size()];
        long[] ost = os.strides();
        for (int o = 0; o < out.length; o++) {
            long src = 0;
            for (int k = 0; k < od.length; k++) {
                src += (o / ost[k] % od[k]) * st[perm[k]];
            }
            out[o] = in[(int) src];
        }
        return out;
    }

    @Test
    void transposeEveryPermutationOfRank4() throws Exception {
        Tensor x = iota(2, 3, 4, 5);
        int[][] perms = {{0, 1, 2, 3}, {0, 2, 3, 1}, {3, 2, 1, 0}, {1, 0, 3, 2}, {0, 1, 3, 2}, {2, 0, 3, 1}};
        for (int[] p : perms) {
            long[] lp = java.util.Arrays.stream(p).asLongStream().toArray();
            assertArrayEquals(transposeRef(x, p), op("Transpose").attr("perm", lp).run1(x).toFloatArray(),
                    java.util.Arrays.toString(p));
        }
        assertArrayEquals(transposeRef(x, new int[] {3, 2, 1, 0}), op("Transpose").run1(x).toFloatArray());
    }

    @Test
    void transposeTilesCrossBlockEdges() throws Exception {
        for (int[] rc : new int[][] {{33, 70}, {32, 32}, {1, 65}, {64, 1}}) {
            Tensor x = iota(2, rc[0], rc[1]);
            assertArrayEquals(transposeRef(x, new int[] {0, 2, 1}),
                    op("Transpose").attr("perm", new long[] {0, 2, 1}).run1(x).toFloatArray());
        }
        int[][] shapes = {{1, 64, 7, 9}, {2, 33, 1, 35}, {1, 1, 5, 1}, {3, 0, 2, 2}};
        for (int[] d : shapes) {
            Tensor x = iota(java.util.Arrays.stream(d).asLongStream().toArray());
            for (int[] p : new int[][] {{0, 2, 3, 1}, {0, 3, 1, 2}, {2, 3, 0, 1}, {1, 0, 2, 3}}) {
                long[] lp = java.util.Arrays.stream(p).asLongStream().toArray();
                assertArrayEquals(transposeRef(x, p), op("Transpose").attr("perm", lp).run1(x).toFloatArray(),
                        java.util.Arrays.toString(d) + " " + java.util.Arrays.toString(p));
            }
        }
        Tensor y = op("Transpose").attr("perm", new long[] {1, 0}).run1(iotaLong(3, 2));
        assertArrayEquals(new long[] {0, 20, 40, 10, 30, 50}, y.toLongArray());
        assertThrows(Exception.class, () -> op("Transpose").attr("perm", new long[] {0, 0}).create());
        assertThrows(IllegalArgumentException.class, () -> op("Transpose").attr("perm", new long[] {1, 0}).run1(iota(2, 2, 2)));
    }

    @Test
    void concatAndSplitRoundTrip() throws Exception {
        Tensor a = iota(2, 1, 3);
        Tensor b = f(new float[] {100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111}, 2, 2, 3);
        Tensor empty = f(new float[0], 2, 0, 3);
        Tensor c = op("Concat").attr("axis", -2L).run1(a, empty, b);
        assertArrayEquals(new long[] {2, 3, 3}, c.dims());
        assertArrayEquals(new float[] {0, 1, 2, 100, 101, 102, 103, 104, 105, 3, 4, 5, 106, 107, 108, 109, 110, 111},
                c.toFloatArray());
        Tensor[] parts = op("Split").attr("axis", 1L).outputs(3).run(c, ls(1, 0, 2));
        assertArrayEquals(a.toFloatArray(), parts[0].toFloatArray());
        assertArrayEquals(new long[] {2, 0, 3}, parts[1].dims());
        assertArrayEquals(b.toFloatArray(), parts[2].toFloatArray());
        Tensor[] old = op("Split").opset(11).attr("axis", 1L).attr("split", new long[] {1, 2}).outputs(2).run(c);
        assertArrayEquals(b.toFloatArray(), old[1].toFloatArray());
        Tensor[] equal = op("Split").outputs(3).run(iotaLong(6));
        assertArrayEquals(new long[] {40, 50}, equal[2].toLongArray());
        assertThrows(IllegalArgumentException.class, () -> op("Split").outputs(4).run(iota(6)));
        assertThrows(IllegalArgumentException.class, () -> op("Concat").attr("axis", 0L).run1(iota(2, 3), iota(2, 4)));
        assertThrows(IllegalArgumentException.class, () -> op("Concat").attr("axis", 0L).run1(ls(1), Tensor.ofLongs(new long[] {2})));
        assertThrows(IllegalArgumentException.class, () -> op("Split").outputs(1).run(Tensor.ofLongs(new long[] {2})));
    }

    @Test
    void gatherAnyAxisWithNegativeIndices() throws Exception {
        Tensor x = iota(3, 4);
        Tensor rows = op("Gather").run1(x, l(new long[] {2, -3, 0, 2}, 2, 2));
        assertArrayEquals(new long[] {2, 2, 4}, rows.dims());
        assertArrayEquals(new float[] {8, 9, 10, 11, 0, 1, 2, 3, 0, 1, 2, 3, 8, 9, 10, 11}, rows.toFloatArray());
        Tensor cols = op("Gather").attr("axis", 1L).run1(x, ls(-1, 1));
        assertArrayEquals(new float[] {3, 1, 7, 5, 11, 9}, cols.toFloatArray());
        Tensor scalar = op("Gather").run1(iotaLong(3), Tensor.ofLongs(new long[] {1}));
        assertArrayEquals(new long[] {}, scalar.dims());
        assertArrayEquals(new long[] {10}, scalar.toLongArray());
        assertThrows(IllegalArgumentException.class, () -> op("Gather").run1(x, ls(3)));
        assertThrows(IllegalArgumentException.class, () -> op("Gather").run1(x, ls(-4)));
    }

    @Test
    void sliceClampsAndSteps() throws Exception {
        Tensor x = iota(3, 5);
        Tensor s = op("Slice").run1(x, ls(1, -1), ls(1000, -1000), ls(0, 1), ls(1, -2));
        assertArrayEquals(new long[] {2, 3}, s.dims());
        assertArrayEquals(new float[] {9, 7, 5, 14, 12, 10}, s.toFloatArray());
        Tensor all = op("Slice").run1(x, ls(Long.MIN_VALUE), ls(Long.MAX_VALUE));
        assertArrayEquals(x.toFloatArray(), all.toFloatArray());
        Tensor none = op("Slice").run1(x, ls(4), ls(2), ls(1));
        assertArrayEquals(new long[] {3, 0}, none.dims());
        Tensor old = op("Slice").opset(9).attr("starts", new long[] {1}).attr("ends", new long[] {3})
                .attr("axes", new long[] {1}).run1(iotaLong(2, 5));
        assertArrayEquals(new long[] {10, 20, 60, 70}, old.toLongArray());
        assertThrows(IllegalArgumentException.class, () -> op("Slice").run1(x, ls(0), ls(1), ls(0), ls(0)));
        assertThrows(IllegalArgumentException.class, () -> op("Slice").run1(x, ls(0)));
        Tensor farStep = op("Slice").run1(x, ls(-1), ls(Long.MIN_VALUE), ls(1), ls(Long.MIN_VALUE));
        assertArrayEquals(new float[] {4, 9, 14}, farStep.toFloatArray());
    }

    @Test
    void absurdArgumentsFailCleanly() {
        assertThrows(RuntimeException.class, () -> op("Pad").run1(iota(2), ls(Long.MAX_VALUE, Long.MAX_VALUE)));
        assertThrows(IllegalArgumentException.class, () -> op("Tile").run1(iota(2, 2), ls(1L << 20, 1L << 20)));
        assertThrows(IllegalArgumentException.class, () -> op("Expand").run1(iota(1), ls(-5)));
        assertThrows(IllegalArgumentException.class, () -> op("Reshape").run1(iota(4), ls(1L << 40, -1)));
        assertThrows(IllegalArgumentException.class, () -> op("ConstantOfShape").run1(ls(1L << 20, 1L << 20)));
    }

    /** Naive Pad of a 2-D tensor. */
    private static float[] padRef(float[] x, int h, int w, long[] p, String mode, float value) {
        int oh = (int) (h + p[0] + p[2]);
        int ow = (int) (w + p[1] + p[3]);
        float[] out = new float[oh * ow];
        for (int i = 0; i < oh; i++) {
            for (int j = 0; j < ow; j++) {
                int si = src((int) (i - p[0]), h, mode);
                int sj = src((int) (j - p[1]), w, mode);
                out[i * ow + j] = si < 0 || sj < 0 ? value : x[si * w + sj];
            }
        }
        return out;
    }

    private static int src(int i, int n, String mode) {
        if (i >= 0 && i < n) {
            return i;
        }
        return switch (mode) {
            case "edge" -> i < 0 ? 0 : n - 1;
            case "reflect" -> {
                while (i < 0 || i >= n) {
                    i = i < 0 ? -i : 2 * (n - 1) - i;
                }
                yield i;
            }
            default -> -1;
        };
    }

    @Test
    void padModesAgainstReference() throws Exception {
        Tensor x = iota(3, 4);
        long[][] padsList = {{1, 2, 1, 2}, {0, 0, 0, 0}, {2, 3, 0, 1}, {-1, 1, 0, -2}, {5, 7, 4, 6}};
        for (String mode : new String[] {"constant", "edge", "reflect"}) {
            for (long[] p : padsList) {
                Tensor out = op("Pad").attr("mode", mode).run1(x, ls(p), f(new float[] {-9f}));
                assertArrayEquals(padRef(x.toFloatArray(), 3, 4, p, mode, -9f), out.toFloatArray(),
                        mode + " " + java.util.Arrays.toString(p));
            }
        }
        Tensor old = op("Pad").opset(2).attr("pads", new long[] {0, 1, 0, 1}).attr("value", 7f).run1(iotaLong(1, 2));
        assertArrayEquals(new long[] {7, 0, 10, 7}, old.toLongArray());
        Tensor noValue = op("Pad").opset(11).run1(iota(2), ls(1, 1));
        assertArrayEquals(new float[] {0, 0, 1, 0}, noValue.toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> op("Pad").run1(iota(3), ls(1)));
        assertThrows(IllegalArgumentException.class, () -> op("Pad").attr("mode", "edge").run1(iota(0), ls(1, 1)));
        assertThrows(Exception.class, () -> op("Pad").attr("mode", "wrap").create());
    }

    @Test
    void expandBroadcastsBothWays() throws Exception {
        Tensor out = op("Expand").run1(f(new float[] {1, 2, 3}, 3, 1), ls(2, 1, 2));
        assertArrayEquals(new long[] {2, 3, 2}, out.dims());
        assertArrayEquals(new float[] {1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3}, out.toFloatArray());
        assertArrayEquals(new long[] {3, 4}, op("Expand").run1(iota(3, 4), ls(1)).dims());
        assertThrows(IllegalArgumentException.class, () -> op("Expand").run1(iota(3), ls(2)));
    }

    @Test
    void tileRepeatsEachAxis() throws Exception {
        Tensor out = op("Tile").run1(iota(2, 2), ls(2, 3));
        assertArrayEquals(new long[] {4, 6}, out.dims());
        assertArrayEquals(new float[] {0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 2, 3, 0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 2, 3},
                out.toFloatArray());
        assertArrayEquals(new long[] {0, 3}, op("Tile").run1(iota(1, 3), ls(0, 1)).dims());
    }
}
