package org.helu4j.kernel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The daemon workers behind {@link Parallel#forEach}, with one reusable job slot, so that a parallel loop
 * allocates nothing and hands off in microseconds. One loop at a time holds the slot; a caller that finds it taken
 * runs its loop serially rather than wait (the workers are busy anyway), so loops of different callers never mix.
 *
 * <p>All coordination is one {@code long}: the job's epoch (high 32 bits), a closed flag (bit 31), the most
 * helpers the job takes (bits 16-30) and the helpers in it now (bits 0-15). A worker joins by raising the count
 * while the epoch is its own and the job is open, and only then reads the job's fields; the caller closes the job
 * once it finds no task left and waits for the count to drop to 0. A worker that wakes late fails to join and so
 * can never take a task of the next job.
 */
final class WorkerPool {
    static final WorkerPool SHARED = new WorkerPool();

    private static final long ACTIVE = 0xFFFFL;
    private static final int LIMIT_SHIFT = 16;
    private static final int MAX_HELPERS = 0x7FFF;
    private static final long CLOSED = 1L << 31;
    private static final int EPOCH_SHIFT = 32;
    /** How long an idle thread spins before parking: longer than the gap between two kernels of a model. */
    private static final long SPIN_NANOS = 50_000;

    private static final VarHandle STATE;
    private static final VarHandle BUSY;
    private static final VarHandle NEXT;
    private static final VarHandle FAILURE;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(WorkerPool.class, "state", long.class);
            BUSY = l.findVarHandle(WorkerPool.class, "busy", int.class);
            NEXT = l.findVarHandle(WorkerPool.class, "next", int.class);
            FAILURE = l.findVarHandle(WorkerPool.class, "failure", Throwable.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile long state;
    private volatile int busy;
    private volatile int next;
    private volatile Throwable failure;
    private volatile Thread waiter;
    // Written by the caller before it publishes the epoch; read by workers only after they join it.
    private Parallel.Body body;
    private int tasks;
    private volatile Worker[] workers = new Worker[0];

    private WorkerPool() {
    }

    /** Starts workers until there are at least {@code count}; they live as long as the process. */
    synchronized void ensureWorkers(int count) {
        Worker[] old = workers;
        int n = Math.min(count, MAX_HELPERS);
        if (old.length >= n) {
            return;
        }
        Worker[] grown = java.util.Arrays.copyOf(old, n);
        for (int i = old.length; i < n; i++) {
            grown[i] = new Worker(this, i + 1);
            grown[i].start();
        }
        workers = grown;
    }

    /**
     * Runs tasks [0, tasks) of {@code body} on the calling thread and up to {@code helpers} workers; false, having
     * run nothing, when another loop holds the pool. Rethrows the first exception of a task.
     */
    boolean run(int tasks, int helpers, Parallel.Body body) {
        if (!BUSY.compareAndSet(this, 0, 1)) {
            return false;
        }
        try {
            Worker[] ws = workers;
            int limit = Math.min(helpers, ws.length);
            if (limit <= 0) {
                return false;
            }
            this.body = body;
            this.tasks = tasks;
            NEXT.setOpaque(this, 0);
            FAILURE.setOpaque(this, null);
            long epoch = ((long) state >>> EPOCH_SHIFT) + 1;
            state = (epoch << EPOCH_SHIFT) | ((long) limit << LIMIT_SHIFT);
            for (int i = 0; i < limit; i++) {
                if (ws[i].sleeping) {
                    LockSupport.unpark(ws[i]);
                }
            }
            drain();
            STATE.getAndBitwiseOr(this, CLOSED);
            awaitHelpers();
            Throwable t = failure;
            this.body = null;
            failure = null;
            if (t instanceof RuntimeException r) {
                throw r;
            } else if (t instanceof Error e) {
                throw e;
            } else if (t != null) {
                throw new IllegalStateException(t);
            }
            return true;
        } finally {
            busy = 0;
        }
    }

    /** Takes tasks until none is left; on a failure, records it and leaves the rest untaken. */
    private void drain() {
        Parallel.Body b = body;
        int n = tasks;
        try {
            for (int i; (i = (int) NEXT.getAndAdd(this, 1)) < n; ) {
                b.run(i);
            }
        } catch (Throwable t) {
            FAILURE.compareAndSet(this, null, t);
            next = n;
        }
    }

    private void awaitHelpers() {
        long start = System.nanoTime();
        for (int i = 0; (state & ACTIVE) != 0; i++) {
            if ((i & 63) != 63 || System.nanoTime() - start < SPIN_NANOS) {
                Thread.onSpinWait();
                continue;
            }
            waiter = Thread.currentThread();
            while ((state & ACTIVE) != 0) {
                LockSupport.park(this);
            }
            waiter = null;
            return;
        }
    }

    /** Joins job {@code epoch} if it is still open and has room. */
    private boolean tryJoin(long epoch) {
        for (;;) {
            long s = state;
            if (s >>> EPOCH_SHIFT != epoch || (s & CLOSED) != 0
                    || (s & ACTIVE) >= ((s >>> LIMIT_SHIFT) & MAX_HELPERS)) {
                return false;
            }
            if (STATE.compareAndSet(this, s, s + 1)) {
                return true;
            }
        }
    }

    private void leave() {
        long s = (long) STATE.getAndAdd(this, -1L) - 1;
        if ((s & CLOSED) != 0 && (s & ACTIVE) == 0) {
            Thread w = waiter;
            if (w != null) {
                LockSupport.unpark(w);
            }
        }
    }

    private static final class Worker extends Thread {
        private final WorkerPool pool;
        volatile boolean sleeping;

        Worker(WorkerPool pool, int id) {
            super("helu4j-worker-" + id);
            this.pool = pool;
            setDaemon(true);
        }

        @Override
        public void run() {
            long seen = pool.state >>> EPOCH_SHIFT;
            for (;;) {
                seen = awaitNewEpoch(seen);
                if (pool.tryJoin(seen)) {
                    try {
                        pool.drain();
                    } finally {
                        pool.leave();
                    }
                }
            }
        }

        /** Spins briefly, then parks, until a job after {@code seen} is published; returns its epoch. */
        private long awaitNewEpoch(long seen) {
            long start = System.nanoTime();
            for (int i = 0; ; i++) {
                long e = pool.state >>> EPOCH_SHIFT;
                if (e != seen) {
                    return e;
                }
                if ((i & 63) != 63 || System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                    continue;
                }
                // The caller writes the epoch then reads this flag; we write the flag then read the epoch.
                sleeping = true;
                if (pool.state >>> EPOCH_SHIFT == seen) {
                    LockSupport.park(pool);
                }
                sleeping = false;
                Thread.interrupted();
                start = System.nanoTime();
            }
        }
    }
}
