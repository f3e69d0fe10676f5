package org.helu4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.helu4j.kernel.Vectors;

/** The conditions a report writes next to its numbers: date, CPU, flags, cores, JDK, vector width. */
final class Conditions {
    private Conditions() {
    }

    static Map<String, String> collect() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("Date", ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")));
        String model = "unknown";
        TreeSet<String> simd = new TreeSet<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name") && model.equals("unknown")) {
                    model = line.substring(line.indexOf(':') + 1).trim();
                } else if (line.startsWith("flags") && simd.isEmpty()) {
                    for (String f : line.substring(line.indexOf(':') + 1).trim().split("\\s+")) {
                        if (f.equals("avx") || f.equals("avx2") || f.equals("fma") || f.startsWith("avx512")
                                || f.equals("amx_tile") || f.startsWith("avx_vnni")) {
                            simd.add(f);
                        }
                    }
                }
            }
        } catch (IOException e) {
            model = "unknown (" + e.getMessage() + ")";
        }
        c.put("CPU", model);
        c.put("SIMD flags", simd.isEmpty() ? "none found" : String.join(" ", simd));
        c.put("Cores visible to the JVM", String.valueOf(Runtime.getRuntime().availableProcessors()));
        c.put("JDK", System.getProperty("java.vm.name") + " " + Runtime.version() + " (" + System.getProperty("java.vendor")
                + ")");
        c.put("helu4j vector species", Vectors.describe());
        c.put("OS", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        return c;
    }

    /** {@code key=value} lines (run.sh writes the load average and other processes at start and end). */
    static Map<String, String> readProperties(Path file) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file)) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    m.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
                }
            }
        }
        return m;
    }

    /** Splits one CSV line (JMH quotes strings; no embedded quotes in our data). */
    static List<String> splitCsv(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (ch == '"') {
                quoted = !quoted;
            } else if (ch == ',' && !quoted) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        out.add(cur.toString());
        return out;
    }
}
