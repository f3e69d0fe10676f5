package org.helu4j.op;

import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.helu4j.Tensor;
import org.helu4j.graph.Attributes;
import org.helu4j.graph.Node;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;
import org.junit.jupiter.api.Test;

/**
 * Once compiled, the data-movement ops that sit on CNN hot paths (Concat, Transpose, Pad, Slice, Split,
 * ReduceMean, Resize, Flatten, Gather, Expand, Tile, DepthToSpace, LayerNormalization, InstanceNormalization) allocate nothing on the heap per run. Compilation is asynchronous, so batches run
 * until one allocates nothing, within a deadline.
 */
class ShapeOpsAllocationTest {
    private record Case(Op op, Tensor[] in, Tensor[] out) {
    }

    private static Tensor offHeap(Arena arena, long... dims) {
        Tensor t = Tensor.allocate(arena, DType.FLOAT32, Shape.of(dims));
        for (long i = 0; i < t.size(); i++) {
            t.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, i % 7 - 3);
        }
        return t;
    }

    private static Case compile(Arena arena, String type, long opset, Map<String, Object> attrs, int outputs,
            Tensor... in) throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < in.length; i++) {
            names.add("in" + i);
        }
        List<String> outs = new ArrayList<>();
        for (int j = 0; j < outputs; j++) {
            outs.add("y" + j);
        }
        Op op = OpRegistry.create(new Node("n", type, "", opset, names, outs, new Attributes(attrs)));
        DType[] types = new DType[in.length];
        Shape[] shapes = new Shape[in.length];
        for (int i = 0; i < in.length; i++) {
            types[i] = in[i].type();
            shapes[i] = in[i].shape();
        }
        InferContext ctx = new InferContext();
        ctx.reset(types, shapes, in.clone(), outputs);
        op.infer(ctx);
        Tensor[] out = new Tensor[outputs];
        for (int j = 0; j < outputs; j++) {
            out[j] = Tensor.allocate(arena, ctx.outputType(j), ctx.outputShape(j));
        }
        return new Case(op, in, out);
    }

    @Test
    void steadyStateRunsAllocateNothing() throws Exception {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = offHeap(arena, 2, 8, 5, 6);
            Tensor y = offHeap(arena, 2, 3, 5, 6);
            List<Case> cases = List.of(
                    compile(arena, "Concat", 13, Map.of("axis", 1L), 1, x, y),
                    compile(arena, "Transpose", 13, Map.of("perm", new long[] {0, 2, 3, 1}), 1, x),
                    compile(arena, "Transpose", 13, Map.of("perm", new long[] {0, 2, 1, 3}), 1, x),
                    compile(arena, "Pad", 13, Map.of(), 1, x, Tensor.ofLongs(new long[] {0, 0, 1, 1, 0, 0, 1, 1}, 8)),
                    compile(arena, "Pad", 13, Map.of("mode", "reflect"), 1, x, Tensor.ofLongs(new long[] {0, 0, 1, 2, 0, 0, 2, 1}, 8)),
                    compile(arena, "Slice", 13, Map.of(), 1, x, Tensor.ofLongs(new long[] {1}, 1), Tensor.ofLongs(new long[] {5}, 1),
                            Tensor.ofLongs(new long[] {3}, 1), Tensor.ofLongs(new long[] {2}, 1)),
                    compile(arena, "Split", 13, Map.of("axis", 1L), 2, x),
                    compile(arena, "ReduceMean", 13, Map.of("axes", new long[] {2, 3}), 1, x),
                    compile(arena, "ReduceMean", 13, Map.of("axes", new long[] {1}), 1, x),
                    compile(arena, "Resize", 13, Map.of("mode", "nearest"), 1, x, Tensor.of(new float[0], 0),
                            Tensor.of(new float[] {1, 1, 2, 2}, 4)),
                    compile(arena, "Resize", 13, Map.of("mode", "linear"), 1, x, Tensor.of(new float[0], 0),
                            Tensor.of(new float[] {1, 1, 2, 2}, 4)),
                    compile(arena, "Flatten", 13, Map.of(), 1, x),
                    compile(arena, "Expand", 13, Map.of(), 1, offHeap(arena, 8, 1, 1), Tensor.ofLongs(new long[] {2, 8, 5, 6}, 4)),
                    compile(arena, "Tile", 13, Map.of(), 1, y, Tensor.ofLongs(new long[] {1, 2, 1, 3}, 4)),
                    compile(arena, "DepthToSpace", 13, Map.of("blocksize", 2L), 1, x),
                    compile(arena, "LayerNormalization", 17, Map.of(), 3, x, offHeap(arena, 6), offHeap(arena, 6)),
                    compile(arena, "InstanceNormalization", 13, Map.of(), 1, x, offHeap(arena, 8), offHeap(arena, 8)),
                    compile(arena, "Gather", 13, Map.of("axis", 1L), 1, x, Tensor.ofLongs(new long[] {3, 1}, 2)));
            Case[] all = cases.toArray(Case[]::new);
            long deadline = System.nanoTime() + 20_000_000_000L;
            long bytes = -1;
            while (System.nanoTime() < deadline) {
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 200; i++) {
                    for (int k = 0; k < all.length; k++) { // indexed: an iterator here could be the allocation seen
                        all[k].op.run(all[k].in, all[k].out);
                    }
                }
                bytes = threads.getCurrentThreadAllocatedBytes() - before;
                if (bytes == 0) {
                    return;
                }
            }
            StringBuilder which = new StringBuilder();
            for (Case c : cases) {
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 100; i++) {
                    c.op.run(c.in, c.out);
                }
                long perRun = (threads.getCurrentThreadAllocatedBytes() - before) / 100;
                if (perRun > 0) {
                    which.append(' ').append(c.op.describe()).append(c.in[0].shape()).append('=').append(perRun);
                }
            }
            fail("a batch of shape-op runs still allocated " + bytes + " bytes after 20 s of warm-up; bytes per run:" + which);
        }
    }
}
