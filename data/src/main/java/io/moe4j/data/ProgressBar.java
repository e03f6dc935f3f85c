package io.moe4j.data;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A one-line text progress bar on stderr with fraction, rate and ETA, for long jobs such as
 * {@code moe4j prepare} and training. Workers may call {@link #add} from any thread; redraws are
 * throttled so a fast loop pays only an atomic add.
 *
 * <p>On a terminal the line is redrawn in place with {@code '\r'}. When stderr is not a terminal
 * (CI logs, redirected output) a full line is printed at most every few seconds instead, so logs
 * stay readable.
 */
public final class ProgressBar implements AutoCloseable {
    private static final int BAR_WIDTH = 24;

    private final String label;
    private final long total;
    private final String unit;
    private final PrintStream out;
    private final boolean interactive;
    private final long minRedrawNanos;
    private final long startNanos = System.nanoTime();
    private final AtomicLong done = new AtomicLong();
    private volatile String suffix = "";
    private long lastDrawNanos = Long.MIN_VALUE;
    private boolean closed;

    /** A bar on {@code System.err}; in-place redraws when a console is attached. */
    public ProgressBar(String label, long total, String unit) {
        this(label, total, unit, System.err, System.console() != null);
    }

    /**
     * @param total the amount that means 100%; {@code <= 0} when unknown (then only count and rate show)
     * @param unit  short unit name printed after counts, e.g. "tok" or "B"
     */
    public ProgressBar(String label, long total, String unit, PrintStream out, boolean interactive) {
        this.label = label;
        this.total = total;
        this.unit = unit;
        this.out = out;
        this.interactive = interactive;
        this.minRedrawNanos = interactive ? 200_000_000L : 5_000_000_000L;
    }

    /** Adds {@code n} to the amount done (thread-safe) and redraws if enough time has passed. */
    public void add(long n) {
        done.addAndGet(n);
        maybeDraw(false);
    }

    /** Sets the amount done (thread-safe) and redraws if enough time has passed. */
    public void set(long value) {
        done.set(value);
        maybeDraw(false);
    }

    /** Free text shown at the end of the line, e.g. "loss 2.31". */
    public void suffix(String text) {
        this.suffix = text == null ? "" : text;
    }

    public long done() {
        return done.get();
    }

    /** Draws the final state and ends the line. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
        }
        maybeDraw(true);
        if (interactive) out.println();
        out.flush();
    }

    private void maybeDraw(boolean force) {
        long now = System.nanoTime();
        synchronized (this) {
            if (!force && (closed || (lastDrawNanos != Long.MIN_VALUE && now - lastDrawNanos < minRedrawNanos))) return;
            lastDrawNanos = now;
            String line = render(label, done.get(), total, unit, (now - startNanos) / 1e9, suffix);
            if (interactive) out.print("\r" + line + "\u001b[K");
            else out.println(line);
            out.flush();
        }
    }

    /**
     * The text of one line, e.g. {@code "prepare [######------]  25.0%  1.0M/4.0M B  512k B/s  ETA 6s"}.
     * Pure, so it can be tested and reused for log lines.
     */
    public static String render(String label, long done, long total, String unit, double elapsedSec, String suffix) {
        StringBuilder sb = new StringBuilder(96).append(label).append(' ');
        double rate = elapsedSec > 0 ? done / elapsedSec : 0;
        if (total > 0) {
            double frac = Math.min(1.0, Math.max(0.0, (double) done / total));
            int filled = (int) Math.round(frac * BAR_WIDTH);
            sb.append('[').append("#".repeat(filled)).append("-".repeat(BAR_WIDTH - filled)).append(']');
            sb.append(String.format(Locale.ROOT, " %5.1f%%  %s/%s %s", 100 * frac, human(done), human(total), unit));
        } else {
            sb.append(human(done)).append(' ').append(unit);
        }
        sb.append("  ").append(human(rate)).append(' ').append(unit).append("/s");
        if (total > 0) {
            if (done >= total) sb.append("  done in ").append(duration(elapsedSec));
            else if (rate > 0) sb.append("  ETA ").append(duration((total - done) / rate));
            else sb.append("  ETA ?");
        }
        if (suffix != null && !suffix.isEmpty()) sb.append("  ").append(suffix);
        return sb.toString();
    }

    /** 1234 -> "1.2k", 5_600_000 -> "5.6M"; values under 1000 print as integers. */
    public static String human(double v) {
        double a = Math.abs(v);
        if (a < 1000) return String.format(Locale.ROOT, "%d", Math.round(v));
        String[] suffixes = {"k", "M", "G", "T", "P"};
        int i = -1;
        while (a >= 1000 && i < suffixes.length - 1) {
            a /= 1000;
            v /= 1000;
            i++;
        }
        return String.format(Locale.ROOT, "%.1f%s", v, suffixes[i]);
    }

    /** Seconds as "42s", "3m05s" or "2h07m". */
    public static String duration(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) return "?";
        long s = Math.round(seconds);
        if (s < 60) return s + "s";
        if (s < 3600) return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }
}
