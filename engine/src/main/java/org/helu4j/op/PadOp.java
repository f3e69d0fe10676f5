package org.helu4j.op;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import org.helu4j.Tensor;
import org.helu4j.graph.Node;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * Pad, in constant, reflect and edge modes. Before opset 11, pads and value are attributes; from 11 they are
 * inputs. pads is {@code [b_0..b_r-1, e_0..e_r-1]}; negative pads crop. Each output axis gets a map from output
 * to input index (-1 for the constant), and rows are copied through it, the unpadded middle as one block.
 * Reflection repeats, as NumPy's does, when a pad is wider than the axis.
 */
final class PadOp extends Op {
    private enum Mode { CONSTANT, REFLECT, EDGE }

    private final Mode mode;
    private final long[] padsAttr;
    private final float valueAttr;

    PadOp(Node node) {
        super(node);
        String m = node.attributes().getString("mode", "constant");
        mode = switch (m) {
            case "constant" -> Mode.CONSTANT;
            case "reflect" -> Mode.REFLECT;
            case "edge" -> Mode.EDGE;
            default -> throw new IllegalArgumentException("unsupported Pad mode '" + m + "'");
        };
        if (node.opset() < 11) {
            padsAttr = node.attributes().getInts(node.opset() < 2 ? "paddings" : "pads");
            valueAttr = node.attributes().getFloat("value", 0f);
            if (padsAttr == null) {
                throw new IllegalArgumentException("attribute 'pads' is required before opset 11");
            }
        } else {
            padsAttr = null;
            valueAttr = 0f;
        }
    }

    private static long[] outDims(Shape in, long[] pads) {
        int r = in.rank();
        if (pads.length != 2 * r) {
            throw new IllegalArgumentException("pads " + Arrays.toString(pads) + " must have 2 x rank = " + 2 * r
                    + " values for " + in);
        }
        long[] dims = new long[r];
        for (int k = 0; k < r; k++) {
            dims[k] = Math.addExact(Math.addExact(in.dim(k), pads[k]), pads[k + r]);
            if (dims[k] < 0) {
                throw new IllegalArgumentException("pads " + Arrays.toString(pads) + " crop more than all of " + in);
            }
        }
        return dims;
    }

    @Override
    public void infer(InferContext ctx) {
        Shape in = ctx.shape(0);
        long[] pads = padsAttr != null ? padsAttr : ctx.longs(1);
        long[] dims = outDims(in, pads);
        if (mode != Mode.CONSTANT) {
            for (int k = 0; k < in.rank(); k++) {
                if (in.dim(k) == 0 && dims[k] > 0) {
                    throw new IllegalArgumentException("cannot " + mode.name().toLowerCase() + "-pad empty axis " + k
                            + " of " + in);
                }
            }
        }
        ShapeOps.declare(this, ctx, ctx.type(0), Shape.of(dims));
    }

    /** The output-to-input index map of one axis; -1 selects the constant. */
    private int[] map(int n, int outDim, long begin) {
        int[] m = new int[outDim];
        long period = 2L * (n - 1);
        for (int o = 0; o < outDim; o++) {
            long i = o - begin;
            if (i < 0 || i >= n) {
                i = switch (mode) {
                    case CONSTANT -> -1;
                    case EDGE -> i < 0 ? 0 : n - 1;
                    case REFLECT -> {
                        if (n == 1) {
                            yield 0;
                        }
                        long j = Math.abs(i) % period;
                        yield j >= n ? period - j : j;
                    }
                };
            }
            m[o] = (int) i;
        }
        return m;
    }

    /**
     * One input shape and pads, resolved: the input offset of each output row (-1 for a row of the constant),
     * the index map of the last axis, and its unpadded middle [midStart, midEnd).
     */
    private record Plan(Shape shape, long[] pads, long[] rowBase, int[] inner, int midStart, int midEnd, int width) {
    }

    private volatile Plan last; // the plan of the last run: the same shape and pads run again without allocating

