package org.helu4j.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ParallelTest {
    @AfterEach
    void serial() {
        Parallel.setParallelism(1);
    }

    /** Counts the runs of each task index. */
    private static final class Counting implements Parallel.Body {
        final AtomicIntegerArray runs;

        Counting(int tasks) {
            runs = new AtomicIntegerArray(tasks);
        }

        @Override
        public void run(int task) {
            runs.incrementAndGet(task);
        }

        void assertEachOnce() {
            for (int i = 0; i < runs.length(); i++) {
                assertEquals(1, runs.get(i), "task " + i + " of " + runs.length());
            }
        }
    }

    @Test
    void everyTaskRunsExactlyOnce() {
        for (int threads : new int[] {1, 2, 3, 8}) {
            Parallel.setParallelism(threads);
            for (int tasks = 0; tasks <= 40; tasks++) {
                for (int rep = 0; rep < 20; rep++) {
                    Counting body = new Counting(tasks);
                    Parallel.forEach(tasks, body);
                    body.assertEachOnce();
                }
            }
        }
    }

    @Test
    void tasksRunOnTwoThreadsAtOnce() {
        Parallel.setParallelism(2);
        // Task 0 blocks until task 1 has run: whichever thread took task 0, another one must run task 1.
        AtomicIntegerArray done = new AtomicIntegerArray(2);
        AtomicReferenceArray<Thread> ranOn = new AtomicReferenceArray<>(2);
        Parallel.forEach(2, t -> {
            ranOn.set(t, Thread.currentThread());
            if (t == 1) {
                done.set(1, 1);
                return;
            }
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (done.get(1) == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
        });
        assertEquals(1, done.get(1));
        assertNotSame(ranOn.get(0), ranOn.get(1), "both tasks ran on one thread");
    }

    @Test
    void exceptionsFromTasksReachTheCaller() {
        Parallel.setParallelism(3);
        for (int failing : new int[] {0, 5, 99}) {
            IllegalStateException boom = new IllegalStateException("task " + failing);
            IllegalStateException seen = assertThrows(IllegalStateException.class, () -> Parallel.forEach(100, t -> {
                if (t == failing) {
                    throw boom;
                }
            }));
            assertSame(boom, seen);
        }
        AssertionError error = new AssertionError("an error");
        assertSame(error, assertThrows(AssertionError.class, () -> Parallel.forEach(10, t -> {
            throw error;
        })));
        // The pool is still usable.
        Counting body = new Counting(50);
        Parallel.forEach(50, body);
        body.assertEachOnce();
    }

    @Test
    void nestedCallsRunSeriallyOnTheTaskThread() {
        Parallel.setParallelism(2);
        AtomicIntegerArray wrongThread = new AtomicIntegerArray(1);
        AtomicIntegerArray nestedTasksFor = new AtomicIntegerArray(1);
        Counting inner = new Counting(8 * 16);
        Parallel.forEach(8, t -> {
            if (Parallel.tasksFor(Long.MAX_VALUE, 16) != 1) {
                nestedTasksFor.incrementAndGet(0);
            }
            Thread self = Thread.currentThread();
            Parallel.forEach(16, i -> {
                if (Thread.currentThread() != self) {
                    wrongThread.incrementAndGet(0);
                }
                inner.run(t * 16 + i);
            });
        });
        inner.assertEachOnce();
        assertEquals(0, wrongThread.get(0), "nested tasks left their thread");
        assertEquals(0, nestedTasksFor.get(0), "tasksFor offered parallelism inside a task");
        assertEquals(2, Parallel.tasksFor(Long.MAX_VALUE, 16), "parallelism back after the loop");
    }

    @Test
    void concurrentCallersDoNotMixTheirTasks() throws Exception {
        int callers = 4;
        CyclicBarrier start = new CyclicBarrier(callers);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < callers; c++) {
            int threadsOption = 2 + c % 3;
            Thread t = new Thread(() -> {
                try {
                    Parallel.setParallelism(threadsOption);
                    start.await();
                    for (int rep = 0; rep < 2000; rep++) {
                        Counting body = new Counting(1 + rep % 17);
                        Parallel.forEach(body.runs.length(), body);
                        body.assertEachOnce();
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join(120_000);
            assertTrue(!t.isAlive(), "a caller is stuck");
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
    }

    /** A body that captures nothing per call: what the kernels reuse. */
    private static final class Sum implements Parallel.Body {
        final long[] partial = new long[64];

        @Override
        public void run(int task) {
            long s = 0;
            for (int i = 0; i < 1000; i++) {
                s += (long) i * task;
            }
            partial[task] = s;
        }
    }

    @Test
    void steadyStateLoopsAllocateNothing() {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Parallel.setParallelism(2);
        Sum body = new Sum();
        long deadline = System.nanoTime() + 60_000_000_000L;
        long bytes = -1;
        while (System.nanoTime() < deadline) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 2000; i++) {
                Parallel.forEach(1 + i % 8, body);
            }
            bytes = mx.getCurrentThreadAllocatedBytes() - before;
            if (bytes == 0) {
                return;
            }
        }
        fail("2000 parallel loops still allocated " + bytes + " bytes after a minute of warm-up");
    }
}
