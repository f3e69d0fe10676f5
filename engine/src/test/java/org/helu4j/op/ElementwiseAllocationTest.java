package org.helu4j.op;

import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.helu4j.Tensor;
import org.helu4j.graph.Attributes;
import org.helu4j.graph.Node;
import org.helu4j.kernel.Vectors;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;
import org.junit.jupiter.api.Test;

/**
 * Once the JIT has compiled them, the elementwise ops' {@code run} allocates nothing on the heap: no boxed
 * vectors (every lanewise op is a constant in its own loop) and no per-run broadcast plans (the last plan is
 * reused). Compilation is asynchronous, so the test runs batches until one allocates nothing, within a deadline
 * (a second or two on an idle machine).
 */
class ElementwiseAllocationTest {
    private record Case(Op op, Tensor[] in, Tensor[] out) {
    }

    private static Tensor offHeap(Arena arena, Random rnd, long... dims) {
        Tensor t = Tensor.allocate(arena, DType.FLOAT32, Shape.of(dims));
        for (long i = 0; i < t.size(); i++) {
            t.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, rnd.nextFloat() * 4 - 2);
        }
        return t;
    }

    private static Case compile(Arena arena, String type, long opset, Map<String, Object> attrs, Tensor... in)
            throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < in.length; i++) {
            names.add("in" + i);
        }
        Op op = OpRegistry.create(new Node("n", type, "", opset, names, List.of("y"), new Attributes(attrs)));
        DType[] types = new DType[in.length];
        Shape[] shapes = new Shape[in.length];
        for (int i = 0; i < in.length; i++) {
            types[i] = in[i].type();
            shapes[i] = in[i].shape();
        }
        InferContext ctx = new InferContext();
        ctx.reset(types, shapes, new Tensor[in.length], 1);
        op.infer(ctx);
        return new Case(op, in, new Tensor[] {Tensor.allocate(arena, ctx.outputType(0), ctx.outputShape(0))});
    }

    @Test
    void steadyStateRunsAllocateNothing() throws Exception {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Random rnd = new Random(5);
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = offHeap(arena, rnd, 2, 8, 5, 5);
            // 600 floats, not whole vectors: Gelu's last pass overlaps the one before (the masked tails of the
            // others stay out of this test: interpreted, they made the warm-up ten times longer)
            Tensor ragged = offHeap(arena, rnd, 3, 8, 5, 5);
            Tensor bias = offHeap(arena, rnd, 8, 1, 1);
            Tensor row = offHeap(arena, rnd, 5);
            Tensor scalar = offHeap(arena, rnd);
            List<Case> cases = new ArrayList<>(List.of(
                    compile(arena, "Add", 13, Map.of(), x, bias),
                    compile(arena, "Mul", 13, Map.of(), x, x),
                    compile(arena, "Div", 13, Map.of(), x, scalar),
                    compile(arena, "Sub", 13, Map.of(), scalar, x),
                    compile(arena, "Sum", 13, Map.of(), x, bias, row),
                    compile(arena, "PRelu", 13, Map.of(), x, bias),
                    compile(arena, "Relu", 13, Map.of(), x),
                    compile(arena, "LeakyRelu", 13, Map.of(), x),
                    compile(arena, "HardSigmoid", 13, Map.of(), x),
                    compile(arena, "Clip", 13, Map.of(), x, scalar, offHeap(arena, rnd))));
            // exp, tanh and friends are allocation-free where the JDK has vector math stubs for them (SVML on
            // x86-64); elsewhere the Vector API computes them lane by lane through a boxed fallback.
            if (System.getProperty("os.arch").equals("amd64") && Vectors.BITS >= 256) {
                cases.addAll(List.of(
                        compile(arena, "Sigmoid", 13, Map.of(), x),
                        compile(arena, "Erf", 13, Map.of(), x),
                        compile(arena, "Gelu", 17, Map.of(), x),
                        compile(arena, "Gelu", 17, Map.of(), ragged),
                        // The last-axis form; SoftmaxAllocationTest holds the inner-axis forms to zero.
                        compile(arena, "Softmax", 13, Map.of(), x),
                        compile(arena, "LogSoftmax", 11, Map.of(), x)));
            }
            Case[] all = cases.toArray(Case[]::new);
            long deadline = System.nanoTime() + 60_000_000_000L;
            long bytes = -1;
            while (System.nanoTime() < deadline) {
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 500; i++) {
                    for (int k = 0; k < all.length; k++) {  // indexed: an iterator would be the allocation seen
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
            fail("a batch of elementwise runs still allocated " + bytes + " bytes after a minute of warm-up; bytes per"
                    + " run:" + which);
        }
    }
}
