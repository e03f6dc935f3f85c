package io.moe4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the benchmarks print about the machine they ran on (Linux /proc; a plain fallback elsewhere). */
final class Machine {
    private Machine() {}

    /** The 1, 5 and 15 minute load averages, or "unknown". */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** The CPU model and the processor count, e.g. "AMD EPYC x2". */
    static String cpuModel() {
        int n = Runtime.getRuntime().availableProcessors();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo")))
                if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim() + " x" + n;
        } catch (IOException e) {
            // fall through
        }
        return System.getProperty("os.arch") + " x" + n;
    }
}
