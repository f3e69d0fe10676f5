package org.helu4j.op;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import org.helu4j.Tensor;
import org.helu4j.graph.Attributes;
import org.helu4j.graph.Node;
import org.helu4j.kernel.Vectors;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;
import org.junit.jupiter.api.Test;

/**
 * Softmax and LogSoftmax over an inner (non-last) axis allocate nothing on the heap once compiled: the kernel's
 * column form keeps a mask and several vectors live across loops, which C2 used to box (about 4.6 kB a run).
 * Compilation is asynchronous, so batches run until one allocates nothing, within a deadline.
 */
class SoftmaxAllocationTest {
    private record Case(Op op, Tensor[] in, Tensor[] out) {
    }

    private static Case compile(Arena arena, String type, long axis, long... dims) throws Exception {
        Tensor x = Tensor.allocate(arena, DType.FLOAT32, Shape.of(dims));
        for (long i = 0; i < x.size(); i++) {
            x.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, i % 11 * 0.37f - 2);
        }
        Op op = OpRegistry.create(new Node("n", type, "", 13, List.of("x"), List.of("y"),
                new Attributes(Map.of("axis", axis))));
        return new Case(op, new Tensor[] {x}, new Tensor[] {Tensor.allocate(arena, DType.FLOAT32, x.shape())});
    }

    @Test
    void innerAxisRunsAllocateNothing() throws Exception {
        // exp and log are allocation-free only where the JDK has vector math stubs for them (SVML on x86-64).
        assumeTrue(System.getProperty("os.arch").equals("amd64") && Vectors.BITS >= 256);
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Arena arena = Arena.ofConfined()) {
            Case[] all = {
                    compile(arena, "Softmax", 1, 2, 8, 5, 5),      // inner 25: full vectors and a masked tail
                    compile(arena, "LogSoftmax", 1, 2, 8, 5, 5),
                    compile(arena, "Softmax", 2, 2, 8, 5, 3),      // inner 3: one masked vector
                    compile(arena, "LogSoftmax", 0, 4, 40)};       // outer 1
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
            for (Case c : all) {
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 100; i++) {
                    c.op.run(c.in, c.out);
                }
                long perRun = (threads.getCurrentThreadAllocatedBytes() - before) / 100;
                if (perRun > 0) {
                    which.append(' ').append(c.op.describe()).append(c.in[0].shape()).append('=').append(perRun);
                }
            }
            fail("a batch of inner-axis softmax runs still allocated " + bytes + " bytes after a minute of warm-up;"
                    + " bytes per run:" + which);
        }
    }
}
