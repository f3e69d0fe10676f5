package org.helu4j.runtime;

import java.util.Arrays;
import org.helu4j.Tensor;
import org.helu4j.graph.ValueInfo;
import org.helu4j.kernel.Parallel;
import org.helu4j.op.InferContext;
import org.helu4j.op.Op;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * Runs a {@link Plan} for one thread. Values live in a few off-heap buffers from a {@link BufferPool}, reused
 * across runs: planning gives each value computed at run time a buffer when its node runs and hands the buffer back
 * after the value's last read ({@link Liveness}), so activations share memory. A node's outputs never share a
 * buffer with its inputs, since those are handed back only after it ran. When a run's inputs have the same shapes
 * (and int64 inputs the same values) as the previous run's, every shape and so the whole plan is the same too:
 * inference is skipped and the kernels run straight into the buffers of the previous run, so a steady stream of
 * same-shaped inputs allocates nothing, on or off the heap. Other inputs are planned again.
 */
public final class Executor implements AutoCloseable {
    /**
     * {@code -Dhelu4j.poisonBuffers=true} fills each value's buffer with NaN bytes before its node writes it, so
     * that an op which leaves part of its output unwritten (and relied on zeroed, unshared memory) shows up in tests.
     */
    private static final boolean POISON = Boolean.getBoolean("helu4j.poisonBuffers");

    private final Plan plan;
    private final BufferPool pool = new BufferPool();
    private final int[] bufferOf;     // per slot, its buffer in the pool; -1 for constants and unplaced values
    private final boolean[] held;     // per slot, its buffer is not yet handed back
    private final boolean[] pinned;   // per slot, kept to the end of the run whatever its last read
    private long valueBytes;
    private final Tensor[] values;
    private final InferContext ctx = new InferContext();

    // The previous run, replayed when the inputs have the same shapes.
    private final Tensor[][] nodeIn;
    private final Tensor[][] nodeOut;
    private final boolean[] valueNode;
    private final boolean[] fromValues;
    private final Tensor[] outputs;
    private Shape[] lastShapes;
    private long[][] lastLongs;
    private boolean shapesDependOnData;
    private final int threads;
    private long[] opNanos;  // per op, the time spent in replays while profiling; null when not profiling
    private long profiledRuns;

    /** A single-threaded executor. */
    public Executor(Plan plan) {
        this(plan, 1);
    }

