package io.moe4j.nn.io;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON (RFC 8259) reader and writer. The core modules may not depend on Jackson,
 * yet checkpoints need JSON for safetensors headers and {@code config.json}; this covers exactly
 * that and no more.
 *
 * <p>Values map to Java as: object = {@code LinkedHashMap<String, Object>} (file order kept),
 * array = {@code ArrayList<Object>}, string = {@code String}, number = {@code Long} when written
 * without fraction or exponent and in range, else {@code Double}, {@code true/false} =
 * {@code Boolean}, {@code null} = Java {@code null}.
 *
 * <p>Strict means: input must be valid UTF-8, no duplicate keys, no lone surrogates, no leading
 * zeros, no trailing commas, no comments, nothing but whitespace after the value, nesting at most
 * {@value #MAX_DEPTH} deep. Every error is one line naming the source and the byte offset.
 */
public final class Json {
    /** Deeper input is rejected rather than risking a StackOverflowError on hostile files. */
    public static final int MAX_DEPTH = 256;

    private final byte[] in;
    private final String source;
    private int pos;

    private Json(byte[] in, String source) {
        this.in = in;
        this.source = source;
    }

    /** Parses one JSON value from UTF-8 bytes; {@code source} names the file in error messages. */
    public static Object parse(byte[] utf8, String source) {
        Json p = new Json(utf8, source);
        p.skipWs();
        Object v = p.value(0);
        p.skipWs();
        if (p.pos != utf8.length) throw p.error("unexpected data after the JSON value");
        return v;
    }

    public static Object parse(String text, String source) {
        return parse(text.getBytes(StandardCharsets.UTF_8), source);
    }

    // ---------------------------------------------------------------- reader

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException(source + ": invalid JSON at byte " + pos + ": " + what);
    }

    private void skipWs() {
        while (pos < in.length) {
            byte b = in[pos];
            if (b == ' ' || b == '\t' || b == '\n' || b == '\r') pos++;
            else break;
        }
    }

    private int peek() {
        if (pos >= in.length) throw error("unexpected end of input");
        return in[pos] & 0xff;
    }

    private void expect(char c) {
        if (peek() != c) throw error("expected '" + c + "' but found " + describe(peek()));
        pos++;
    }

    private static String describe(int b) {
        return b >= 0x20 && b < 0x7f ? "'" + (char) b + "'" : String.format("byte 0x%02x", b);
    }

    private Object value(int depth) {
        if (depth > MAX_DEPTH) throw error("nesting deeper than " + MAX_DEPTH);
        int c = peek();
        switch (c) {
            case '{': return object(depth);
            case '[': return array(depth);
            case '"': return string();
            case 't': literal("true"); return Boolean.TRUE;
            case 'f': literal("false"); return Boolean.FALSE;
            case 'n': literal("null"); return null;
            default:
                if (c == '-' || (c >= '0' && c <= '9')) return number();
                throw error("unexpected " + describe(c));
        }
    }

    private void literal(String word) {
        for (int k = 0; k < word.length(); k++) {
            if (pos >= in.length || in[pos] != word.charAt(k)) throw error("invalid literal, expected '" + word + "'");
            pos++;
        }
    }

    private Map<String, Object> object(int depth) {
        expect('{');
        LinkedHashMap<String, Object> out = new LinkedHashMap<>();
        skipWs();
        if (peek() == '}') { pos++; return out; }
        while (true) {
            skipWs();
            int keyPos = pos;
            if (peek() != '"') throw error("expected a string key but found " + describe(peek()));
            String key = string();
            if (out.containsKey(key)) { pos = keyPos; throw error("duplicate key \"" + key + "\""); }
            skipWs();
            expect(':');
            skipWs();
            out.put(key, value(depth + 1));
            skipWs();
            if (peek() == ',') { pos++; continue; }
            expect('}');
            return out;
        }
    }

    private List<Object> array(int depth) {
        expect('[');
        ArrayList<Object> out = new ArrayList<>();
        skipWs();
        if (peek() == ']') { pos++; return out; }
        while (true) {
            skipWs();
            out.add(value(depth + 1));
            skipWs();
            if (peek() == ',') { pos++; continue; }
            expect(']');
            return out;
        }
    }

    private Object number() {
        int start = pos;
        boolean integral = true;
        if (in[pos] == '-') pos++;
        if (peek() == '0') pos++;
        else digits("a digit");
        if (pos < in.length && in[pos] == '.') { pos++; integral = false; digits("a digit after '.'"); }
        if (pos < in.length && (in[pos] == 'e' || in[pos] == 'E')) {
            pos++;
            integral = false;
            if (pos < in.length && (in[pos] == '+' || in[pos] == '-')) pos++;
            digits("a digit in the exponent");
        }
        String text = new String(in, start, pos - start, StandardCharsets.US_ASCII);
        if (integral) {
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException tooBig) {
                // falls through to a double, like JavaScript would read it
            }
        }
        return Double.parseDouble(text);
    }

    private void digits(String what) {
        if (pos >= in.length || in[pos] < '0' || in[pos] > '9') throw error("expected " + what);
        while (pos < in.length && in[pos] >= '0' && in[pos] <= '9') pos++;
    }

    private String string() {
        expect('"');
        StringBuilder sb = new StringBuilder();
        while (true) {
            int c = peek();
            if (c == '"') { pos++; return sb.toString(); }
            if (c == '\\') { escape(sb); continue; }
            if (c < 0x20) throw error("unescaped control character " + describe(c) + " in string");
            if (c < 0x80) { sb.append((char) c); pos++; continue; }
            sb.appendCodePoint(utf8());
        }
    }

    private void escape(StringBuilder sb) {
        pos++; // the backslash
        int c = peek();
        pos++;
        switch (c) {
            case '"': sb.append('"'); break;
            case '\\': sb.append('\\'); break;
            case '/': sb.append('/'); break;
            case 'b': sb.append('\b'); break;
            case 'f': sb.append('\f'); break;
            case 'n': sb.append('\n'); break;
            case 'r': sb.append('\r'); break;
            case 't': sb.append('\t'); break;
            case 'u': sb.append(unicodeEscape()); break;
            default: pos--; throw error("invalid escape \\" + (char) c);
        }
    }

    /** After "\\u": one BMP char, or a surrogate pair written as two escapes. Lone surrogates are rejected. */
    private String unicodeEscape() {
        int start = pos - 2;
        char hi = (char) hex4();
        if (!Character.isSurrogate(hi)) return String.valueOf(hi);
        if (Character.isHighSurrogate(hi) && pos + 1 < in.length && in[pos] == '\\' && in[pos + 1] == 'u') {
            pos += 2;
            char lo = (char) hex4();
            if (Character.isLowSurrogate(lo)) return new String(new char[] {hi, lo});
        }
        pos = start;
        throw error("lone UTF-16 surrogate in \\u escape");
    }

    private int hex4() {
        int v = 0;
        for (int k = 0; k < 4; k++) {
            int c = peek();
            int d = Character.digit(c, 16);
            if (d < 0 || c >= 0x80) throw error("expected 4 hex digits after \\u");
            v = v * 16 + d;
            pos++;
        }
        return v;
    }

    /** Decodes one multi-byte UTF-8 sequence, rejecting overlong forms, surrogates and truncation. */
    private int utf8() {
        int b0 = in[pos] & 0xff;
        int n, cp, min;
        if (b0 >= 0xc2 && b0 <= 0xdf) { n = 1; cp = b0 & 0x1f; min = 0x80; }
        else if (b0 >= 0xe0 && b0 <= 0xef) { n = 2; cp = b0 & 0x0f; min = 0x800; }
        else if (b0 >= 0xf0 && b0 <= 0xf4) { n = 3; cp = b0 & 0x07; min = 0x10000; }
        else throw error("invalid UTF-8 lead " + describe(b0));
        for (int k = 1; k <= n; k++) {
            if (pos + k >= in.length || (in[pos + k] & 0xc0) != 0x80) throw error("truncated or invalid UTF-8 sequence");
            cp = (cp << 6) | (in[pos + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw error("invalid UTF-8 code point");
        pos += n + 1;
        return cp;
    }

    // ---------------------------------------------------------------- writer

    /** Compact JSON text. Accepts Map (String keys), List, String, Number, Boolean, null and int[]/long[]. */
    public static String write(Object v) {
        StringBuilder sb = new StringBuilder();
        write(sb, v, -1, 0);
        return sb.toString();
    }

    /** Indented JSON text (two spaces per level), for human-read files like config.json. */
    public static String writePretty(Object v) {
        StringBuilder sb = new StringBuilder();
        write(sb, v, 2, 0);
        return sb.append('\n').toString();
    }

    private static void write(StringBuilder sb, Object v, int indent, int level) {
        if (v == null) sb.append("null");
        else if (v instanceof String s) quote(sb, s);
        else if (v instanceof Boolean b) sb.append(b);
        else if (v instanceof Double || v instanceof Float) sb.append(number(((Number) v).doubleValue()));
        else if (v instanceof Number n) sb.append(n.longValue());
        else if (v instanceof Map<?, ?> m) writeObject(sb, m, indent, level);
        else if (v instanceof List<?> l) writeArray(sb, l, indent, level);
        else if (v instanceof int[] a) writeArray(sb, java.util.Arrays.stream(a).boxed().toList(), -1, level);
        else if (v instanceof long[] a) writeArray(sb, java.util.Arrays.stream(a).boxed().toList(), -1, level);
        else throw new IllegalArgumentException("JSON writer: cannot write a " + v.getClass().getName());
    }

    private static String number(double d) {
        if (!Double.isFinite(d)) throw new IllegalArgumentException("JSON writer: " + d + " is not a JSON number");
        return Double.toString(d); // "1.0E-5" and "10000.0" are valid JSON and read back bit-exactly
    }

    private static void writeObject(StringBuilder sb, Map<?, ?> m, int indent, int level) {
        if (m.isEmpty()) { sb.append("{}"); return; }
        sb.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getKey() instanceof String key)) throw new IllegalArgumentException("JSON writer: object key " + e.getKey() + " is not a String");
            if (!first) sb.append(',');
            first = false;
            newline(sb, indent, level + 1);
            quote(sb, key);
            sb.append(indent >= 0 ? ": " : ":");
            write(sb, e.getValue(), indent, level + 1);
        }
        newline(sb, indent, level);
        sb.append('}');
    }

    private static void writeArray(StringBuilder sb, List<?> l, int indent, int level) {
        // Arrays of plain numbers (shapes, offsets) stay on one line even when indenting.
        boolean flat = indent < 0 || l.stream().allMatch(x -> x instanceof Number);
        sb.append('[');
        for (int k = 0; k < l.size(); k++) {
            if (k > 0) sb.append(flat && indent >= 0 ? ", " : ",");
            if (!flat) newline(sb, indent, level + 1);
            write(sb, l.get(k), indent, level + 1);
        }
        if (!flat && !l.isEmpty()) newline(sb, indent, level);
        sb.append(']');
    }

    private static void newline(StringBuilder sb, int indent, int level) {
        if (indent < 0) return;
        sb.append('\n');
        for (int k = 0; k < indent * level; k++) sb.append(' ');
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    // Control chars and lone surrogates (which UTF-8 cannot encode) are escaped.
                    boolean lone = Character.isHighSurrogate(c) ? k + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(k + 1))
                            : Character.isLowSurrogate(c) && (k == 0 || !Character.isHighSurrogate(s.charAt(k - 1)));
                    if (c < 0x20 || lone) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }

    // ---------------------------------------------------------------- typed access

    /** {@code v} as a JSON object, else an error naming {@code what} (e.g. "config.json: field x"). */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> asObject(Object v, String what) {
        if (v instanceof Map<?, ?>) return (Map<String, Object>) v;
        throw new IllegalArgumentException(what + " must be a JSON object, got " + kind(v));
    }

    @SuppressWarnings("unchecked")
    public static List<Object> asList(Object v, String what) {
        if (v instanceof List<?>) return (List<Object>) v;
        throw new IllegalArgumentException(what + " must be a JSON array, got " + kind(v));
    }

    public static String asString(Object v, String what) {
        if (v instanceof String s) return s;
        throw new IllegalArgumentException(what + " must be a string, got " + kind(v));
    }

    public static boolean asBoolean(Object v, String what) {
        if (v instanceof Boolean b) return b;
        throw new IllegalArgumentException(what + " must be true or false, got " + kind(v));
    }

    /** An integer-valued number (10 and 10.0 both pass; 10.5 and 1e300 do not). */
    public static long asLong(Object v, String what) {
        if (v instanceof Long l) return l;
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) <= 0x1p53) return d.longValue();
        throw new IllegalArgumentException(what + " must be an integer, got " + kind(v));
    }

    public static int asInt(Object v, String what) {
        long l = asLong(v, what);
        if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) throw new IllegalArgumentException(what + " = " + l + " does not fit in an int");
        return (int) l;
    }

    public static double asDouble(Object v, String what) {
        if (v instanceof Number n) return n.doubleValue();
        throw new IllegalArgumentException(what + " must be a number, got " + kind(v));
    }

    private static String kind(Object v) {
        if (v == null) return "null";
        if (v instanceof Map) return "an object";
        if (v instanceof List) return "an array";
        if (v instanceof String s) return "the string " + write(s.length() > 40 ? s.substring(0, 40) + "..." : s);
        return v.toString();
    }
}
