package org.helu4j.op;

import static org.helu4j.op.GemmOpTest.assertClose;
import static org.helu4j.op.GemmOpTest.op;
import static org.helu4j.op.GemmOpTest.random;
import static org.helu4j.op.GemmOpTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.Map;
import org.helu4j.Tensor;
import org.junit.jupiter.api.Test;

/** The MatMul op against a naive numpy.matmul: 1-D operands and batch broadcasting. */
class MatMulOpTest {

    /** numpy.matmul, written independently: promote, broadcast batch, multiply, drop promoted dims. */
    private static float[] naive(Tensor a, Tensor b) {
        int[] da = a.shape().dims();
        int[] db = b.shape().dims();
        int[] pa = da.length == 1 ? new int[] {1, da[0]} : da;
        int[] pb = db.length == 1 ? new int[] {db[0], 1} : db;
        int m = pa[pa.length - 2];
        int k = pa[pa.length - 1];
        int n = pb[pb.length - 1];
        int r = Math.max(pa.length, pb.length) - 2;
        int[] batch = new int[r];
        for (int i = 0; i < r; i++) {
            int x = i - (r - (pa.length - 2)) >= 0 ? pa[i - (r - (pa.length - 2))] : 1;
            int y = i - (r - (pb.length - 2)) >= 0 ? pb[i - (r - (pb.length - 2))] : 1;
            batch[i] = x == 1 ? y : x;
        }
        int total = Arrays.stream(batch).reduce(1, (x, y) -> x * y);
        float[] out = new float[total * m * n];
        int[] idx = new int[r];
        for (int t = 0; t < total; t++) {
            int rem = t;
            for (int i = r - 1; i >= 0; i--) {
                idx[i] = rem % batch[i];
                rem /= batch[i];
            }
            int aBase = offset(pa, idx) * m * k;
            int bBase = offset(pb, idx) * k * n;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) {
                        s += (double) a.getFloat(aBase + i * k + p) * b.getFloat(bBase + p * n + j);
                    }
                    out[(t * m + i) * n + j] = (float) s;
                }
            }
        }
        return out;
    }

    /** The batch index of an operand (its own batch dims, right-aligned, broadcast where 1). */
    private static int offset(int[] dims, int[] idx) {
        int own = dims.length - 2;
        int off = 0;
        for (int i = 0; i < own; i++) {
            int d = dims[i];
            off = off * d + (d == 1 ? 0 : idx[idx.length - own + i]);
        }
        return off;
    }

    private static void check(long[] a, long[] b, int... expectedShape) throws Exception {
        Tensor ta = random(a);
        Tensor tb = random(b);
        Tensor y = run(op("MatMul", 13, 2, 1, Map.of()), ta, tb);
        assertArrayEquals(expectedShape, y.shape().dims(), Arrays.toString(a) + " x " + Arrays.toString(b));
        assertClose(naive(ta, tb), y);
    }

    @Test
    void broadcastingShapes() throws Exception {
        check(new long[] {2, 3, 4}, new long[] {4, 5}, 2, 3, 5);
        check(new long[] {4}, new long[] {4, 5}, 5);
        check(new long[] {3, 4}, new long[] {4}, 3);
        check(new long[] {4}, new long[] {4}, new int[0]);
        check(new long[] {2, 1, 3, 4}, new long[] {5, 4, 6}, 2, 5, 3, 6);
        check(new long[] {3, 4}, new long[] {2, 4, 5}, 2, 3, 5);
        check(new long[] {4}, new long[] {2, 4, 5}, 2, 5);
        check(new long[] {2, 3, 4}, new long[] {4}, 2, 3);
        check(new long[] {1, 3, 4}, new long[] {1, 1, 4, 5}, 1, 1, 3, 5);
        check(new long[] {2, 3, 17, 33}, new long[] {2, 3, 33, 49}, 2, 3, 17, 49);
        check(new long[] {0, 3, 4}, new long[] {4, 5}, 0, 3, 5);
        check(new long[] {3, 0}, new long[] {0, 5}, 3, 5);
    }

    @Test
    void constantBIsPackedAtLoad() throws Exception {
        Tensor a = random(2, 7, 40);
        Tensor w = random(40, 37);
        Op op = op("MatMul", 13, 2, 1, Map.of());
        GemmOpTest.infer(op, new Tensor[] {a, w}, new Tensor[] {null, w});
        op.prepare(new Tensor[] {null, w}, Arena.ofAuto());
        assertTrue(op.describe().contains("packed"), op.describe());
        assertClose(naive(a, w), run(op, a, w));
        Tensor other = random(40, 37);
        assertClose(naive(a, other), run(op, a, other));
    }

    @Test
    void mismatchesAreExplained() throws Exception {
        Op op = op("MatMul", 13, 2, 1, Map.of());
        var e = assertThrows(IllegalArgumentException.class, () -> run(op, random(2, 3), random(4, 5)));
        assertTrue(e.getMessage().contains("A is [2, 3] but B is [4, 5]: inner dimensions 3 and 4 differ"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> run(op, random(2, 2, 3), random(3, 3, 5)));
        assertTrue(e.getMessage().contains("do not broadcast"), e.getMessage());
    }
}
