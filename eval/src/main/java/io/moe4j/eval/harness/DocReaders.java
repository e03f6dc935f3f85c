package io.moe4j.eval.harness;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/** The file readers behind {@link DocSource}; every failure names the task and the file line. */
final class DocReaders {
    private DocReaders() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    static List<Doc> jsonl(String task, Path file) {
        List<Doc> docs = new ArrayList<>();
        String where = shortName(file);
        try (BufferedReader r = open(task, file)) {
            String line;
            int lineNo = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new TaskDataException("task '" + task + "', " + where + ":" + lineNo
                            + ": invalid JSON: " + e.getOriginalMessage(), e);
                }
                if (!node.isObject()) {
                    throw new TaskDataException("task '" + task + "', " + where + ":" + lineNo
                            + ": expected a JSON object, got " + node.getNodeType());
                }
                docs.add(new Doc(docs.size(), "", node, where + ":" + lineNo));
            }
        } catch (IOException e) {
            throw new TaskDataException("task '" + task + "': cannot read " + file + ": " + e, e);
        }
        return docs;
    }

    static List<Doc> csvGroups(String task, Path dir, String suffix, List<String> columns) {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        } catch (NoSuchFileException e) {
            throw new TaskDataException("task '" + task + "': data folder not found: " + dir, e);
        } catch (IOException e) {
            throw new TaskDataException("task '" + task + "': cannot list " + dir + ": " + e, e);
        }
        if (files.isEmpty()) {
            throw new TaskDataException("task '" + task + "': no *" + suffix + " files in " + dir);
        }
        List<Doc> docs = new ArrayList<>();
        for (Path f : files) {
            String name = f.getFileName().toString();
            String group = name.substring(0, name.length() - suffix.length());
            docs.addAll(readCsv(task, f, group, columns));
        }
        return docs;
    }

    private static List<Doc> readCsv(String task, Path file, String group, List<String> columns) {
        List<Doc> docs = new ArrayList<>();
        String where = shortName(file);
        try (BufferedReader r = open(task, file)) {
            for (Csv.Row row : Csv.parse(r)) {
                if (row.fields().size() != columns.size()) {
                    throw new TaskDataException("task '" + task + "', " + where + ":" + row.line() + ": expected "
                            + columns.size() + " CSV columns " + columns + ", got " + row.fields().size());
                }
                ObjectNode o = JSON.createObjectNode();
                for (int i = 0; i < columns.size(); i++) {
                    o.put(columns.get(i), row.fields().get(i));
                }
                docs.add(new Doc(docs.size(), group, o, where + ":" + row.line()));
            }
        } catch (Csv.CsvException e) {
            throw new TaskDataException("task '" + task + "', " + where + ":" + e.line() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new TaskDataException("task '" + task + "': cannot read " + file + ": " + e, e);
        }
        return docs;
    }

    private static BufferedReader open(String task, Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new TaskDataException("task '" + task + "': data file not found: " + file);
        }
        InputStream in = Files.newInputStream(file);
        if (file.getFileName().toString().endsWith(".gz")) {
            in = new GZIPInputStream(in, 1 << 16);
        }
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
    }

    /** "arc_easy/test.jsonl": enough to find the file, short enough for a message. */
    private static String shortName(Path file) {
        Path parent = file.getParent();
        return parent == null || parent.getFileName() == null
                ? file.getFileName().toString()
                : parent.getFileName() + "/" + file.getFileName();
    }
}
