package org.helu4j.op;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * Unique: the distinct elements of the flattened input, or the distinct slices along {@code axis}, sorted
 * ascending (lexicographically for slices) or in order of first appearance. The optional outputs are the first
 * index of each, the inverse map and the counts. The output size depends on the data, so the work is done in
 * {@link #groups} by both inference and run.
 */
final class UniqueOp extends Op {
    private final Long axis;
    private final boolean sorted;

    UniqueOp(Node node) {
        super(node);
        axis = node.attributes().has("axis") ? node.attributes().getInt("axis", 0) : null;
        sorted = node.attributes().getInt("sorted", 1) != 0;
    }

    /** The view [outer, n, inner]: n slices, each of outer x inner elements. */
    private long[] view(Shape s) {
        if (axis == null) {
            return new long[] {1, s.size(), 1};
        }
        int a = s.axis(axis);
        return new long[] {s.size(0, a), s.rank() == 0 ? 1 : s.dim(a), s.size(a + 1, s.rank())};
    }

    private static double at(Tensor x, long i) {
        return x.type() == DType.FLOAT32 ? x.getFloat(i) : x.getLong(i);
    }

    private static int compare(Tensor x, long[] v, int p, int q) {
        long outer = v[0];
        long n = v[1];
        long inner = v[2];
        for (long o = 0; o < outer; o++) {
            for (long i = 0; i < inner; i++) {
                int c = Double.compare(at(x, (o * n + p) * inner + i), at(x, (o * n + q) * inner + i));
                if (c != 0) {
                    return c;
                }
            }
        }
        return 0;
    }

    /**
     * The unique slices in output order: {@code first[u]} is the first slice index of unique u, and
     * {@code inverse[j]} the unique that slice j belongs to.
     */
    private record Groups(int[] first, long[] inverse, long[] counts) {
    }

    private Groups groups(Tensor x) {
        long[] v = view(x.shape());
        int n = Math.toIntExact(v[1]);
        Integer[] order = new Integer[n];
        for (int j = 0; j < n; j++) {
            order[j] = j;
        }
        Arrays.sort(order, (p, q) -> compare(x, v, p, q)); // stable: equal slices stay in index order
        int[] uniqueOf = new int[n];
        int[] firsts = new int[n];
        int u = -1;
        for (int k = 0; k < n; k++) {
            if (k == 0 || compare(x, v, order[k - 1], order[k]) != 0) {
                firsts[++u] = order[k];
            }
            uniqueOf[order[k]] = u;
        }
        int count = u + 1;
        // rank[u] is the output position of sorted unique u
        int[] rank = new int[count];
        int[] first = Arrays.copyOf(firsts, count);
        if (sorted) {
            for (int k = 0; k < count; k++) {
                rank[k] = k;
            }
        } else {
            Integer[] byFirst = new Integer[count];
            for (int k = 0; k < count; k++) {
                byFirst[k] = k;
            }
            Arrays.sort(byFirst, (p, q) -> Integer.compare(firsts[p], firsts[q]));
            for (int k = 0; k < count; k++) {
                rank[byFirst[k]] = k;
                first[k] = firsts[byFirst[k]];
            }
        }
        long[] inverse = new long[n];
        long[] counts = new long[count];
        for (int j = 0; j < n; j++) {
            inverse[j] = rank[uniqueOf[j]];
            counts[rank[uniqueOf[j]]]++;
        }
        return new Groups(first, inverse, counts);
    }

    @Override
    public void infer(InferContext ctx) {
        Shape s = ctx.shape(0);
        Groups g = groups(ctx.value(0));
        int u = g.first.length;
        long[] dims;
        if (axis == null) {
            dims = new long[] {u};
        } else {
            dims = s.longDims();
            dims[s.axis(axis)] = u;
        }
        ctx.output(0, ctx.type(0), Shape.of(dims));
        int outs = node.outputs().size();
        if (outs > 1) {
            ctx.output(1, DType.INT64, Shape.of(u));
        }
        if (outs > 2) {
            ctx.output(2, DType.INT64, Shape.of(g.inverse.length));
        }
        if (outs > 3) {
            ctx.output(3, DType.INT64, Shape.of(u));
        }
    }

    @Override
    public void run(Tensor[] in, Tensor[] out) {
        Tensor x = in[0];
        Groups g = groups(x);
        long[] v = view(x.shape());
        long outer = v[0];
        long n = v[1];
        long inner = v[2];
        int u = g.first.length;
        int esize = x.type().byteSize();
        for (long o = 0; o < outer; o++) {
            for (int k = 0; k < u; k++) {
                MemorySegment.copy(x.segment(), ((o * n + g.first[k]) * inner) * esize, out[0].segment(),
                        ((o * u + k) * inner) * esize, inner * esize);
            }
        }
        if (out.length > 1 && out[1] != null) {
            for (int k = 0; k < u; k++) {
                out[1].segment().setAtIndex(ValueLayout.JAVA_LONG, k, g.first[k]);
            }
        }
        if (out.length > 2 && out[2] != null) {
            MemorySegment.copy(MemorySegment.ofArray(g.inverse), 0, out[2].segment(), 0, g.inverse.length * 8L);
        }
        if (out.length > 3 && out[3] != null) {
            MemorySegment.copy(MemorySegment.ofArray(g.counts), 0, out[3].segment(), 0, g.counts.length * 8L);
        }
    }
}
