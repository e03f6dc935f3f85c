package io.moe4j.eval.harness;

import java.nio.file.Path;
import java.util.List;

/**
 * Where a task's items come from. A source is a value (a file or a folder and how to read it),
 * so a task definition stays declarative; reading happens only when the evaluator asks.
 */
@FunctionalInterface
public interface DocSource {

    /** Reads every item. {@code task} is only used in error messages. */
    List<Doc> load(String task);

    /** One JSON object per line; ".gz" files are gunzipped. Blank lines are skipped. */
    static DocSource jsonl(Path file) {
        return task -> DocReaders.jsonl(task, file);
    }

    /**
     * A folder of header-less CSV files, one per group (MMLU's layout): the group is the file
     * name minus {@code suffix}, columns are named by {@code columns}; groups come in file-name
     * order and item indices restart at 0 in every group.
     */
    static DocSource csvGroups(Path dir, String suffix, List<String> columns) {
        List<String> cols = List.copyOf(columns);
        return task -> DocReaders.csvGroups(task, dir, suffix, cols);
    }
}
