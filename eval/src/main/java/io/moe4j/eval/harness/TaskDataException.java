package io.moe4j.eval.harness;

/**
 * Bad or missing evaluation data. The message always names the task and, where one item is at
 * fault, its index and file line, so a broken 10k-line file can be fixed without a debugger.
 */
public final class TaskDataException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TaskDataException(String message) {
        super(message);
    }

    public TaskDataException(String message, Throwable cause) {
        super(message, cause);
    }

    /** "task 'x', item 3 (file.jsonl:4): detail". */
    public static TaskDataException forItem(String task, Doc doc, String detail, Throwable cause) {
        return new TaskDataException("task '" + task + "', item " + doc.index() + " (" + doc.origin() + "): " + detail, cause);
    }
}
