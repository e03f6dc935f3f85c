package io.moe4j.eval.harness;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * One evaluation item ("doc" in lm-eval): the raw fields of a data row, where it came from, and
 * the group it belongs to (the MMLU subject; empty for ungrouped tasks). Prompt functions read
 * fields through the accessors below, which fail with the field name instead of a
 * NullPointerException.
 *
 * @param index  position of the item within its split (0-based; per group for grouped tasks)
 * @param group  sub-task name, e.g. "abstract_algebra"; "" when the task has no groups
 * @param fields the row as JSON (CSV rows are converted to an object)
 * @param origin "file:line" for error messages
 */
public record Doc(int index, String group, JsonNode fields, String origin) {

    /** The node at a dotted path ("choices.text"); throws if absent or null. */
    public JsonNode node(String path) {
        JsonNode n = fields;
        for (String part : path.split("\\.")) {
            n = n == null ? null : n.get(part);
        }
        if (n == null || n.isNull()) {
            throw new IllegalArgumentException("missing field '" + path + "'");
        }
        return n;
    }

    /** Text of a scalar field (numbers and booleans are rendered as JSON text). */
    public String str(String path) {
        JsonNode n = node(path);
        if (n.isContainerNode()) {
            throw new IllegalArgumentException("field '" + path + "' should be a string, got " + n.getNodeType());
        }
        return n.asText();
    }

    /** An integer field; accepts JSON ints and integer strings such as "2". */
    public int integer(String path) {
        JsonNode n = node(path);
        if (n.canConvertToInt() && n.isIntegralNumber()) {
            return n.intValue();
        }
        try {
            return Integer.parseInt(n.asText().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("field '" + path + "' should be an integer, got '" + n.asText() + "'");
        }
    }

    /** A list of strings; the field must be a JSON array of scalars. */
    public List<String> strList(String path) {
        JsonNode n = node(path);
        if (!n.isArray()) {
            throw new IllegalArgumentException("field '" + path + "' should be an array, got " + n.getNodeType());
        }
        List<String> out = new ArrayList<>(n.size());
        for (JsonNode e : n) {
            if (e.isContainerNode() || e.isNull()) {
                throw new IllegalArgumentException("field '" + path + "' should hold strings, got " + e.getNodeType());
            }
            out.add(e.asText());
        }
        return out;
    }
}
