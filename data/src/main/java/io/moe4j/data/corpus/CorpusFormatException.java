package io.moe4j.data.corpus;

/** Bad corpus input: a malformed line, a truncated compressed file, a bad layout. The message names the file. */
public class CorpusFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CorpusFormatException(String message) {
        super(message);
    }

    public CorpusFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
