package io.moe4j.data.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parts of a Hugging Face {@code tokenizer.json} around the BPE model: normalizer,
 * pre-tokenizer and decoder, each built from its JSON node as a small function. Only the
 * component types that SentencePiece-style BPE files use are implemented; any other type fails
 * at load time with a message naming the field, rather than tokenizing differently from HF.
 */
final class HfPipeline {

    private HfPipeline() {
    }

    // ------------------------------------------------------------------ normalizer

    /** normalizer: null, Sequence, Prepend, Replace, NFC/NFD/NFKC/NFKD, Lowercase, Strip. */
    static UnaryOperator<String> normalizer(JsonNode n, String field) {
        if (n == null || n.isNull()) return s -> s;
        String type = type(n, field);
        switch (type) {
            case "Sequence": {
                List<UnaryOperator<String>> steps = new ArrayList<>();
                JsonNode list = array(n, "normalizers", field);
                for (int i = 0; i < list.size(); i++) steps.add(normalizer(list.get(i), field + ".normalizers[" + i + "]"));
                return s -> {
                    for (UnaryOperator<String> f : steps) s = f.apply(s);
                    return s;
                };
            }
            case "Prepend": {
                String p = text(n, "prepend", field);
                return s -> s.isEmpty() ? s : p + s;
            }
            case "Replace":
                return replacer(n, field);
            case "NFC": return s -> Normalizer.normalize(s, Normalizer.Form.NFC);
            case "NFD": return s -> Normalizer.normalize(s, Normalizer.Form.NFD);
            case "NFKC": return s -> Normalizer.normalize(s, Normalizer.Form.NFKC);
            case "NFKD": return s -> Normalizer.normalize(s, Normalizer.Form.NFKD);
            case "Lowercase": return s -> s.toLowerCase(Locale.ROOT);
            case "Strip": {
                boolean left = n.path("strip_left").asBoolean(true);
                boolean right = n.path("strip_right").asBoolean(true);
                return s -> left && right ? s.strip() : left ? s.stripLeading() : right ? s.stripTrailing() : s;
            }
            case "Precompiled":
                if (n.path("precompiled_charsmap").asText("").isEmpty()) return s -> s;
                throw unsupported(field, type + " with a charsmap");
            default:
                throw unsupported(field, type);
        }
    }

    /** Replace: pattern {"String": s} or {"Regex": r}, content. */
    private static UnaryOperator<String> replacer(JsonNode n, String field) {
        String content = text(n, "content", field);
        JsonNode pat = n.path("pattern");
        if (pat.has("String")) {
            String lit = pat.get("String").asText();
            if (lit.isEmpty()) throw new IllegalArgumentException(field + ".pattern.String is empty");
            return s -> s.replace(lit, content);
        }
        if (pat.has("Regex")) {
            Pattern re = Pattern.compile(pat.get("Regex").asText());
            String repl = Matcher.quoteReplacement(content);
            return s -> re.matcher(s).replaceAll(repl);
        }
        throw new IllegalArgumentException(field + ".pattern must have String or Regex");
    }

    // ------------------------------------------------------------------ pre-tokenizer

    /** Splits a normalized segment into words; {@code first}: the segment starts the text. */
    interface PreTokenizer {
        List<String> split(String s, boolean first);
    }

    /** pre_tokenizer: null, Metaspace, Sequence. */
    static PreTokenizer preTokenizer(JsonNode n, String field) {
        if (n == null || n.isNull()) return (s, first) -> List.of(s);
        String type = type(n, field);
        if (type.equals("Sequence")) {
            List<PreTokenizer> steps = new ArrayList<>();
            JsonNode list = array(n, "pretokenizers", field);
            for (int i = 0; i < list.size(); i++) steps.add(preTokenizer(list.get(i), field + ".pretokenizers[" + i + "]"));
            return (s, first) -> {
                List<String> words = List.of(s);
                for (PreTokenizer p : steps) {
                    List<String> next = new ArrayList<>();
                    for (String w : words) next.addAll(p.split(w, first));
                    words = next;
                }
                return words;
            };
        }
        if (!type.equals("Metaspace")) throw unsupported(field, type);
        char rep = replacementChar(n, field);
        String scheme = prependScheme(n);
        boolean split = n.path("split").asBoolean(true);
        return (s, first) -> {
            if (s.isEmpty()) return List.of();
            String r = s.replace(' ', rep);
            boolean prepend = scheme.equals("always") || (scheme.equals("first") && first);
            if (prepend && r.charAt(0) != rep) r = rep + r;
            return split ? splitBefore(r, rep) : List.of(r);
        };
    }

