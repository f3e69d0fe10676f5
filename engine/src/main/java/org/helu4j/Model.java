package org.helu4j;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.helu4j.graph.Graph;
import org.helu4j.graph.ValueInfo;
import org.helu4j.graph.passes.Optimizer;
import org.helu4j.onnx.OnnxLoader;
import org.helu4j.runtime.Plan;

/**
 * A loaded, compiled model: immutable and safe to share between threads. Each thread runs it through its own
 * {@link Session}.
 *
 * <pre>{@code
 * try (Model model = Model.load(Path.of("models/fashion-cnn/fashion-cnn-helu-a0.01-s0.onnx"));
 *      Session session = model.newSession()) {
 *     float[] logits = session.run(Tensor.of(image, 1, 1, 28, 28)).get(0).toFloatArray();
 * }
 * }</pre>
 *
 * <p><b>Thread safety.</b> {@code Model} methods may be called from any thread. A {@code Session} belongs to one
 * thread at a time. {@link #close()} waits for runs in flight to finish, then frees the weights; sessions that
 * run after that get an {@link IllegalStateException}. Closing is therefore always safe, never a crash.
 */
public final class Model implements AutoCloseable {
    private final Arena arena;
    private final Graph graph;
    private final Plan plan;
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private volatile boolean closed;

    private Model(Arena arena, Graph graph, Plan plan) {
        this.arena = arena;
        this.graph = graph;
        this.plan = plan;
    }

    /**
     * Loads and compiles an ONNX model.
     *
     * @throws IOException                   if the file cannot be read
     * @throws UnsupportedOperatorException  if the model uses an operator helu4j does not implement
     * @throws ModelFormatException          if the file is not a valid, consistent ONNX model
     */
    public static Model load(Path file) throws IOException, ModelFormatException {
        return load(file, LoadOptions.DEFAULT);
    }

    /**
     * Loads a model and exposes the named internal values as extra outputs, after the declared ones (for tools
     * that observe activations, such as dead-unit counting).
     */
    public static Model load(Path file, List<String> extraOutputs) throws IOException, ModelFormatException {
        return load(file, LoadOptions.DEFAULT.withExtraOutputs(extraOutputs));
    }

    /** Loads and compiles an ONNX model with the given options. */
    public static Model load(Path file, LoadOptions options) throws IOException, ModelFormatException {
        Arena arena = Arena.ofShared();
        try {
            return compile(arena, OnnxLoader.load(file, arena), options);
        } catch (IOException | ModelFormatException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private static Model compile(Arena arena, Graph graph, LoadOptions options) throws ModelFormatException {
        if (!options.extraOutputs().isEmpty()) {
            graph = graph.withExtraOutputs(options.extraOutputs());
        }
        if (options.optimize()) {
            graph = Optimizer.optimize(graph, arena);
        }
        return new Model(arena, graph, Plan.compile(graph, arena));
    }

    /** Loads a model from bytes; external data is refused, since there is no folder to resolve it in. */
    public static Model load(byte[] onnx) throws ModelFormatException {
        Arena arena = Arena.ofShared();
        try {
            return compile(arena, OnnxLoader.load(onnx, arena, null), LoadOptions.DEFAULT);
        } catch (ModelFormatException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** A new session for the calling thread. Sessions are cheap; their buffers grow on first use. */
    public Session newSession() {
        return newSession(1);
    }

    /**
     * A new session whose kernels split large operations over {@code threads} threads: the calling thread plus
     * workers from a pool shared by the process (like ONNX Runtime's intra-op threads). When every op of the model
     * treats the samples of a batch independently and the batch divides evenly, each thread instead runs a
     * sub-batch through the whole model ({@link org.helu4j.runtime.BatchSplit}). Use 1 when many sessions
     * already run in parallel. The workers read the input tensors, so with more than one thread, inputs made by
     * {@link Tensor#wrap} must live in memory any thread may access (a shared or automatic arena, not a confined
     * one).
     */
    public Session newSession(int threads) {
        ensureOpen();
        return new Session(this, threads);
    }

    /** The inputs a caller must feed, in order. A dimension of -1 is symbolic (for example the batch). */
    public List<ValueInfo> inputs() {
        return graph.inputs();
    }

    /** The outputs, in order. */
    public List<ValueInfo> outputs() {
        return graph.outputs();
    }

    /** The file's {@code metadata_props} (training facts such as {@code activation}, {@code test_accuracy}). */
    public Map<String, String> metadata() {
        return graph.metadata();
    }

    /** The validated IR, for tools. */
    public Graph graph() {
        return graph;
    }

    /** The compiled plan, for tools. */
    public Plan plan() {
        return plan;
    }

    /** Marks the start of a run; fails if the model is closed. */
    void beginRun() {
        lifecycle.readLock().lock();
        if (closed) {
            lifecycle.readLock().unlock();
            throw new IllegalStateException("the model is closed");
        }
    }

    void endRun() {
        lifecycle.readLock().unlock();
    }

    void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the model is closed");
        }
    }

    /** Waits for runs in flight, then frees the weights and unmaps external data. Idempotent. */
    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                arena.close();
            }
        } finally {
            lifecycle.writeLock().unlock();
        }
    }
}
