package org.helu4j.runtime;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Set;
import org.helu4j.Tensor;
import org.helu4j.graph.Attributes;
import org.helu4j.graph.Node;
import org.helu4j.kernel.Parallel;
import org.helu4j.tensor.Shape;

/**
 * Runs a batch as sub-batches, one per thread, each through a single-threaded {@link Executor} of its own, for a
 * model whose every op treats the samples of a batch independently ({@link #separable}). Split op by op instead,
 * the shipped models at batch 8 gained only 1.1-1.4× from a second thread: each op handed its work over and
 * waited, and read from the other core's cache what the op before had written there. A sub-batch per thread keeps
 * its activations in one core's cache from the first op to the last, and the threads meet once per run.
 */
public final class BatchSplit implements AutoCloseable {
    /** Ops that compute each sample from that sample alone, whatever their attributes (NCHW: axis 0 is the batch). */
    private static final Set<String> PER_SAMPLE = Set.of("Conv", "ConvTranspose", "MaxPool", "AveragePool", "LpPool",
            "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool", "BatchNormalization", "InstanceNormalization", "LRN",
            "Relu", "LeakyRelu", "Elu", "Selu", "Celu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh",
            "Softplus", "Softsign", "Gelu", "Erf", "Exp", "Log", "Sqrt", "Abs", "Neg", "Reciprocal", "Floor", "Ceil",
            "Round", "Sign", "Sin", "Cos", "Identity", "Dropout", "Mish");
    /** Element-wise ops with broadcasting: per sample when no constant operand varies along the batch. */
    private static final Set<String> ELEMENTWISE = Set.of("Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum",
            "Mean");
    private static final Set<String> REDUCE = Set.of("ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin",
            "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSumExp", "ReduceSumSquare");

    private final Executor[] parts;
    private final Job job = new Job();
    private boolean broken;
    // The slices of the last inputs, reused while the same tensors come back, so a steady run allocates nothing.
    private MemorySegment[] lastSources = new MemorySegment[0];
    private Shape[] lastShapes = new Shape[0];
    /** Per part, its slice of each input. */
    private Tensor[][] slices = new Tensor[0][];
    private final Tensor[] outputs;
    private final Arena arena = Arena.ofShared();

    /** Up to {@code threads} sub-batches for {@code plan}, which must be {@link #separable}. */
    public BatchSplit(Plan plan, int threads) {
        parts = new Executor[threads];
        for (int i = 0; i < threads; i++) {
            parts[i] = new Executor(plan, 1);
        }
        outputs = new Tensor[plan.outputSlots.length];
    }

    /**
     * True when every op the plan runs computes each sample of a batch from that sample alone: the per-sample
     * ops, and those whose attributes keep them off axis 0 (Flatten, Gemm and MatMul with constant weights,
     * element-wise ops whose constants are the same for every sample, reductions, Softmax, Concat and Transpose).
     * Anything else (Reshape, Shape, Gather, ...) could mix samples, and the model runs whole.
     */
    public static boolean separable(Plan plan) {
        if (plan.inputSlots.length == 0 || plan.outputSlots.length == 0) {
            return false;
        }
        for (int k = 0; k < plan.ops.length; k++) {
            if (!plan.folded[k] && !perSample(plan, k)) {
                return false;
            }
        }
        for (int slot : plan.outputSlots) {
            if (plan.constants[slot] != null) {
                return false;
            }
        }
        return true;
    }

    private static boolean perSample(Plan plan, int k) {
        Node n = plan.ops[k].node();
        Attributes a = n.attributes();
        String op = n.opType();
        if (!n.domain().isEmpty() && !n.domain().equals("ai.onnx")) {
            return false;
        }
        if (PER_SAMPLE.contains(op)) {
            return true;
        }
        if (ELEMENTWISE.contains(op)) {
            for (int i = 0; i < plan.inSlots[k].length; i++) {
                Tensor c = constant(plan, k, i);
                if (c != null && c.shape().rank() > 1 && c.shape().dim(0) != 1) {
                    return false;  // may broadcast along the batch: [C, 1, 1] against [N, C', X]
                }
            }
            return true;
        }
        return switch (op) {
            case "Flatten" -> a.getInt("axis", 1) >= 1;
            case "Gemm" -> a.getInt("transA", 0) == 0 && constant(plan, k, 1) != null
                    && (!present(plan, k, 2) || constant(plan, k, 2) != null && rowsFree(constant(plan, k, 2)));
            case "MatMul" -> constant(plan, k, 1) != null && constant(plan, k, 1).shape().rank() == 2;
            case "Softmax", "LogSoftmax" -> !a.has("axis") || a.getInt("axis", 1) > 0;
            case "Concat" -> a.getInt("axis", 0) > 0;
            case "Transpose" -> a.has("perm") && a.getInts("perm").length > 0 && a.getInts("perm")[0] == 0;
            default -> REDUCE.contains(op) && a.has("axes") && plan.inSlots[k].length == 1 && allPositive(a.getInts("axes"));
        };
    }

    private static boolean present(Plan plan, int k, int i) {
        return i < plan.inSlots[k].length && plan.inSlots[k][i] >= 0;
    }