    private Plan plan(Shape is, Shape os, long[] pads) {
        int r = is.rank();
        int[][] maps = new int[r][];
        for (int k = 0; k < r; k++) {
            maps[k] = map(is.dim(k), os.dim(k), pads[k]);
        }
        long[] inStrides = is.strides();
        int last = r - 1;
        int width = os.dim(last);
        int n = is.dim(last);
        long[] rowBase = new long[(int) (os.size() / width)];
        int[] idx = new int[r];
        for (int row = 0; row < rowBase.length; row++) {
            long base = 0;
            for (int k = 0; k < last && base >= 0; k++) {
                int i = maps[k][idx[k]];
                base = i < 0 ? -1 : base + i * inStrides[k];
            }
            rowBase[row] = base;
            for (int k = last - 1; k >= 0; k--) {
                if (++idx[k] < os.dim(k)) {
                    break;
                }
                idx[k] = 0;
            }
        }
        int midStart = (int) Math.max(0, Math.min(width, pads[last]));
        int midEnd = (int) Math.max(midStart, Math.min(width, pads[last] + n));
        return new Plan(is, pads, rowBase, maps[last], midStart, midEnd, width);
    }

    @Override
    public void run(Tensor[] in, Tensor[] out) {
        Shape is = in[0].shape();
        int esize = in[0].type().byteSize();
        MemorySegment src = in[0].segment();
        MemorySegment dst = out[0].segment();
        if (is.rank() == 0) {
            MemorySegment.copy(src, 0, dst, 0, esize);
            return;
        }
        if (out[0].size() == 0) {
            return;
        }
        Plan p = last;
        if (p == null || !p.shape.equals(is) || !(padsAttr != null || Strided.same(in[1], p.pads))) {
            p = plan(is, out[0].shape(), padsAttr != null ? padsAttr : in[1].toLongArray());
            last = p;
        }
        long fill = fillBits(in);
        int width = p.width;
        for (int row = 0; row < p.rowBase.length; row++) {
            long base = p.rowBase[row];
            long t = (long) row * width;
            if (base < 0) {
                fill(dst, t, width, fill, esize);
            } else {
                gather(src, base, p.inner, dst, t, 0, p.midStart, fill, esize);
                if (p.midEnd > p.midStart) {
                    MemorySegment.copy(src, (base + p.inner[p.midStart]) * esize, dst, (t + p.midStart) * esize,
                            (long) (p.midEnd - p.midStart) * esize);
                }
                gather(src, base, p.inner, dst, t, p.midEnd, width, fill, esize);
            }
        }
    }

    /** dst[t + j] = src[base + map[j]] (or the fill) for j in [from, to). */
    private static void gather(MemorySegment src, long base, int[] map, MemorySegment dst, long t, int from, int to,
            long fill, int esize) {
        for (int j = from; j < to; j++) {
            int m = map[j];
            if (esize == 4) {
                dst.setAtIndex(ValueLayout.JAVA_INT, t + j,
                        m < 0 ? (int) fill : src.getAtIndex(ValueLayout.JAVA_INT, base + m));
            } else {
                dst.setAtIndex(ValueLayout.JAVA_LONG, t + j, m < 0 ? fill : src.getAtIndex(ValueLayout.JAVA_LONG, base + m));
            }
        }
    }

    private static void fill(MemorySegment dst, long t, int n, long fill, int esize) {
        for (int j = 0; j < n; j++) {
            if (esize == 4) {
                dst.setAtIndex(ValueLayout.JAVA_INT, t + j, (int) fill);
            } else {
                dst.setAtIndex(ValueLayout.JAVA_LONG, t + j, fill);
            }
        }
    }

    /** The constant's bits in the element type: raw float bits, or the int64 value. */
    private long fillBits(Tensor[] in) {
        boolean isFloat = in[0].type() == DType.FLOAT32;
        if (padsAttr != null) {
            return isFloat ? Float.floatToRawIntBits(valueAttr) : (long) valueAttr;
        }
        Tensor v = in.length > 2 ? in[2] : null;
        if (v == null || v.size() == 0) {
            return 0;
        }
        if (isFloat) {
            return Float.floatToRawIntBits(v.type() == DType.FLOAT32 ? v.getFloat(0) : v.getLong(0));
        }
        return v.type() == DType.INT64 ? v.getLong(0) : (long) v.getFloat(0);
    }
}
