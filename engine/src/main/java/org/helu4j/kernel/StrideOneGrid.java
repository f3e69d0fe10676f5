package org.helu4j.kernel;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.helu4j.kernel.Gemm.Epilogue;

/**
 * A 2-D convolution with unit strides, computed on the grid of its zero-padded input, for {@link Conv}.
 *
 * <p>The input is copied once into planes padded on every side, {@code PW} columns wide. On that grid, output
 * (oh, ow) sits at {@code oh·PW + ow}, and tap (kh, kw) of every output is the padded plane shifted by
 * {@code kh·dilH·PW + kw·dilW}: a row of the im2col matrix is one contiguous slice, so a {@link Gemm} panel is
 * filled with whole vector copies, no bounds checks, no zero fill. The price is {@code PW - outW} extra columns
 * per output row, computed and dropped when the result is compacted into NCHW. A residual and an activation that
 * the micro-kernel cannot apply run on the compacted output.
 */
final class StrideOneGrid {
    private static final VectorSpecies<Float> F = Vectors.F;
    private static final int L = Vectors.LANES;
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final int SLOT_PADDED = 6, SLOT_GRID = 7;

    private StrideOneGrid() {
    }

    /** 2-D (or 3-D with depth 1), unit strides, a real window: the case this path covers. */
    static boolean applies(ConvGeometry g) {
        return g.strideH == 1 && g.strideW == 1 && g.kD == 1 && g.inD == 1 && g.outD == 1 && !g.isPointwise()
                && g.outH > 0 && g.outW > 0;
    }

    static void conv(MemorySegment out, MemorySegment in, MemorySegment pa, ConvGeometry g, Epilogue ep, int k) {
        int pw = g.outW + (g.kW - 1) * g.dilW;
        int ph = g.outH + (g.kH - 1) * g.dilH;
        long plane = (long) ph * pw;
        long planes = (long) g.batch * g.inChannels;
        // Slack after the last plane: the dropped columns of the last rows read up to (kW-1)·dilW + NR past it.
        long slack = (long) (g.kW - 1) * g.dilW + Gemm.NR + L;
        MemorySegment padded = Scratch.get(SLOT_PADDED, (planes * plane + slack) * Float.BYTES);
        pad(padded, in, g, pw, ph, planes, slack);
        int mg = g.outChannels / g.group;
        int cg = g.inChannels / g.group;
        long gridCols = (long) (g.outH - 1) * pw + g.outW;
        MemorySegment grid = Scratch.get(SLOT_GRID, (long) g.batch * g.outChannels * gridCols * Float.BYTES);
        // The micro-kernel applies a bias and ReLU itself; a residual is laid out like the output, not the grid.
        Epilogue onGrid = ep.residual() == null ? ep : new Epilogue(ep.alpha(), ep.bias(), ep.biasOff(),
                ep.biasRowStride(), ep.biasColStride(), ep.beta(), Gemm.Act.NONE, 0f, null);
        int strips = (mg + Gemm.MR - 1) / Gemm.MR;
        int chunkPanels = (int) Math.max(1, (1 << 15) / ((long) k * Gemm.NR));
        int chunkCols = chunkPanels * Gemm.NR;
        int chunks = (int) ((gridCols + chunkCols - 1) / chunkCols);
        int units = g.batch * g.group * chunks;
        int want = Parallel.tasksFor((long) g.batch * g.outChannels * gridCols * k, Integer.MAX_VALUE);
        int split = want <= 1 ? 1 : Math.max(1, Math.min(strips, (2 * want + units - 1) / units));
        int tasks = units * split;
        if (want <= 1) {
            for (int t = 0; t < tasks; t++) {
                task(grid, padded, pa, g, onGrid, k, pw, plane, gridCols, cg, mg, chunks, chunkCols, split, strips, t);
            }
        } else {
            Tasks job = TASKS.get();
            job.set(grid, padded, pa, g, onGrid, k, pw, plane, gridCols, cg, mg, chunks, chunkCols, split, strips);
            try {
                Parallel.forEach(tasks, job);
            } finally {
                job.set(null, null, null, null, null, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
            }
        }
        compact(out, grid, g, pw, gridCols);
        if (onGrid != ep) {
            long p = g.outSpatial();
            Epilogue rest = Epilogue.NONE.withAct(ep.act(), ep.actAlpha(), ep.actBeta()).withResidual(ep.residual());
            for (int b = 0; b < g.batch; b++) {
                Gemm.applyEpilogue(out, (long) b * g.outChannels * p, p, g.outChannels, (int) p, rest);
            }
        }
    }

    private static void task(MemorySegment grid, MemorySegment padded, MemorySegment pa, ConvGeometry g,
            Epilogue ep, int k, int pw, long plane, long gridCols, int cg, int mg, int chunks, int chunkCols,
            int split, int strips, int t) {
        int unit = t / split;
        int sg = t % split;
        int chunk = unit % chunks;
        int grp = unit / chunks % g.group;
        int b = unit / chunks / g.group;
        long col0 = (long) chunk * chunkCols;
        int cols = (int) Math.min(chunkCols, gridCols - col0);
        int panels = (cols + Gemm.NR - 1) / Gemm.NR;
        MemorySegment panel = Scratch.get(0, (long) panels * Gemm.NR * k * Float.BYTES);
        long base = ((long) b * g.inChannels + (long) grp * cg) * plane + col0;
        for (int q = 0; q < panels; q++) {
            long dst = (long) q * Gemm.NR * k * Float.BYTES;
            long first = base + (long) q * Gemm.NR;
            for (int ci = 0; ci < cg; ci++) {
                for (int kh = 0; kh < g.kH; kh++) {
                    long row = first + ci * plane + (long) kh * g.dilH * pw;
                    for (int kw = 0; kw < g.kW; kw++, dst += (long) Gemm.NR * Float.BYTES) {
                        long src = (row + (long) kw * g.dilW) * Float.BYTES;
                        for (int v = 0; v < Gemm.NRV; v++) {
                            FloatVector.fromMemorySegment(F, padded, src + (long) v * L * Float.BYTES, NO)
                                    .intoMemorySegment(panel, dst + (long) v * L * Float.BYTES, NO);
                        }
                    }
                }
            }
        }
        int s0 = (int) ((long) strips * sg / split);
        int s1 = (int) ((long) strips * (sg + 1) / split);
        Gemm.block(grid, (long) b * g.outChannels * gridCols, gridCols, grp * mg, mg, (int) col0, cols,
                pa, grp * Gemm.packedASize(mg, k), s0, s1, panel, 0, 0, panels, k, ep);
    }

    /** Copies every input plane into the middle of a zeroed, padded plane ({@code ph × pw}), then zeroes the slack. */
    private static void pad(MemorySegment padded, MemorySegment in, ConvGeometry g, int pw, int ph, long planes,
            long slack) {
        long plane = (long) ph * pw;
        FloatVector z = FloatVector.zero(F);
        int top = g.padH;
        int left = g.padW;
        int rows = Math.min(g.inH, ph - top);
        int width = Math.min(g.inW, pw - left);
        for (long c = 0; c < planes; c++) {
            long dst = c * plane;
            fill(padded, dst, plane, z);
            long src = c * g.inH * g.inW;
            for (int r = 0; r < rows; r++) {
                if (width > 0) {
                    MemorySegment.copy(in, (src + (long) r * g.inW) * Float.BYTES, padded,
                            (dst + (long) (top + r) * pw + left) * Float.BYTES, (long) width * Float.BYTES);
                }
            }
        }
        fill(padded, planes * plane, slack, z);
    }

    private static void fill(MemorySegment s, long at, long n, FloatVector z) {
        long i = 0;
        for (; i + L <= n; i += L) {
            z.intoMemorySegment(s, (at + i) * Float.BYTES, NO);
        }
        for (; i < n; i++) {
            s.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, at + i, 0f);
        }
    }

