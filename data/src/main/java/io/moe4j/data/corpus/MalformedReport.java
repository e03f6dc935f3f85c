package io.moe4j.data.corpus;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts malformed lines skipped under {@link MalformedPolicy#SKIP} and keeps the first few as
 * examples, so a run can say exactly what it dropped instead of dropping it silently.
 * Thread-safe.
 */
public final class MalformedReport {
    private static final int MAX_EXAMPLES = 10;

    private final Map<String, Long> perFile = new LinkedHashMap<>();
    private final List<String> examples = new ArrayList<>();
    private long count;

    /** Records one skipped line. */
    public synchronized void record(Path file, long line, String reason) {
        count++;
        perFile.merge(file.toString(), 1L, Long::sum);
        if (examples.size() < MAX_EXAMPLES) examples.add(file + ":" + line + ": " + reason);
    }

    public synchronized long count() {
        return count;
    }

    /** Skipped-line counts by file path. */
    public synchronized Map<String, Long> perFile() {
        return new LinkedHashMap<>(perFile);
    }

    /** "file:line: reason" for the first skipped lines. */
    public synchronized List<String> examples() {
        return new ArrayList<>(examples);
    }

    /** A multi-line summary for the log, or "no malformed lines". */
    public synchronized String summary() {
        if (count == 0) return "no malformed lines";
        StringBuilder sb = new StringBuilder();
        sb.append("skipped ").append(count).append(" malformed line(s) in ").append(perFile.size()).append(" file(s):");
        perFile.forEach((f, n) -> sb.append("\n  ").append(f).append(": ").append(n));
        sb.append("\nfirst examples:");
        for (String e : examples) sb.append("\n  ").append(e);
        return sb.toString();
    }
}
