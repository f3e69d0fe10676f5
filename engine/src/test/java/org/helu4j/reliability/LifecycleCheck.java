package org.helu4j.reliability;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import javax.management.ObjectName;
import org.helu4j.Model;
import org.helu4j.Session;
import org.helu4j.Tensor;

/** Load/run/close cycles of a model, and the memory figures between them. */
final class LifecycleCheck {
    private LifecycleCheck() {
    }

    /**
     * Memory after a full GC: heap in use, the direct and mapped buffer pools (FFM arenas count in the direct pool,
     * file mappings in the mapped pool), and NMT's committed total when the JVM runs with
     * {@code -XX:NativeMemoryTracking=summary} (else -1).
     */
    record Snapshot(long heapUsed, long mallocInUse, long directUsed, long mappedUsed, long mappedCount,
            long nmtCommitted, long nmtOther) {
        @Override
        public String toString() {
            return String.format("heap %,d B, malloc in use %s, direct %,d B, mapped %,d B in %d, NMT committed %s",
                    heapUsed, mallocInUse < 0 ? "n/a" : String.format("%,d B", mallocInUse), directUsed, mappedUsed,
                    mappedCount, nmtCommitted < 0 ? "n/a"
                            : String.format("%,d KB (Other: %,d KB)", nmtCommitted, nmtOther));
        }
    }

    private static final MethodHandle MALLINFO2;
    private static final StructLayout MALLINFO2_LAYOUT = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("arena"), ValueLayout.JAVA_LONG.withName("ordblks"),
            ValueLayout.JAVA_LONG.withName("smblks"), ValueLayout.JAVA_LONG.withName("hblks"),
            ValueLayout.JAVA_LONG.withName("hblkhd"), ValueLayout.JAVA_LONG.withName("usmblks"),
            ValueLayout.JAVA_LONG.withName("fsmblks"), ValueLayout.JAVA_LONG.withName("uordblks"),
            ValueLayout.JAVA_LONG.withName("fordblks"), ValueLayout.JAVA_LONG.withName("keepcost"));

    static {
        Linker linker = Linker.nativeLinker();
        MALLINFO2 = linker.defaultLookup().find("mallinfo2")
                .map(f -> linker.downcallHandle(f, FunctionDescriptor.of(MALLINFO2_LAYOUT)))
                .orElse(null);
    }

    /**
     * Bytes the C heap has handed out and not taken back (glibc's {@code mallinfo2}: {@code uordblks + hblkhd},
     * over all arenas), or -1 where there is no glibc. FFM arenas allocate with malloc, so this is where their
     * native memory shows; the JDK's direct buffer pool does not count them.
     */
    static long mallocInUse() {
        if (MALLINFO2 == null) {
            return -1;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = (MemorySegment) MALLINFO2.invokeExact((SegmentAllocator) a);
            return info.get(ValueLayout.JAVA_LONG, 7 * 8) + info.get(ValueLayout.JAVA_LONG, 4 * 8);
        } catch (Throwable e) {
            return -1;
        }
    }

    static Snapshot snapshot() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        long directUsed = 0, mappedUsed = 0, mappedCount = 0;
        for (BufferPoolMXBean p : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (p.getName().equals("direct")) {
                directUsed = p.getMemoryUsed();
            } else if (p.getName().equals("mapped")) {
                mappedUsed = p.getMemoryUsed();
                mappedCount = p.getCount();
            }
        }
        // The C heap also holds the JIT compiler's transient arenas: the quietest of a few samples is the steady figure.
        long malloc = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            malloc = Math.min(malloc, mallocInUse());
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return new Snapshot(mem.getHeapMemoryUsage().getUsed(), malloc, directUsed, mappedUsed, mappedCount,
                nmtCommittedKb(), nmtOtherKb());
    }

    /** NMT's "Total: reserved=..., committed=...KB", read in-process through the DiagnosticCommand MBean. */
    static long nmtCommittedKb() {
        return nmtCommittedKb("Total:");
    }

    /** NMT's committed KB for the "Other" category, where Unsafe/FFM native allocations are counted. */
    static long nmtOtherKb() {
        return nmtCommittedKb("Other (");
    }

    private static long nmtCommittedKb(String label) {
        try {
            String out = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
                    new Object[] {new String[] {"summary"}}, new String[] {String[].class.getName()});
            for (String line : out.split("\n")) {
                int at = line.indexOf(label);
                int c = line.indexOf("committed=");
                if (at >= 0 && c >= 0) {
                    String num = line.substring(c + "committed=".length()).replaceAll("[^0-9].*", "");
                    return Long.parseLong(num);
                }
            }
        } catch (Exception | Error e) {
            // NMT off or unavailable
        }
        return -1;
    }

    /** One cycle: load, open a session, run once, close both. */
    static void cycle(Path file, Tensor[] input) throws Exception {
        try (Model model = Model.load(file); Session s = model.newSession()) {
            s.run(input);
        }
    }
}