    /** out[b, m, oh, ow] = grid[b, m, oh·pw + ow]: drops the padding columns. */
    private static void compact(MemorySegment out, MemorySegment grid, ConvGeometry g, int pw, long gridCols) {
        long rowsOut = (long) g.batch * g.outChannels;
        long p = g.outSpatial();
        for (long r = 0; r < rowsOut; r++) {
            for (int oh = 0; oh < g.outH; oh++) {
                MemorySegment.copy(grid, (r * gridCols + (long) oh * pw) * Float.BYTES, out,
                        (r * p + (long) oh * g.outW) * Float.BYTES, (long) g.outW * Float.BYTES);
            }
        }
    }

    private static final ThreadLocal<Tasks> TASKS = ThreadLocal.withInitial(Tasks::new);

    /** The arguments of a parallel {@link #conv}, reused per thread so that its dispatch allocates nothing. */
    private static final class Tasks implements Parallel.Body {
        private MemorySegment grid, padded, pa;
        private ConvGeometry g;
        private Epilogue ep;
        private int k, pw, cg, mg, chunks, chunkCols, split, strips;
        private long plane, gridCols;

        void set(MemorySegment grid, MemorySegment padded, MemorySegment pa, ConvGeometry g, Epilogue ep, int k,
                int pw, long plane, long gridCols, int cg, int mg, int chunks, int chunkCols, int split, int strips) {
            this.grid = grid;
            this.padded = padded;
            this.pa = pa;
            this.g = g;
            this.ep = ep;
            this.k = k;
            this.pw = pw;
            this.plane = plane;
            this.gridCols = gridCols;
            this.cg = cg;
            this.mg = mg;
            this.chunks = chunks;
            this.chunkCols = chunkCols;
            this.split = split;
            this.strips = strips;
        }

        @Override
        public void run(int t) {
            task(grid, padded, pa, g, ep, k, pw, plane, gridCols, cg, mg, chunks, chunkCols, split, strips, t);
        }
    }
}
