package io.moe4j.data.corpus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The files of a pre-training corpus directory. Two layouts are recognised:
 * <ul>
 *   <li><b>per-domain</b> (like {@code shared/data/corpus}): {@code root/<domain>/...}, one folder per
 *       domain; the domain is the folder name. Inside it, the split of a file comes from its first path
 *       component under the domain folder ({@code train/...}, {@code validation/...}) or, for a file
 *       directly in the domain folder, from its name ({@code train.jsonl.gz}). The records'
 *       {@code meta.redpajama_set_name} is ignored in this layout.</li>
 *   <li><b>flat</b> (SlimPajama's own layout): {@code root/train/**} and {@code root/validation/**}
 *       hold mixed files, and each record's domain is its {@code meta.redpajama_set_name}.</li>
 * </ul>
 * A root that has a {@code train} folder is flat; otherwise it is per-domain. Data files end in
 * {@code .jsonl}, {@code .jsonl.gz}, {@code .jsonl.zst} or {@code .jsonl.zstd}; other files are not
 * data and are left alone. Data files whose split cannot be told (e.g. {@code test.jsonl}) are
 * listed in {@link #warnings()}. Files are sorted by relative path so every run sees the same order.
 */
public final class Corpus {
    /** How domains are named, see the class comment. */
    public enum Layout { PER_DOMAIN, FLAT }

    private final Path root;
    private final Layout layout;
    private final List<CorpusFile> files;
    private final List<String> warnings;

    private Corpus(Path root, Layout layout, List<CorpusFile> files, List<String> warnings) {
        this.root = root;
        this.layout = layout;
        this.files = List.copyOf(files);
        this.warnings = List.copyOf(warnings);
    }

    public Path root() {
        return root;
    }

    public Layout layout() {
        return layout;
    }

    /** All data files, sorted by relative path. */
    public List<CorpusFile> files() {
        return files;
    }

    /** Data files that were ignored, with the reason. */
    public List<String> warnings() {
        return warnings;
    }

    /** Domain folder names (per-domain layout); empty for a flat corpus, whose domains are known only after reading. */
    public List<String> folderDomains() {
        TreeSet<String> s = new TreeSet<>();
        for (CorpusFile f : files) if (f.domain() != null) s.add(f.domain());
        return new ArrayList<>(s);
    }

    /** Total bytes of all data files (compressed size), for progress reporting. */
    public long totalBytes() {
        long t = 0;
        for (CorpusFile f : files) t += f.size();
        return t;
    }

    /** True for names the readers accept. */
    public static boolean isDataFile(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".jsonl") || n.endsWith(".jsonl.gz") || n.endsWith(".jsonl.zst") || n.endsWith(".jsonl.zstd");
    }

    /** Scans a corpus directory. Throws {@link CorpusFormatException} for a missing root, an empty domain folder or no data at all. */
    public static Corpus scan(Path root) {
        Path abs = root.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs)) throw new CorpusFormatException("corpus directory " + abs + " does not exist or is not a directory");
        List<CorpusFile> files = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Layout layout = Files.isDirectory(abs.resolve("train")) ? Layout.FLAT : Layout.PER_DOMAIN;
        if (layout == Layout.FLAT) {
            for (Split s : Split.values()) {
                Path dir = abs.resolve(s.dirName());
                if (Files.isDirectory(dir)) for (Path p : dataFiles(dir)) files.add(file(abs, p, s, null));
            }
        } else {
            for (Path domainDir : subdirs(abs)) {
                String domain = domainDir.getFileName().toString();
                List<Path> data = dataFiles(domainDir);
                if (data.isEmpty()) {
                    throw new CorpusFormatException("domain folder " + domainDir + " holds no data file "
                            + "(expected train/validation *.jsonl, *.jsonl.gz or *.jsonl.zst)");
                }
                for (Path p : data) {
                    Path first = domainDir.relativize(p).getName(0);
                    Split s = Split.fromName(first.toString());
                    if (s == null) warnings.add("ignored " + p + ": cannot tell train from validation by its name");
                    else files.add(file(abs, p, s, domain));
                }
            }
        }
        if (files.isEmpty()) {
            throw new CorpusFormatException("no train/validation data files under " + abs
                    + " (expected <domain>/train.jsonl[.gz|.zst] or train/**/*.jsonl[.gz|.zst])");
        }
        files.sort(Comparator.comparing(CorpusFile::relPath));
        return new Corpus(abs, layout, files, warnings);
    }

    private static CorpusFile file(Path root, Path p, Split split, String domain) {
        try {
            String rel = root.relativize(p).toString().replace('\\', '/');
            return new CorpusFile(p, rel, split, domain, Files.size(p), Files.getLastModifiedTime(p).toMillis());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stat corpus file " + p, e);
        }
    }

    private static List<Path> subdirs(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list corpus directory " + dir, e);
        }
    }

    private static List<Path> dataFiles(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).filter(p -> isDataFile(p.getFileName().toString()))
                    .filter(p -> !dir.relativize(p).toString().startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list corpus directory " + dir, e);
        }
    }
}
