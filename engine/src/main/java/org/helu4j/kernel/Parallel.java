package org.helu4j.kernel;

/**
 * Intra-op parallelism for kernels: a pool of daemon workers shared by the process ({@link WorkerPool}), and a
 * per-thread parallelism that the session running on that thread sets (its "threads" option, like ONNX
 * Runtime's intra-op thread count).
 *
 * <p>A kernel asks {@link #tasksFor} how many tasks its work is worth and, if more than one, calls
 * {@link #forEach}. Neither allocates: the body is a {@link Body} the kernel reuses (a per-thread object holding
 * the call's arguments), and the pool reuses one job slot. Inside a task, {@link #tasksFor} answers 1, so kernels
 * called from a task run serially and never touch their per-thread body again while it is in use.
 */
public final class Parallel {
    /** Below this many multiply-adds a region is not worth handing to other threads. */
    public static final long MIN_PARALLEL_WORK = 1L << 18;

    /** One task of a parallel loop; kernels implement it with a reusable object, not a capturing lambda. */
    @FunctionalInterface
    public interface Body {
        void run(int task);
    }

    // [0]: the parallelism; [1]: 1 while this thread runs tasks of a forEach (nested calls are serial).
    private static final ThreadLocal<int[]> STATE = ThreadLocal.withInitial(() -> new int[] {1, 0});

    private Parallel() {
    }

    /** Sets the calling thread's parallelism (1 = serial); the runtime calls this around each run. */
    public static void setParallelism(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, not " + threads);
        }
        STATE.get()[0] = threads;
        if (threads > 1) {
            WorkerPool.SHARED.ensureWorkers(threads - 1);
        }
    }

    /** The calling thread's parallelism. */
    public static int parallelism() {
        return STATE.get()[0];
    }

    /**
     * How many parallel tasks are worth it for {@code work} multiply-adds split into at most {@code maxTasks}; 1
     * when serial, and inside a task of another {@link #forEach}.
     */
    public static int tasksFor(long work, int maxTasks) {
        return tasksFor(work, maxTasks, MIN_PARALLEL_WORK);
    }

    /**
     * {@link #tasksFor(long, int)} with a kernel's own least work per task, for a split that costs less than the
     * usual one (one hand-over and nothing serial).
     */
    public static int tasksFor(long work, int maxTasks, long minWork) {
        int[] s = STATE.get();
        int p = s[0];
        if (p <= 1 || s[1] != 0 || work < minWork) {
            return 1;
        }
        return (int) Math.max(1, Math.min(Math.min(p, maxTasks), work / minWork));
    }

    /**
     * Runs {@code body.run(i)} for every {@code i} in {@code [0, tasks)}: on the calling thread and up to
     * {@code parallelism() - 1} workers, which take tasks from a shared counter. Returns when all are done; the
     * first exception thrown by a task is rethrown. Nested calls, and calls while another thread's loop holds the
     * pool, run serially on the calling thread.
     */
    public static void forEach(int tasks, Body body) {
        int[] s = STATE.get();
        int threads = Math.min(s[0], tasks);
        if (s[0] <= 1) {
            for (int i = 0; i < tasks; i++) {
                body.run(i);
            }
            return;
        }
        int outer = s[1];
        s[1] = 1;
        try {
            if (outer != 0 || threads <= 1 || !WorkerPool.SHARED.run(tasks, threads - 1, body)) {
                for (int i = 0; i < tasks; i++) {
                    body.run(i);
                }
            }
        } finally {
            s[1] = outer;
        }
    }
}