    private static Tensor constant(Plan plan, int k, int i) {
        int[] in = plan.inSlots[k];
        return i < in.length && in[i] >= 0 ? plan.constants[in[i]] : null;
    }

    /** A Gemm bias C that is the same for every row: rank 0 or 1, or [1, n]. */
    private static boolean rowsFree(Tensor c) {
        return c.shape().rank() < 2 || c.shape().dim(0) == 1;
    }

    private static boolean allPositive(long[] axes) {
        for (long x : axes) {
            if (x <= 0) {
                return false;
            }
        }
        return axes.length > 0;
    }

    /**
     * Runs the inputs as up to {@code threads} equal sub-batches in parallel and returns the outputs (this
     * object's tensors, valid until the next run), or null when they do not split: a scalar input, inputs of
     * different batch sizes, a batch smaller than 2 or not a multiple of the sub-batches (ops cache the plan of
     * their last shapes, so sub-batches of two sizes would make them plan again every run), or outputs that did
     * not come back per sample (the split is then off for good, and the caller runs the model whole).
     */
    public Tensor[] run(Tensor[] inputs) {
        long n = batchOf(inputs);
        int count = (int) Math.min(parts.length, n);
        if (broken || n < 2 || n % count != 0) {
            return null;  // uneven sub-batches would take turns in the ops' caches of their last shapes
        }
        prepareSlices(inputs, n, count);
        int callerParallelism = Parallel.parallelism();
        Parallel.setParallelism(count);
        try {
            job.set(parts, slices);
            Parallel.forEach(count, job);
        } finally {
            Parallel.setParallelism(callerParallelism);
        }
        if (!gather(n, count)) {
            broken = true;
            return null;
        }
        return outputs;
    }

    private static long batchOf(Tensor[] inputs) {
        long n = -1;
        for (Tensor t : inputs) {
            if (t.shape().rank() == 0 || n >= 0 && t.shape().dim(0) != n) {
                return -1;
            }
            n = t.shape().dim(0);
        }
        return n;
    }

    private void prepareSlices(Tensor[] inputs, long n, int count) {
        boolean same = slices.length == count && lastSources.length == inputs.length;
        for (int i = 0; same && i < inputs.length; i++) {
            same = lastSources[i] == inputs[i].segment() && lastShapes[i].equals(inputs[i].shape());
        }
        if (same) {
            return;
        }
        long sub = n / count;
        slices = new Tensor[count][inputs.length];
        lastSources = new MemorySegment[inputs.length];
        lastShapes = new Shape[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            Tensor t = inputs[i];
            long bytes = t.shape().size() / count * t.type().byteSize();
            Shape shape = withBatch(t.shape(), sub);
            for (int p = 0; p < count; p++) {
                slices[p][i] = Tensor.wrap(t.segment().asSlice(p * bytes, bytes), t.type(), shape);
            }
            lastSources[i] = t.segment();
            lastShapes[i] = t.shape();
        }
    }

    /** The parts' outputs, copied into whole-batch outputs; false when one is not [sub-batch, ...] as expected. */
    private boolean gather(long n, int count) {
        Tensor[][] results = job.results;
        for (int o = 0; o < outputs.length; o++) {
            Tensor first = results[0][o];
            if (first.shape().rank() == 0) {
                return false;
            }
            Tensor whole = outputs[o];
            if (whole == null || whole.type() != first.type() || !sameSample(whole.shape(), first.shape())
                    || whole.shape().dim(0) != n) {
                whole = outputs[o] = Tensor.allocate(arena, first.type(), withBatch(first.shape(), n));
            }
            long offset = 0;
            for (int p = 0; p < count; p++) {
                Tensor part = results[p][o];
                if (part.type() != first.type() || !sameSample(part.shape(), first.shape())
                        || part.shape().dim(0) != n / count) {
                    return false;
                }
                long bytes = part.shape().size() * part.type().byteSize();
                MemorySegment.copy(part.segment(), 0, whole.segment(), offset, bytes);
                offset += bytes;
            }
        }
        return true;
    }

    /** Same rank and the same dimensions after the first. */
    private static boolean sameSample(Shape a, Shape b) {
        if (a.rank() != b.rank()) {
            return false;
        }
        for (int d = 1; d < a.rank(); d++) {
            if (a.dim(d) != b.dim(d)) {
                return false;
            }
        }
        return true;
    }

    private static Shape withBatch(Shape s, long batch) {
        long[] dims = s.longDims();
        dims[0] = batch;
        return Shape.of(dims);
    }

    @Override
    public void close() {
        for (Executor e : parts) {
            e.close();
        }
        arena.close();
    }

    /** One sub-batch per task; reused, so a run allocates nothing. */
    private static final class Job implements Parallel.Body {
        private Executor[] parts;
        private Tensor[][] slices;
        /** Each part's outputs: its executor's tensors, valid until its next run. */
        Tensor[][] results = new Tensor[0][];

        void set(Executor[] parts, Tensor[][] slices) {
            this.parts = parts;
            this.slices = slices;
            if (results.length != slices.length) {
                results = new Tensor[slices.length][];
            }
        }

        @Override
        public void run(int p) {
            results[p] = parts[p].run(slices[p]);
        }
    }
}
