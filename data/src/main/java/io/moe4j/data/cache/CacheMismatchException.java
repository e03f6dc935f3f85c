package io.moe4j.data.cache;

/**
 * A token cache that does not fit the request: made with another tokenizer, an unknown format
 * version, or files that do not match its manifest. The message says what differs and how to fix it.
 */
public class CacheMismatchException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CacheMismatchException(String message) {
        super(message);
    }
}
