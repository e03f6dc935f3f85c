package io.moe4j.tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.logging.Logger;

/**
 * Picks the backend once: {@code -Dmoe4j.backend=reference|cpu|cuda} if set, otherwise cpu. Extra
 * backends (cuda) are found through ServiceLoader, never imported; they are probed and reported in
 * the log line but used only when asked for, because the CUDA backend still copies host tensors to
 * the device for every op and is slower than the CPU for the small models moe4j targets today. The
 * choice is logged once. Tests may swap the backend for a scope with {@link #use(Backend)}.
 */
public final class Backends {
    private static final Logger LOG = Logger.getLogger("io.moe4j");
    private static volatile Backend global;
    private static final ThreadLocal<Backend> SCOPED = new ThreadLocal<>();

    private Backends() {}

    /** A source of extra backends (the CUDA module registers one). */
    public interface Provider {
        String name();

        /** Null with a reason in {@link #unavailableReason()} when it cannot run here. */
        Backend create();

        String unavailableReason();
    }

    public static Backend current() {
        Backend b = SCOPED.get();
        if (b != null) return b;
        b = global;
        if (b == null) {
            synchronized (Backends.class) {
                if (global == null) global = choose();
                b = global;
            }
        }
        return b;
    }

    /** Makes {@code b} the backend of this thread until the returned scope is closed. */
    public static Scope use(Backend b) {
        Backend prev = SCOPED.get();
        SCOPED.set(b);
        return () -> SCOPED.set(prev);
    }

    /** A closeable scope that does not throw. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    public static Backend byName(String name) {
        switch (name) {
            case "reference": return new ReferenceBackend();
            case "cpu": return new io.moe4j.tensor.cpu.CpuBackend();
            default:
                for (Provider p : providers()) {
                    if (p.name().equals(name)) {
                        Backend b = p.create();
                        if (b == null) throw new IllegalStateException("backend '" + name + "' is not available: " + p.unavailableReason());
                        return b;
                    }
                }
                throw new IllegalArgumentException("unknown backend '" + name + "' (expected reference, cpu or cuda)");
        }
    }

    private static Backend choose() {
        String forced = System.getProperty("moe4j.backend");
        if (forced != null && !forced.isBlank()) {
            Backend b = byName(forced.trim());
            LOG.info("moe4j backend: " + b.name() + " (forced by -Dmoe4j.backend)");
            return b;
        }
        List<String> found = new ArrayList<>();
        for (Provider p : providers()) { // detected and reported, but opt-in: see the class comment
            Backend b = p.create();
            found.add(p.name() + (b != null ? " available (use -Dmoe4j.backend=" + p.name() + ")" : " unavailable: " + p.unavailableReason()));
        }
        Backend b = new io.moe4j.tensor.cpu.CpuBackend();
        LOG.info("moe4j backend: " + b.name() + (found.isEmpty() ? "" : " (" + String.join("; ", found) + ")"));
        return b;
    }

    private static List<Provider> providers() {
        List<Provider> out = new ArrayList<>();
        for (Provider p : ServiceLoader.load(Provider.class)) out.add(p);
        return out;
    }
}
