package io.moe4j.eval;

import io.moe4j.data.corpus.Corpus;
import io.moe4j.data.corpus.CorpusFile;
import io.moe4j.data.corpus.CorpusFormatException;
import io.moe4j.data.corpus.Document;
import io.moe4j.data.corpus.DocumentReader;
import io.moe4j.data.corpus.MalformedPolicy;
import io.moe4j.data.corpus.MalformedReport;
import io.moe4j.data.corpus.Split;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluation texts grouped by domain, read with the data module's readers: either one JSONL file
 * (plain, .gz or .zst) or one split of a corpus directory (validation, unless asked otherwise).
 *
 * <p>Domain of a single file: its records' {@code meta.redpajama_set_name} (a SlimPajama chunk),
 * except for a file named after a split ({@code validation.jsonl.gz}), whose domain is its folder
 * (the per-domain layout of {@link Corpus}); a file whose first record has no meta is one domain
 * named after the file. A directory follows {@link Corpus#scan}.
 */
public final class TextCorpus {
    private TextCorpus() {}

    /**
     * Domain to texts, domains in file order, at most {@code maxDocs} texts per domain (0 = all),
     * each domain's texts in file order. Malformed lines are an error naming file and line.
     */
    public static Map<String, List<String>> read(Path data, int maxDocs) {
        return read(data, Split.VALIDATION, maxDocs);
    }

    /** As {@link #read(Path, int)} from the given split of a corpus directory (a single file has no split). */
    public static Map<String, List<String>> read(Path data, Split split, int maxDocs) {
        if (!Files.exists(data)) throw new IllegalArgumentException("--data " + data + ": no such file or directory");
        if (maxDocs < 0) throw new IllegalArgumentException("--max-docs must be >= 0, got " + maxDocs);
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (Files.isDirectory(data)) {
            Corpus c = Corpus.scan(data);
            List<CorpusFile> files = c.files().stream().filter(f -> f.split() == split).toList();
            if (files.isEmpty()) throw new IllegalArgumentException("--data " + data + ": the corpus has no " + split.dirName() + " files");
            for (CorpusFile f : files) readFile(f.path(), f.domain(), maxDocs, out);
        } else {
            readFile(data, singleFileDomain(data), maxDocs, out);
        }
        if (out.isEmpty()) throw new IllegalArgumentException("--data " + data + ": no documents");
        return out;
    }

    /** The folder name for a split-named file, else null (domain from meta, see {@link #readFile}). */
    static String singleFileDomain(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        boolean splitNamed = Split.fromName(stem(file)) != null;
        return splitNamed && parent != null && parent.getFileName() != null ? parent.getFileName().toString() : null;
    }

    private static void readFile(Path file, String domain, int maxDocs, Map<String, List<String>> out) {
        try {
            readAll(file, domain, maxDocs, out);
        } catch (CorpusFormatException e) {
            boolean noMeta = domain == null && e.getMessage() != null && e.getMessage().contains(file + ":1: no string meta");
            if (!noMeta) throw e;
            readAll(file, stem(file), maxDocs, out); // plain {"text": ...} lines: one domain named after the file
        }
    }

    private static void readAll(Path file, String domain, int maxDocs, Map<String, List<String>> out) {
        try (DocumentReader r = DocumentReader.open(file, domain, MalformedPolicy.FAIL, new MalformedReport())) {
            while (r.hasNext()) {
                Document d = r.next();
                List<String> texts = out.computeIfAbsent(d.domain(), k -> new ArrayList<>());
                if (maxDocs == 0 || texts.size() < maxDocs) texts.add(d.text());
                else if (domain != null) break; // one fixed domain, and it is full
            }
        }
    }

    private static String stem(Path file) {
        String n = file.getFileName().toString();
        int dot = n.indexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }
}
