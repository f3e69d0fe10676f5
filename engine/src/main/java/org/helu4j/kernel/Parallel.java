package org.helu4j.kernel;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * Intra-op parallelism for kernels: a fixed pool of daemon workers shared by the process, and a per-thread
 * parallelism that the session running on that thread sets (its "threads" option, like ONNX Runtime's
 * intra-op thread count). With parallelism 1, {@link #forEach} is a plain loop on the calling thread and
 * allocates nothing.
 */
public final class Parallel {
    /** Below this many multiply-adds a region is not worth handing to other threads. */
    public static final long MIN_PARALLEL_WORK = 1L << 18;

    private static final ThreadLocal<int[]> PARALLELISM = ThreadLocal.withInitial(() -> new int[] {1});
    private static final Object LOCK = new Object();
    private static volatile ExecutorService workers;
    private static volatile int workerCount;

    private Parallel() {
    }

    /** Sets the calling thread's parallelism (1 = serial); the runtime calls this around each run. */
    public static void setParallelism(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, not " + threads);
        }
        PARALLELISM.get()[0] = threads;
        if (threads > 1) {
            ensureWorkers(threads - 1);
        }
    }

    /** The calling thread's parallelism. */
    public static int parallelism() {
        return PARALLELISM.get()[0];
    }

    /** How many parallel tasks are worth it for {@code work} multiply-adds split into at most {@code maxTasks}. */
    public static int tasksFor(long work, int maxTasks) {
        int p = parallelism();
        if (p <= 1 || work < MIN_PARALLEL_WORK) {
            return 1;
        }
        return (int) Math.max(1, Math.min(Math.min(p, maxTasks), work / MIN_PARALLEL_WORK));
    }

    /**
     * Runs {@code body.accept(i)} for every {@code i} in {@code [0, tasks)}: on the calling thread and up to
     * {@code parallelism() - 1} workers, which take tasks from a shared counter. Returns when all are done; the
     * first exception thrown by a task is rethrown.
     */
    public static void forEach(int tasks, IntConsumer body) {
        int threads = Math.min(parallelism(), tasks);
        if (threads <= 1) {
            for (int i = 0; i < tasks; i++) {
                body.accept(i);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(threads - 1);
        Runnable drain = () -> {
            try {
                for (int i; (i = next.getAndIncrement()) < tasks; ) {
                    body.accept(i);
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
                next.set(tasks);
            }
        };
        for (int t = 1; t < threads; t++) {
            workers.execute(() -> {
                try {
                    drain.run();
                } finally {
                    done.countDown();
                }
            });
        }
        drain.run();
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for kernel workers", e);
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException r) {
            throw r;
        } else if (t instanceof Error e) {
            throw e;
        } else if (t != null) {
            throw new IllegalStateException(t);
        }
    }

    private static void ensureWorkers(int count) {
        if (workerCount >= count) {
            return;
        }
        synchronized (LOCK) {
            if (workerCount >= count) {
                return;
            }
            ExecutorService old = workers;
            AtomicInteger id = new AtomicInteger();
            workers = Executors.newFixedThreadPool(count, r -> {
                Thread t = new Thread(r, "helu4j-worker-" + id.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            workerCount = count;
            if (old != null) {
                old.shutdown();
            }
        }
    }
}
