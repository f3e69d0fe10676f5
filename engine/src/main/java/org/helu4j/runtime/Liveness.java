package org.helu4j.runtime;

import java.util.Arrays;

/**
 * When each value is last read, in the plan's node order: the basis of buffer reuse. Folded nodes never run, so
 * their reads do not count. Ops never return a view of an input (each output is a buffer of its own that the op
 * writes), so a value's last read is also the last use of its memory.
 */
final class Liveness {
    /** A value no node reads. */
    static final int UNUSED = -1;
    /** A graph output: it must outlive the run. */
    static final int FOREVER = Integer.MAX_VALUE;

    private Liveness() {
    }

    /** Per slot, the index of the last running node that reads it, {@link #UNUSED} or {@link #FOREVER}. */
    static int[] lastUses(int slots, int[][] inSlots, boolean[] folded, int[] outputSlots) {
        int[] last = new int[slots];
        Arrays.fill(last, UNUSED);
        for (int k = 0; k < inSlots.length; k++) {
            if (folded[k]) {
                continue;
            }
            for (int s : inSlots[k]) {
                if (s >= 0) {
                    last[s] = k;
                }
            }
        }
        for (int s : outputSlots) {
            last[s] = FOREVER;
        }
        return last;
    }
}