    /** Splits so that each occurrence of c starts a new word (HF's MergedWithNext). */
    private static List<String> splitBefore(String s, char c) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 1; i < s.length(); i++) {
            if (s.charAt(i) == c) {
                out.add(s.substring(start, i));
                start = i;
            }
        }
        out.add(s.substring(start));
        return out;
    }

    // ------------------------------------------------------------------ decoder

    /** Turns token strings into text pieces; the decoded text is their concatenation. */
    interface Decoder {
        List<String> decode(List<String> tokens);
    }

    /** decoder: null, Sequence, Replace, ByteFallback, Fuse, Strip, Metaspace. */
    static Decoder decoder(JsonNode n, String field) {
        if (n == null || n.isNull()) return t -> t;
        String type = type(n, field);
        switch (type) {
            case "Sequence": {
                List<Decoder> steps = new ArrayList<>();
                JsonNode list = array(n, "decoders", field);
                for (int i = 0; i < list.size(); i++) steps.add(decoder(list.get(i), field + ".decoders[" + i + "]"));
                return t -> {
                    for (Decoder d : steps) t = d.decode(t);
                    return t;
                };
            }
            case "Replace": {
                UnaryOperator<String> f = replacer(n, field);
                return t -> t.stream().map(f).toList();
            }
            case "ByteFallback":
                return HfPipeline::byteFallback;
            case "Fuse":
                return t -> List.of(String.join("", t));
            case "Strip":
                return strip(n, field);
            case "Metaspace": {
                char rep = replacementChar(n, field);
                boolean dropFirst = !prependScheme(n).equals("never");
                return t -> {
                    List<String> out = new ArrayList<>(t.size());
                    for (int i = 0; i < t.size(); i++) {
                        String s = t.get(i);
                        // HF drops every replacement char of the first token, not just a leading one.
                        out.add(i == 0 && dropFirst ? s.replace(String.valueOf(rep), "") : s.replace(rep, ' '));
                    }
                    return out;
                };
            }
            default:
                throw unsupported(field, type);
        }
    }

    /**
     * HF ByteFallback: a run of {@code <0xHH>} tokens becomes its UTF-8 text, or one U+FFFD per
     * token if the run is not valid UTF-8 as a whole.
     */
    private static List<String> byteFallback(List<String> tokens) {
        List<String> out = new ArrayList<>(tokens.size());
        TokText.ByteList run = new TokText.ByteList();
        for (String t : tokens) {
            int b = TokText.bytePieceValue(t);
            if (b >= 0) {
                run.add(b);
                continue;
            }
            flushBytes(run, out);
            out.add(t);
        }
        flushBytes(run, out);
        return out;
    }

    private static void flushBytes(TokText.ByteList run, List<String> out) {
        if (run.size == 0) return;
        try {
            out.add(StandardCharsets.UTF_8.newDecoder()
                    .decode(java.nio.ByteBuffer.wrap(run.a, 0, run.size)).toString());
        } catch (java.nio.charset.CharacterCodingException e) {
            for (int i = 0; i < run.size; i++) out.add("\uFFFD");
        }
        run.size = 0;
    }

    /** HF Strip decoder: per token, drop up to start leading and stop trailing content chars. */
    private static Decoder strip(JsonNode n, String field) {
        String content = text(n, "content", field);
        if (content.length() != 1) throw new IllegalArgumentException(field + ".content must be one character");
        char c = content.charAt(0);
        int start = n.path("start").asInt(0);
        int stop = n.path("stop").asInt(0);
        return t -> t.stream().map(s -> {
            int a = 0;
            while (a < start && a < s.length() && s.charAt(a) == c) a++;
            int b = s.length();
            while (s.length() - b < stop && b > a && s.charAt(b - 1) == c) b--;
            return s.substring(a, b);
        }).toList();
    }

    // ------------------------------------------------------------------ JSON helpers

    private static char replacementChar(JsonNode n, String field) {
        String r = n.path("replacement").asText("\u2581");
        if (r.length() != 1) throw new IllegalArgumentException(field + ".replacement must be one character");
        return r.charAt(0);
    }

    /** prepend_scheme (newer files) or add_prefix_space (older ones). */
    private static String prependScheme(JsonNode n) {
        if (n.hasNonNull("prepend_scheme")) return n.get("prepend_scheme").asText().toLowerCase(Locale.ROOT);
        return n.path("add_prefix_space").asBoolean(true) ? "always" : "never";
    }

    static String type(JsonNode n, String field) {
        JsonNode t = n.get("type");
        if (t == null || !t.isTextual()) throw new IllegalArgumentException(field + ".type is missing");
        return t.asText();
    }

    static String text(JsonNode n, String key, String field) {
        JsonNode t = n.get(key);
        if (t == null || !t.isTextual()) throw new IllegalArgumentException(field + "." + key + " must be a string");
        return t.asText();
    }

    static JsonNode array(JsonNode n, String key, String field) {
        JsonNode a = n.get(key);
        if (a == null || !a.isArray()) throw new IllegalArgumentException(field + "." + key + " must be an array");
        return a;
    }

    private static IllegalArgumentException unsupported(String field, String type) {
        return new IllegalArgumentException(field + " type " + type + " is not supported");
    }
}
