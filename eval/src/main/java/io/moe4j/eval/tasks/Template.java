package io.moe4j.eval.tasks;

import io.moe4j.eval.harness.Doc;

import java.util.ArrayList;
import java.util.List;

/**
 * A prompt template with {@code {{field}}} placeholders (dotted paths allowed), the subset of
 * lm-eval's Jinja {@code doc_to_text} that plain field substitution needs. Parsed once, so a
 * malformed template fails when the task is defined, not on item 3000.
 */
public final class Template {
    private final String source;
    private final List<String> literals = new ArrayList<>(); // literals.size() == fields.size() + 1
    private final List<String> fields = new ArrayList<>();

    private Template(String source) {
        this.source = source;
        int at = 0;
        while (true) {
            int open = source.indexOf("{{", at);
            if (open < 0) {
                literals.add(source.substring(at));
                break;
            }
            int close = source.indexOf("}}", open + 2);
            if (close < 0) {
                throw new IllegalArgumentException("template " + quote(source) + ": '{{' at " + open + " is never closed");
            }
            String field = source.substring(open + 2, close).strip();
            if (field.isEmpty() || !field.matches("[A-Za-z0-9_.]+")) {
                throw new IllegalArgumentException("template " + quote(source) + ": bad field name '" + field
                        + "' (letters, digits, '_' and '.' only)");
            }
            literals.add(source.substring(at, open));
            fields.add(field);
            at = close + 2;
        }
    }

    public static Template parse(String source) {
        return new Template(source);
    }

    /** Substitutes each placeholder with the item's field text; a missing field throws naming it. */
    public String render(Doc doc) {
        StringBuilder b = new StringBuilder(literals.get(0));
        for (int i = 0; i < fields.size(); i++) {
            b.append(doc.str(fields.get(i))).append(literals.get(i + 1));
        }
        return b.toString();
    }

    /** The field names used, in order. */
    public List<String> fields() {
        return List.copyOf(fields);
    }

    @Override
    public String toString() {
        return source;
    }

    private static String quote(String s) {
        return "\"" + s.replace("\n", "\\n") + "\"";
    }
}
