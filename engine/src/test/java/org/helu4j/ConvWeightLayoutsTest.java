package org.helu4j;

import static org.helu4j.onnx.OnnxFiles.floatTensor;
import static org.helu4j.onnx.OnnxFiles.floatValue;
import static org.helu4j.onnx.OnnxFiles.model;
import static org.helu4j.onnx.OnnxFiles.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.helu4j.kernel.Conv;
import org.helu4j.kernel.ConvGeometry;
import org.helu4j.kernel.Gemm;
import org.helu4j.kernel.ref.ConvRef;
import org.junit.jupiter.api.Test;

/**
 * A conv's constant weights are packed on first use, in the layout of the kernel that the call's shape picks (the
 * strips, or Winograd's or channel lanes' transform): one session running one conv at batches that pick different
 * kernels, in turn, must match the scalar reference at each of them.
 */
class ConvWeightLayoutsTest {
    private static final int SIDE = 7;
    private static final int[] CHANNELS = {32, 48, 64, 96, 128};
    private static final int[] BATCHES = {1, 2, 3, 4};

    private static ConvGeometry geometry(int batch, int c) {
        return new ConvGeometry(batch, c, c, 1, new int[] {SIDE, SIDE}, new int[] {3, 3}, new int[] {1, 1},
                new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, new int[] {SIDE, SIDE});
    }

    private static Set<Conv.Transform> layouts(int c) {
        Set<Conv.Transform> seen = EnumSet.noneOf(Conv.Transform.class);
        for (int n : BATCHES) {
            seen.add(Conv.Transform.of(geometry(n, c), Gemm.Epilogue.NONE));
        }
        return seen;
    }

    private static float[] random(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextFloat() - 0.5f;
        }
        return v;
    }

    @Test
    void aConvRunAtBatchesThatPickDifferentKernelsMatchesTheReferenceAtEach() throws Exception {
        int c = 0;
        for (int candidate : CHANNELS) {
            Set<Conv.Transform> seen = layouts(candidate);
            if (seen.contains(Conv.Transform.NONE) && seen.size() > 1) {
                c = candidate;
                break;
            }
        }
        // At 512 bits, 64 channels at 7×7 take the strips at batch 1 and channel lanes from batch 2.
        assumeTrue(c > 0, "no channel count here whose kernel changes with the batch");
        Random rnd = new Random(11);
        float[] w = random(rnd, c * c * 9);
        AttributeProto pads = AttributeProto.newBuilder().setName("pads").setType(AttributeProto.AttributeType.INTS)
                .addInts(1).addInts(1).addInts(1).addInts(1).build();
        GraphProto g = GraphProto.newBuilder()
                .addInput(floatValue("x", -1, c, SIDE, SIDE))
                .addInitializer(floatTensor("w", w, c, c, 3, 3))
                .addNode(node("Conv", "conv", new String[] {"x", "w"}, "y").toBuilder().addAttribute(pads).build())
                .addOutput(floatValue("y", -1, c, SIDE, SIDE))
                .build();
        try (Model m = Model.load(model(g).toByteArray()); Session s = m.newSession(); Arena arena = Arena.ofConfined()) {
            MemorySegment ws = arena.allocateFrom(ValueLayout.JAVA_FLOAT, w);
            int[] order = {BATCHES[3], BATCHES[0], BATCHES[1], BATCHES[0], BATCHES[2], BATCHES[3]};
            for (int n : order) {
                float[] x = random(rnd, n * c * SIDE * SIDE);
                List<Tensor> out = s.run(Tensor.of(x, new long[] {n, c, SIDE, SIDE}));
                MemorySegment want = arena.allocate((long) x.length * Float.BYTES);
                ConvRef.conv(want, arena.allocateFrom(ValueLayout.JAVA_FLOAT, x), ws, null, geometry(n, c), false);
                float[] got = out.get(0).toFloatArray();
                assertEquals(x.length, got.length);
                for (int i = 0; i < got.length; i++) {
                    float e = want.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                    assertTrue(Math.abs(got[i] - e) <= 1e-4f * (1 + Math.abs(e)),
                            "batch " + n + ", element " + i + ": " + got[i] + " vs " + e + " (kernel "
                                    + Conv.Transform.of(geometry(n, c), Gemm.Epilogue.NONE) + ")");
                }
            }
        }
    }
}
