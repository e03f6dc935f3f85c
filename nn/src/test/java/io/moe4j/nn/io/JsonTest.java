package io.moe4j.nn.io;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonTest {

    @Test
    void parsesAllValueKinds() {
        Object v = Json.parse(" {\"a\": [1, -2.5e3, true, false, null], \"b\": {\"c\": \"x\"}, \"d\": 0.1, \"e\": -0} ", "t");
        Map<String, Object> m = Json.asObject(v, "t");
        assertEquals(List.of("a", "b", "d", "e"), List.copyOf(m.keySet()), "keys keep file order");
        assertEquals(Arrays.asList(1L, -2500.0, true, false, null), m.get("a"));
        assertEquals(Map.of("c", "x"), m.get("b"));
        assertEquals(0.1, m.get("d"));
        assertEquals(0L, m.get("e"));
    }

    @Test
    void integersBeyondLongBecomeDoubles() {
        assertEquals(9223372036854775807L, Json.parse("9223372036854775807", "t"));
        assertEquals(1e20, Json.parse("100000000000000000000", "t"));
    }

    @Test
    void decodesEscapesAndSurrogatePairs() {
        String s = (String) Json.parse("\"q\\\"b\\\\s\\/n\\n t\\t u\\u00e9 \\ud83d\\ude00 \\b\\f\\r\"", "t");
        assertEquals("q\"b\\s/n\n t\t u\u00e9 \ud83d\ude00 \b\f\r", s);
        // Raw UTF-8 multi-byte text, 2, 3 and 4 bytes long.
        byte[] raw = "\"é€😀\"".getBytes(StandardCharsets.UTF_8);
        assertEquals("é€😀", Json.parse(raw, "t"));
    }

    @Test
    void writerRoundTrips() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a\"b\\c\n\u0001é😀");
        m.put("n", List.of(1L, 2.5, 1e-5, -3L));
        m.put("b", true);
        m.put("z", null);
        m.put("o", Map.of("k", List.of()));
        for (String text : List.of(Json.write(m), Json.writePretty(m))) assertEquals(m, Json.parse(text, "t"));
        assertEquals("\"\\u0001\"", Json.write("\u0001"));
        assertEquals("[1,2]", Json.write(new int[] {1, 2}));
        assertEquals(1e-5, Json.parse(Json.write(1e-5), "t"), "doubles round-trip exactly");
    }

    @Test
    void rejectsInvalidInputWithByteOffset() {
        assertError("{\"a\":1,}", 7);          // trailing comma
        assertError("{\"a\":1 \"b\":2}", 7);   // missing comma
        assertError("[01]", 2);                // leading zero
        assertError("[1.]", 3);
        assertError("{\"a\":1}x", 7);          // trailing garbage
        assertError("\"\\ud83d\"", 1);         // lone high surrogate
        assertError("\"\\ude00x\"", 1);        // lone low surrogate
        assertError("\"\\x\"", 2);             // bad escape
        assertError("\"abc", 4);               // unterminated
        assertError("tru", 3);
        assertError("{\"a\":1,\"a\":2}", 7);   // duplicate key
        assertError("\"a\tb\"", 2);            // raw control char
        assertError("", 0);
    }

    @Test
    void rejectsInvalidUtf8AndDeepNesting() {
        byte[] overlong = {'"', (byte) 0xc0, (byte) 0x80, '"'};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse(overlong, "f.json"));
        assertTrue(e.getMessage().contains("byte 1"), e.getMessage());
        byte[] truncated = {'"', (byte) 0xe2, (byte) 0x82};
        assertThrows(IllegalArgumentException.class, () -> Json.parse(truncated, "f.json"));
        String deep = "[".repeat(Json.MAX_DEPTH + 2) + "]".repeat(Json.MAX_DEPTH + 2);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Json.parse(deep, "f.json")).getMessage().contains("nesting"));
    }

    @Test
    void typedAccessorsNameTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.asInt(2.5, "cfg: hidden_size"));
        assertEquals("cfg: hidden_size must be an integer, got 2.5", e.getMessage());
        assertEquals(4096, Json.asInt(4096.0, "x"));
        assertThrows(IllegalArgumentException.class, () -> Json.asInt(1L << 40, "x"));
        String msg = assertThrows(IllegalArgumentException.class, () -> Json.asInt("multi\nline", "x")).getMessage();
        assertEquals("x must be an integer, got the string \"multi\\nline\"", msg, "one line, the value quoted");
        assertFalse(Json.asString(Json.parse("\"v\"", "t"), "x").isEmpty());
        assertNull(Json.parse("null", "t"));
    }

    private static void assertError(String text, int offset) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse(text, "cfg.json"), text);
        assertTrue(e.getMessage().startsWith("cfg.json: invalid JSON at byte " + offset + ":"), text + " -> " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }
}
