package org.helu4j.cli;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A progress bar on stderr, drawn only when stderr is a terminal and only once the work has run for a second,
 * so that quick commands, pipes and tests never see it. Thread-safe: workers call {@link #step}.
 */
final class Progress implements AutoCloseable {
    private static final long DELAY_NANOS = 1_000_000_000L;
    private static final long REDRAW_NANOS = 100_000_000L;
    private static final int WIDTH = 30;

    private final String label;
    private final long total;
    private final PrintStream err;
    private final long start = System.nanoTime();
    private final AtomicLong done = new AtomicLong();
    private long lastDraw;
    private boolean drawn;

    private Progress(String label, long total, PrintStream err) {
        this.label = label;
        this.total = Math.max(total, 1);
        this.err = err;
    }

    /** A bar for {@code total} units of work; a no-op unless stderr is an interactive terminal. */
    static Progress start(String label, long total) {
        return new Progress(label, total, System.console() != null ? System.err : null);
    }

    void step(long units) {
        draw(done.addAndGet(units));
    }

    /** Sets the amount done (for work measured in time rather than in items). */
    void set(long units) {
        done.set(units);
        draw(units);
    }

    private void draw(long now) {
        if (err == null) {
            return;
        }
        long t = System.nanoTime();
        if (t - start < DELAY_NANOS) {
            return;
        }
        synchronized (this) {
            if (t - lastDraw < REDRAW_NANOS && now < total) {
                return;
            }
            lastDraw = t;
            drawn = true;
            int filled = (int) Math.min(WIDTH, WIDTH * now / total);
            err.print("\r" + label + " [" + "=".repeat(filled) + " ".repeat(WIDTH - filled) + "] "
                    + Math.min(100, 100 * now / total) + "%  " + now + "/" + total + " ");
            err.flush();
        }
    }

    /** Erases the bar, so that what follows starts on a clean line. */
    @Override
    public synchronized void close() {
        if (err != null && drawn) {
            err.print("\r" + " ".repeat(label.length() + WIDTH + 40) + "\r");
            err.flush();
            drawn = false;
        }
    }
}
