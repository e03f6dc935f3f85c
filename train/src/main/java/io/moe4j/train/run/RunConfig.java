package io.moe4j.train.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The settings of a run as canonical JSON (keys sorted, paths as plain strings) and their SHA-256. The hash
 * decides whether {@code --resume} may continue a run directory: the same hash means the same data, model,
 * schedule and batch shape, so the continued run is the one that was started.
 */
public final class RunConfig {
    /** Shared mapper: sorted keys so equal settings always give equal bytes; Paths written as their string. */
    public static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .configure(com.fasterxml.jackson.databind.MapperFeature.SORT_PROPERTIES_ALPHABETICALLY, true)
            .registerModule(new SimpleModule().addSerializer(Path.class, ToStringSerializer.instance));

    private RunConfig() {}

    /**
     * A settings record as a sorted JSON object, without the {@code excluded} keys (those that may change between
     * a run and its resumption, such as {@code resume} itself or the output folder).
     */
    public static ObjectNode canonical(Object settings, Set<String> excluded) {
        ObjectNode all = JSON.valueToTree(settings);
        ObjectNode out = JSON.createObjectNode();
        new TreeSet<>(iterable(all.fieldNames())).forEach(k -> {
            if (!excluded.contains(k)) out.set(k, all.get(k));
        });
        return out;
    }

    /** SHA-256 (hex) of the compact canonical JSON. */
    public static String hash(ObjectNode canonical) {
        try {
            byte[] bytes = JSON.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(sortedCopy(canonical));
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot hash run settings", e);
        }
    }

    /** Human-readable differences between two canonical settings objects, e.g. {@code lr: 0.001 -> 0.002}. */
    public static List<String> differences(JsonNode before, JsonNode now) {
        Set<String> keys = new TreeSet<>(iterable(before.fieldNames()));
        keys.addAll(iterable(now.fieldNames()));
        List<String> out = new ArrayList<>();
        for (String k : keys) {
            JsonNode a = before.get(k), b = now.get(k);
            // compare the written form: a value read back from config.json may be an IntNode where ours is a LongNode
            if (a == null || b == null || !a.toString().equals(b.toString())) out.add(k + ": " + text(a) + " -> " + text(b));
        }
        return out;
    }

    private static String text(JsonNode n) {
        return n == null ? "(absent)" : n.toString();
    }

    private static JsonNode sortedCopy(JsonNode n) {
        if (n.isObject()) {
            ObjectNode o = JSON.createObjectNode();
            new TreeSet<>(iterable(n.fieldNames())).forEach(k -> o.set(k, sortedCopy(n.get(k))));
            return o;
        }
        if (n.isArray()) {
            var a = JSON.createArrayNode();
            n.forEach(x -> a.add(sortedCopy(x)));
            return a;
        }
        return n;
    }

    private static List<String> iterable(Iterator<String> it) {
        List<String> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    /** SHA-256 of bytes, hex (for tokenizer identity). */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Convenience for tests and reports: a map as a sorted JSON object. */
    public static ObjectNode objectOf(Map<String, ?> m) {
        return JSON.valueToTree(new java.util.TreeMap<>(m));
    }
}
