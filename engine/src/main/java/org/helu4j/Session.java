package org.helu4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.helu4j.graph.ValueInfo;
import org.helu4j.runtime.BatchSplit;
import org.helu4j.runtime.Executor;

/**
 * Runs a {@link Model} for one thread at a time. A session owns its working buffers (off-heap, reused across
 * runs), so run many inputs through one session rather than opening a session per input. Results are returned as
 * heap copies that stay valid after the next run.
 */
public final class Session implements AutoCloseable {
    private final Model model;
    private final Executor executor;
    private final BatchSplit split;
    private boolean profiling;
    private boolean closed;

    Session(Model model, int threads) {
        this.model = model;
        this.executor = new Executor(model.plan(), threads);
        this.split = threads > 1 && BatchSplit.separable(model.plan()) ? new BatchSplit(model.plan(), threads) : null;
    }

    /** A batch split into one sub-batch per thread when the model allows it and no op is being profiled. */
    private Tensor[] execute(Tensor[] inputs) {
        Tensor[] outputs = split != null && !profiling ? split.run(inputs) : null;
        return outputs != null ? outputs : executor.run(inputs);
    }

    /**
     * Runs the model on inputs given in the order of {@link Model#inputs()}.
     *
     * @return the outputs, in the order of {@link Model#outputs()}
     * @throws IllegalArgumentException if an input is missing, null, or of the wrong type or shape
     */
    public List<Tensor> run(Tensor... inputs) {
        checkInputs(inputs);
        model.beginRun();
        try {
            Tensor[] outputs = execute(inputs);
            List<Tensor> copies = new ArrayList<>(outputs.length);
            for (Tensor t : outputs) {
                copies.add(t.copy());
            }
            return copies;
        } finally {
            model.endRun();
        }
    }

    /**
     * Runs the model and copies each output into the caller's tensor of the same position, which must have the
     * output's type and element count. With same-shaped inputs from run to run, this path allocates nothing on
     * the Java heap: use it for steady-state serving.
     *
     * @throws IllegalArgumentException if an input or output tensor does not fit
     */
    public void runInto(Tensor[] inputs, Tensor[] outputs) {
        checkInputs(inputs);
        if (outputs == null || outputs.length != model.outputs().size()) {
            throw new IllegalArgumentException("the model has " + model.outputs().size() + " output(s), got "
                    + (outputs == null ? 0 : outputs.length) + " output tensor(s)");
        }
        model.beginRun();
        try {
            Tensor[] results = execute(inputs);
            for (int i = 0; i < results.length; i++) {
                if (outputs[i] == null) {
                    throw new IllegalArgumentException("output tensor " + i + " is null");
                }
                results[i].copyTo(outputs[i]);
            }
        } finally {
            model.endRun();
        }
    }

    private void checkInputs(Tensor[] inputs) {
        List<ValueInfo> declared = model.inputs();
        if (inputs == null || inputs.length != declared.size()) {
            throw new IllegalArgumentException("the model takes " + declared.size() + " input(s) "
                    + declared.stream().map(v -> v.name() + v.describeShape()).toList() + ", got "
                    + (inputs == null ? 0 : inputs.length));
        }
        for (int i = 0; i < inputs.length; i++) {
            Executor.checkInput(declared.get(i), inputs[i]);
        }
        if (closed) {
            throw new IllegalStateException("the session is closed");
        }
    }

    /**
     * Runs the model on named inputs.
     *
     * @return the outputs by name, in the order of {@link Model#outputs()}
     * @throws IllegalArgumentException if an input is missing, unknown, or of the wrong type or shape
     */
    public Map<String, Tensor> run(Map<String, Tensor> inputs) {
        if (inputs == null) {
            throw new IllegalArgumentException("the input map is null");
        }
        List<ValueInfo> declared = model.inputs();
        Tensor[] ordered = new Tensor[declared.size()];
        for (int i = 0; i < ordered.length; i++) {
            String name = declared.get(i).name();
            if (!inputs.containsKey(name)) {
                throw new IllegalArgumentException("missing input '" + name + "'; the model takes "
                        + declared.stream().map(ValueInfo::name).toList());
            }
            ordered[i] = inputs.get(name);
        }
        for (String name : inputs.keySet()) {
            if (declared.stream().noneMatch(v -> v.name().equals(name))) {
                throw new IllegalArgumentException("unknown input '" + name + "'; the model takes "
                        + declared.stream().map(ValueInfo::name).toList());
            }
        }
        List<Tensor> outputs = run(ordered);
        Map<String, Tensor> named = new LinkedHashMap<>();
        for (int i = 0; i < outputs.size(); i++) {
            named.put(model.outputs().get(i).name(), outputs.get(i));
        }
        return named;
    }

    /**
     * Starts timing every op of this session's steady-state runs (the runs whose inputs have the previous run's
     * shapes), clearing earlier figures; {@code false} stops it. A profiled run pays two clock reads per op, so
     * leave it off when measuring latency.
     */
    public void profile(boolean on) {
        executor.profile(on);
        profiling = on;
    }

    /** Per op that ran, its mean time over the profiled runs, in plan order; empty before a profiled run. */
    public List<OpTiming> opTimings() {
        long[] nanos = executor.opNanos();
        long runs = executor.profiledRuns();
        List<OpTiming> timings = new ArrayList<>();
        if (nanos == null || runs == 0) {
            return timings;
        }
        List<org.helu4j.op.Op> ops = model.plan().ops();
        for (int k = 0; k < nanos.length; k++) {
            if (nanos[k] > 0) {
                org.helu4j.op.Op op = ops.get(k);
                String name = op.node().name();
                timings.add(new OpTiming(k, name == null || name.isEmpty() ? op.node().opType() : name,
                        op.describe(), nanos[k] / 1e3 / runs));
            }
        }
        return timings;
    }

    /** Frees this session's buffers. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            executor.close();
            if (split != null) {
                split.close();
            }
        }
    }

    @Override
    public String toString() {
        return "Session" + Arrays.toString(model.inputs().stream().map(ValueInfo::name).toArray());
    }
}
