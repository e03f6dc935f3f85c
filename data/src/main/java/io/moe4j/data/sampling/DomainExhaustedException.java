package io.moe4j.data.sampling;

/**
 * A domain ran out of training blocks under {@link PackedStream.Exhaustion#STOP}: the original
 * trainer stops when any domain is exhausted (METHOD.md §5.1). The loader is finished after this.
 */
public class DomainExhaustedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String domain;

    public DomainExhaustedException(String domain, String message) {
        super(message);
        this.domain = domain;
    }

    public String domain() {
        return domain;
    }
}
