package io.moe4j.eval.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CsvTest {
    private static List<Csv.Row> parse(String s) throws IOException {
        return Csv.parse(new BufferedReader(new StringReader(s)));
    }

    @Test
    void quotingRules() throws IOException {
        List<Csv.Row> rows = parse("a,\"b,c\",\"say \"\"hi\"\"\"\r\n\"multi\nline\",,\"\"\nlast");
        assertEquals(3, rows.size());
        assertEquals(List.of("a", "b,c", "say \"hi\""), rows.get(0).fields());
        assertEquals(List.of("multi\nline", "", ""), rows.get(1).fields());
        assertEquals(2, rows.get(1).line());
        assertEquals(List.of("last"), rows.get(2).fields());
        assertEquals(4, rows.get(2).line());
        assertEquals(0, parse("").size());
        assertEquals(7, assertThrows(Csv.CsvException.class, () -> parse("a\n\n\n\n\n\n\"open\nx")).line());
    }

    /** Our reader against Python's csv module on the MMLU slices (golden file written by Python). */
    @Test
    void agreesWithPythonOnMmluSlices() throws Exception {
        Path slices = Path.of(CsvTest.class.getResource("/eval-slices").toURI());
        JsonNode golden = new ObjectMapper().readTree(slices.resolve("mmlu/rows_by_python_csv.json").toFile());
        int files = 0;
        for (Map.Entry<String, JsonNode> e : golden.properties()) {
            files++;
            List<Csv.Row> ours;
            try (BufferedReader r = Files.newBufferedReader(slices.resolve(e.getKey()), StandardCharsets.UTF_8)) {
                ours = Csv.parse(r);
            }
            List<List<String>> expected = new ArrayList<>();
            for (JsonNode row : e.getValue()) {
                List<String> fields = new ArrayList<>();
                row.forEach(f -> fields.add(f.asText()));
                expected.add(fields);
            }
            assertEquals(expected, ours.stream().map(Csv.Row::fields).toList(), e.getKey());
        }
        assertEquals(6, files);
    }
}