    /** An executor whose kernels split their work over {@code threads} threads (the caller's included). */
    public Executor(Plan plan, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, not " + threads);
        }
        this.threads = threads;
        this.plan = plan;
        int slots = plan.slotNames.length;
        this.bufferOf = new int[slots];
        this.held = new boolean[slots];
        this.pinned = new boolean[slots];
        this.values = new Tensor[slots];
        this.nodeIn = new Tensor[plan.ops.length][];
        this.nodeOut = new Tensor[plan.ops.length][];
        this.valueNode = new boolean[plan.ops.length];
        this.fromValues = new boolean[slots];
        this.outputs = new Tensor[plan.outputSlots.length];
    }

    /**
     * Runs the model on inputs given in the order of {@code plan.graph().inputs()} and returns the outputs in the
     * order of {@code plan.graph().outputs()}. The returned array and tensors are this executor's own: valid until
     * the next run.
     */
    public Tensor[] run(Tensor[] inputs) {
        int callerParallelism = Parallel.parallelism();
        Parallel.setParallelism(threads);
        try {
            if (lastShapes != null && !shapesDependOnData && sameAsLastRun(inputs)) {
                replay(inputs);
            } else {
                infer(inputs);
            }
        } finally {
            Parallel.setParallelism(callerParallelism);
        }
        for (int i = 0; i < outputs.length; i++) {
            outputs[i] = values[plan.outputSlots[i]];
        }
        return outputs;
    }

    private boolean sameAsLastRun(Tensor[] inputs) {
        for (int i = 0; i < inputs.length; i++) {
            if (!inputs[i].shape().equals(lastShapes[i]) || inputs[i].type() != values[plan.inputSlots[i]].type()) {
                return false;
            }
            if (lastLongs[i] != null) {
                for (long j = 0; j < lastLongs[i].length; j++) {
                    if (inputs[i].getLong(j) != lastLongs[i][(int) j]) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    private void replay(Tensor[] inputs) {
        for (int i = 0; i < inputs.length; i++) {
            inputs[i].copyTo(values[plan.inputSlots[i]]);
        }
        Op[] ops = plan.ops;
        long[] nanos = opNanos;
        if (nanos != null) {
            profiledReplay(ops, nanos);
            return;
        }
        for (int k = 0; k < ops.length; k++) {
            if (!plan.folded[k] && !valueNode[k]) {
                ops[k].run(nodeIn[k], nodeOut[k]);
            }
        }
    }

    private void profiledReplay(Op[] ops, long[] nanos) {
        for (int k = 0; k < ops.length; k++) {
            if (!plan.folded[k] && !valueNode[k]) {
                long t0 = System.nanoTime();
                ops[k].run(nodeIn[k], nodeOut[k]);
                nanos[k] += System.nanoTime() - t0;
            }
        }
        profiledRuns++;
    }

    /**
     * Starts (or, with false, stops) timing each op of the runs that replay the previous run's plan, the steady
     * state; starting clears what was measured. A timed run pays two clock reads per op.
     */
    public void profile(boolean on) {
        opNanos = on ? new long[plan.ops.length] : null;
        profiledRuns = 0;
    }

    /** Per op of the plan, the nanoseconds spent in it over the profiled runs (zeros for folded ops); null if off. */
    public long[] opNanos() {
        return opNanos == null ? null : opNanos.clone();
    }

    /** How many runs {@link #opNanos} covers. */
    public long profiledRuns() {
        return profiledRuns;
    }

    private void infer(Tensor[] inputs) {
        lastShapes = null;
        System.arraycopy(plan.constants, 0, values, 0, values.length);
        for (int s = 0; s < values.length; s++) {
            fromValues[s] = plan.constants[s] != null;
        }
        pool.releaseAll();
        Arrays.fill(bufferOf, -1);
        Arrays.fill(held, false);
        Arrays.fill(pinned, false);
        valueBytes = 0;
        Shape[] shapes = new Shape[inputs.length];
        long[][] longs = new long[inputs.length][];
        for (int i = 0; i < plan.inputSlots.length; i++) {
            Tensor in = inputs[i];
            Tensor buffer = place(plan.inputSlots[i], in.type(), in.shape());
            in.copyTo(buffer);
            shapes[i] = in.shape();
            if (in.type() == DType.INT64) {
                longs[i] = in.toLongArray();
                fromValues[plan.inputSlots[i]] = true;
            }
        }
        Op[] ops = plan.ops;
        for (int k = 0; k < ops.length; k++) {
            if (!plan.folded[k]) {
                inferAndRun(k, ops[k]);
                releaseDead(k);
            }
        }
        relink();
        lastShapes = shapes;
        lastLongs = longs;
    }

    private void inferAndRun(int k, Op op) {
        int[] ins = plan.inSlots[k];
        int[] outs = plan.outSlots[k];
        DType[] inTypes = new DType[ins.length];
        Shape[] inShapes = new Shape[ins.length];
        Tensor[] in = new Tensor[ins.length];
        for (int i = 0; i < ins.length; i++) {
            if (ins[i] >= 0) {
                in[i] = values[ins[i]];
                inTypes[i] = in[i].type();
                inShapes[i] = in[i].shape();
            }
        }
        ctx.reset(inTypes, inShapes, in, outs.length);
        boolean[] constant = new boolean[ins.length];
        for (int i = 0; i < ins.length; i++) {
            constant[i] = ins[i] >= 0 && plan.constants[ins[i]] != null;
        }
        ctx.markConstants(constant);
        try {
            op.infer(ctx);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(op.node().describe() + ": " + Plan.message(e), e);
        }
        for (int i = 0; i < ins.length; i++) {
            // A shape computed from data that is not itself shape arithmetic (e.g. Range over float inputs) may
            // change from run to run: such a plan is inferred every time.
            if (ctx.wasValueRead(i) && !fromValues[ins[i]]) {
                shapesDependOnData = true;
            }
        }
        Tensor[] out = new Tensor[outs.length];
        boolean allKnown = true;
        for (int j = 0; j < outs.length; j++) {
            if (outs[j] >= 0 && ctx.outputShape(j) == null) {
                // The node names more outputs than its operator makes (load time cannot see it when the input
                // shapes are symbolic).
                throw new IllegalArgumentException(op.node().describe() + " makes no output " + j + " ('"
                        + op.node().outputs().get(j) + "')");
            }
            allKnown &= ctx.outputValue(j) != null || outs[j] < 0;
            if (outs[j] >= 0) {
                out[j] = place(outs[j], ctx.outputType(j), ctx.outputShape(j));
            }
        }
        if (allKnown) {
            for (int j = 0; j < outs.length; j++) {
                if (out[j] != null) {
                    ctx.outputValue(j).copyTo(out[j]);
                    fromValues[outs[j]] = true;
                    pinned[outs[j]] = true;  // replays do not run this node: its outputs must keep their bytes
                }
            }
        } else {
            op.run(in, out);
        }
        valueNode[k] = allKnown;
        nodeIn[k] = in;
        nodeOut[k] = out;
    }

    /** Gives the slot's value a buffer of its own until its last read, and views it with the type and shape. */
    private Tensor place(int slot, DType type, Shape shape) {
        long bytes = Math.max(shape.size() * type.byteSize(), 1);
        int b = pool.acquire(bytes);
        bufferOf[slot] = b;
        held[slot] = true;
        valueBytes += BufferPool.rounded(bytes);
        Tensor t = Tensor.wrap(pool.segment(b).asSlice(0, bytes), type, shape);
        if (POISON) {
            t.segment().fill((byte) -1);  // NaN as float32, -1 as int64
        }
        values[slot] = t;
        return t;
    }

    /** Hands back the buffers of the values node {@code k} read or wrote for the last time. */
    private void releaseDead(int k) {
        for (int s : plan.inSlots[k]) {
            release(s, k);
        }
        for (int s : plan.outSlots[k]) {
            release(s, Liveness.UNUSED);
        }
    }

    private void release(int slot, int k) {
        if (slot >= 0 && held[slot] && plan.lastUse[slot] == k && !pinned[slot]) {
            pool.release(bufferOf[slot]);
            held[slot] = false;  // an input read twice by one node is released once
        }
    }

    /**
     * Points every placed value, and the replay's node arguments, at its buffer's final memory: a buffer grown
     * during planning moved, and the values it held before were dead by then, so no bytes need copying.
     */
    private void relink() {
        for (int s = 0; s < values.length; s++) {
            if (bufferOf[s] >= 0) {
                Tensor t = values[s];
                values[s] = Tensor.wrap(pool.segment(bufferOf[s]).asSlice(0, t.segment().byteSize()), t.type(),
                        t.shape());
            }
        }
        for (int k = 0; k < plan.ops.length; k++) {
            if (!plan.folded[k]) {
                relink(nodeIn[k], plan.inSlots[k]);
                relink(nodeOut[k], plan.outSlots[k]);
            }
        }
    }

    private void relink(Tensor[] args, int[] slots) {
        for (int i = 0; i < slots.length; i++) {
            if (slots[i] >= 0) {
                args[i] = values[slots[i]];
            }
        }
    }

    /**
     * The off-heap bytes this executor holds for values: its buffers, each value's bytes rounded up to 64 and
     * shared by values whose lifetimes do not overlap. 0 once closed.
     */
    public long bufferBytes() {
        return pool.bytes();
    }

    /** The bytes of the latest plan's values, each rounded up to 64, summed: what one buffer per value holds. */
    public long valueBytes() {
        return valueBytes;
    }

    /** Checks one caller input against its declaration. */
    public static void checkInput(ValueInfo declared, Tensor t) {
        if (t == null) {
            throw new IllegalArgumentException("input '" + declared.name() + "' is null");
        }
        if (declared.type() != null && declared.type() != t.type()) {
            throw new IllegalArgumentException("input '" + declared.name() + "' must be " + declared.type()
                    + ", not " + t.type());
        }
        int rank = declared.rank();
        if (rank < 0) {
            return;
        }
        boolean ok = rank == t.shape().rank();
        for (int i = 0; ok && i < rank; i++) {
            ok = declared.dim(i) < 0 || declared.dim(i) == t.shape().dim(i);
        }
        if (!ok) {
            throw new IllegalArgumentException("input '" + declared.name() + "' must have shape "
                    + declared.describeShape() + ", not " + t.shape());
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
