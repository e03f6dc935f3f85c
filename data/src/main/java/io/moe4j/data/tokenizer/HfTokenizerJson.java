package io.moe4j.data.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * A Hugging Face {@code tokenizer.json} whose model is BPE (the format LLaMA and Mistral ship
 * beside their SentencePiece model). Encoding runs HF's pipeline: cut out added_tokens, apply the
 * normalizer, pre-tokenize, then per word split into characters (byte_fallback to
 * {@code <0xHH>} tokens, else unk, fused when fuse_unk) and merge by merge rank, lowest first,
 * leftmost on ties, in {@link BpeMerger}. Decoding drops special tokens and runs the decoder.
 *
 * <p>BOS/EOS come from {@code tokenizer_config.json} beside the file when present, else from the
 * post_processor template, else from conventional added tokens ({@code <s>}, {@code </s>}, ...).
 * Not supported (load fails naming the field): byte-level BPE, continuing_subword_prefix,
 * end_of_word_suffix; BPE dropout is ignored (it is a training-time regularizer).
 */
public final class HfTokenizerJson implements Tokenizer {

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final int MAX_ID = 1 << 24;
    private static final int CACHE_LIMIT = 1 << 16; // words; ~10 MB at most
    private static final int CACHE_MAX_WORD = 64;

    private final String[] tokens;      // (V) id -> token string, null for holes
    private final boolean[] special;    // (V) dropped by decode
    private final int[] charIds = new int[65536]; // BMP char -> vocab id, -1 none
    private final Map<String, Integer> vocab;
    private final int[] byteIds = new int[256];   // -1 when the byte token is missing
    private final BpeMerger merger;
    private final boolean byteFallback;
    private final boolean fuseUnk;
    private final boolean ignoreMerges;
    private final int unkId;
    private final int bosId;
    private final int eosId;
    private final HfAddedTokens added;
    private final UnaryOperator<String> normalizer;
    private final HfPipeline.PreTokenizer preTokenizer;
    private final HfPipeline.Decoder decoder;
    private final char spaceSymbol;     // what the decoder turns into ' ' (0 if none)
    private final Map<String, int[]> wordCache = new ConcurrentHashMap<>();
    private final boolean splitWords;   // see TokText.canSplitBeforeSpace

    /** Reads a tokenizer.json (or .json.gz) and the tokenizer_config.json beside it if any. */
    public static HfTokenizerJson load(Path path) {
        byte[] json = Tokenizers.readFile(path);
        Path dir = path.toAbsolutePath().getParent();
        Path cfg = dir == null ? null : dir.resolve("tokenizer_config.json");
        byte[] config = null;
        if (cfg != null && Files.isRegularFile(cfg) && !cfg.equals(path.toAbsolutePath())) {
            config = Tokenizers.readFile(cfg);
        }
        return parse(json, config, path.toString());
    }

    /**
     * Parses tokenizer.json bytes, with optional tokenizer_config.json bytes for BOS/EOS;
     * {@code source} names the file in error messages.
     */
    public static HfTokenizerJson parse(byte[] json, byte[] config, String source) {
        JsonNode root;
        JsonNode cfg = null;
        try {
            root = JSON.readTree(json);
            if (config != null) cfg = JSON.readTree(config);
        } catch (JsonProcessingException e) {
            throw Tokenizers.bad(source, "not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw Tokenizers.bad(source, "cannot parse JSON: " + e.getMessage(), e);
        }
        try {
            if (root == null || !root.isObject()) throw new IllegalArgumentException("top level is not a JSON object");
            return new HfTokenizerJson(root, cfg);
        } catch (IllegalArgumentException e) {
            throw Tokenizers.bad(source, "not a Hugging Face BPE tokenizer.json: " + e.getMessage(), e);
        }
    }

    private HfTokenizerJson(JsonNode root, JsonNode cfg) {
        JsonNode model = root.get("model");
        if (model == null || !model.isObject()) throw new IllegalArgumentException("no \"model\" object");
        String type = model.path("type").asText("BPE");
        if (!type.equals("BPE")) throw new IllegalArgumentException("model.type is " + type + ", only BPE is supported");
        for (String key : new String[] {"continuing_subword_prefix", "end_of_word_suffix"}) {
            if (model.hasNonNull(key) && !model.get(key).asText().isEmpty()) {
                throw new IllegalArgumentException("model." + key + " is not supported");
            }
        }
        vocab = readVocab(model.get("vocab"));
        added = new HfAddedTokens(root.get("added_tokens"), "added_tokens");
        int v = 0;
        for (int id : vocab.values()) v = Math.max(v, id + 1);
        for (int i = 0; i < added.size(); i++) v = Math.max(v, checkId(added.id(i), "added_tokens") + 1);
        tokens = new String[v];
        special = new boolean[v];
        vocab.forEach((tok, id) -> tokens[id] = tok);
        for (int i = 0; i < added.size(); i++) {
            tokens[added.id(i)] = added.content(i);
            special[added.id(i)] = added.special(i);
        }
        byteFallback = model.path("byte_fallback").asBoolean(false);
        fuseUnk = model.path("fuse_unk").asBoolean(false);
        ignoreMerges = model.path("ignore_merges").asBoolean(false);
        String unk = model.path("unk_token").asText(null);
        unkId = unk == null ? -1 : vocab.getOrDefault(unk, -1);
        java.util.Arrays.fill(charIds, -1);
        vocab.forEach((tok, id) -> {
            if (tok.length() == 1) charIds[tok.charAt(0)] = id;
        });
        for (int b = 0; b < 256; b++) byteIds[b] = vocab.getOrDefault(TokText.bytePiece(b), -1);
        merger = readMerges(HfPipeline.array(model, "merges", "model"));
        splitWords = vocab.containsKey(String.valueOf(TokText.SPACE_SYMBOL))
                && TokText.canSplitBeforeSpace(vocab.keySet(), TokText.SPACE_SYMBOL);
        normalizer = HfPipeline.normalizer(root.get("normalizer"), "normalizer");
        preTokenizer = HfPipeline.preTokenizer(root.get("pre_tokenizer"), "pre_tokenizer");
        decoder = HfPipeline.decoder(root.get("decoder"), "decoder");
        spaceSymbol = findSpaceSymbol(root.get("decoder"));
        bosId = specialId(cfg, "bos_token", root.get("post_processor"), true);
        eosId = specialId(cfg, "eos_token", root.get("post_processor"), false);
    }

    // ------------------------------------------------------------------ loading

    private static Map<String, Integer> readVocab(JsonNode node) {
        if (node == null || !node.isObject()) throw new IllegalArgumentException("model.vocab must be an object");
        Map<String, Integer> vocab = new HashMap<>(node.size() * 2);
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().canConvertToInt()) {
                throw new IllegalArgumentException("model.vocab[\"" + e.getKey() + "\"] is not an integer id");
            }
            vocab.put(e.getKey(), checkId(e.getValue().asInt(), "model.vocab"));
        }
        if (vocab.isEmpty()) throw new IllegalArgumentException("model.vocab is empty");
        return vocab;
    }

    private static int checkId(int id, String field) {
        if (id < 0 || id >= MAX_ID) throw new IllegalArgumentException(field + " has id " + id + " outside [0, " + MAX_ID + ")");
        return id;
    }

    /** merges: "a b" strings or [a, b] arrays; rank = position; a later duplicate wins, as in HF. */
    private BpeMerger readMerges(JsonNode merges) {
        int n = merges.size();
        PairTable table = new PairTable(n);
        int[] merged = new int[n];
        int[] prio = new int[n];
        for (int rank = n - 1; rank >= 0; rank--) {
            JsonNode m = merges.get(rank);
            String a;
            String b;
            if (m.isArray() && m.size() == 2) {
                a = m.get(0).asText();
                b = m.get(1).asText();
            } else {
                String[] parts = m.asText().split(" ", -1);
                if (!m.isTextual() || parts.length != 2) {
                    throw new IllegalArgumentException("model.merges[" + rank + "] is not a pair: " + m);
                }
                a = parts[0];
                b = parts[1];
            }
            Integer ia = vocab.get(a);
            Integer ib = vocab.get(b);
            Integer ic = vocab.get(a + b);
            if (ia == null || ib == null || ic == null) {
                throw new IllegalArgumentException("model.merges[" + rank + "] \"" + a + " " + b + "\" uses a token not in model.vocab");
            }
            table.putIfAbsent(PairTable.key(ia, ib), rank);
            merged[rank] = ic;
            prio[rank] = -rank; // lower rank merges first
        }
        return new BpeMerger(table, merged, prio);
    }

    private static char findSpaceSymbol(JsonNode dec) {
        if (dec == null || dec.isNull()) return 0;
        String type = dec.path("type").asText();
        if (type.equals("Metaspace")) return dec.path("replacement").asText("\u2581").charAt(0);
        if (type.equals("Replace") && dec.path("content").asText().equals(" ")) {
            String lit = dec.path("pattern").path("String").asText("");
            return lit.length() == 1 ? lit.charAt(0) : 0;
        }
        for (JsonNode d : dec.path("decoders")) {
            char c = findSpaceSymbol(d);
            if (c != 0) return c;
        }
        return 0;
    }

    /** BOS/EOS: tokenizer_config.json, else the post_processor template, else usual names. */
    private int specialId(JsonNode cfg, String key, JsonNode post, boolean bos) {
        if (cfg != null && cfg.hasNonNull(key)) {
            JsonNode t = cfg.get(key);
            int id = tokenId(t.isObject() ? t.path("content").asText() : t.asText());
            if (id >= 0) return id;
        }
        JsonNode single = post == null ? null : post.get("single");
        if (single != null && single.isArray() && single.size() > 0) {
            JsonNode end = single.get(bos ? 0 : single.size() - 1);
            if (end.has("SpecialToken")) {
                int id = tokenId(end.get("SpecialToken").path("id").asText());
                if (id >= 0) return id;
            }
        }
        String[] names = bos ? new String[] {"<s>", "<|begin_of_text|>", "<bos>"}
                : new String[] {"</s>", "<|end_of_text|>", "<|endoftext|>", "<eos>"};
        for (String name : names) {
            int i = added.indexOf(name);
            if (i >= 0) return added.id(i);
        }
        return -1;
    }

    private int tokenId(String token) {
        int i = added.indexOf(token);
        return i >= 0 ? added.id(i) : vocab.getOrDefault(token, -1);
    }

    // ------------------------------------------------------------------ encoding

    @Override
    public int[] encode(String text, boolean addBos, boolean addEos) {
        return Tokenizers.wrap(encode(text, splitWords), addBos, bosId, addEos, eosId);
    }

    /** The reference path for tests: no word cutting, each pre-tokenized word merged whole. */
    int[] encodeWithoutWordCut(String text) {
        return encode(text, false);
    }

    /** Whether {@link #encode} cuts words (see {@link TokText#canSplitBeforeSpace}). */
    boolean cutsWords() {
        return splitWords;
    }

    private int[] encode(String text, boolean cut) {
        TokText.IntList out = new TokText.IntList(text.length() / 3 + 4);
        for (HfAddedTokens.Segment seg : added.split(text)) {
            if (seg.id() >= 0) {
                out.add(seg.id());
                continue;
            }
            String norm = normalizer.apply(text.substring(seg.start(), seg.end()));
            if (norm.isEmpty()) continue;
            for (String w : preTokenizer.split(norm, seg.start() == 0)) {
                if (!cut) {
                    encodeWord(w, false, out);
                    continue;
                }
                for (int from = 0; from < w.length(); ) {
                    int to = TokText.wordEnd(w, from, TokText.SPACE_SYMBOL);
                    encodeWord(from == 0 && to == w.length() ? w : w.substring(from, to), true, out);
                    from = to;
                }
            }
        }
        return out.toArray();
    }

    private void encodeWord(String w, boolean useCache, TokText.IntList out) {
        if (w.isEmpty()) return;
        if (ignoreMerges) {
            Integer id = vocab.get(w);
            if (id != null) {
                out.add(id);
                return;
            }
        }
        useCache &= w.length() <= CACHE_MAX_WORD;
        int[] ids = useCache ? wordCache.get(w) : null;
        if (ids == null) {
            ids = bpe(w);
            if (useCache) {
                if (wordCache.size() >= CACHE_LIMIT) wordCache.clear();
                wordCache.put(w, ids);
            }
        }
        for (int id : ids) out.add(id);
    }

    /** One word: characters to ids (byte fallback / unk), then merges by rank. */
    private int[] bpe(String w) {
        TokText.IntList sym = new TokText.IntList(w.length() + 4);
        boolean prevUnk = false;
        for (int i = 0; i < w.length(); ) {
            int cp = w.codePointAt(i);
            int len = Character.charCount(cp);
            int id = len == 1 ? charIds[cp] : vocab.getOrDefault(w.substring(i, i + len), -1);
            i += len;
            if (id >= 0) {
                sym.add(id);
                prevUnk = false;
            } else if (byteFallback && addBytes(cp, sym)) {
                prevUnk = false;
            } else if (unkId >= 0) {
                if (!(fuseUnk && prevUnk)) sym.add(unkId);
                prevUnk = true;
            } // no unk token: HF fails; dropping the character is the lesser evil here
        }
        int n = sym.size;
        int[] s = sym.a;
        int[] next = merger.merge(s, n, null, null);
        TokText.IntList out = new TokText.IntList(n);
        if (n > 0) for (int i = 0; i >= 0; i = next[i]) out.add(s[i]);
        return out.toArray();
    }

    private boolean addBytes(int cp, TokText.IntList sym) {
        if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
        byte[] utf8 = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
        for (byte b : utf8) if (byteIds[b & 0xFF] < 0) return false;
        for (byte b : utf8) sym.add(byteIds[b & 0xFF]);
        return true;
    }

    // ------------------------------------------------------------------ decoding

    @Override
    public String decode(int[] ids) {
        List<String> toks = new ArrayList<>(ids.length);
        for (int id : ids) {
            checkRange(id);
            if (!special[id] && tokens[id] != null) toks.add(tokens[id]);
        }
        return String.join("", decoder.decode(toks));
    }

    /** Printable text: byte tokens as the raw byte, the decoder's space symbol as ' '. */
    @Override
    public String piece(int id) {
        if (isBytePiece(id)) return String.valueOf((char) TokText.bytePieceValue(tokens[id]));
        String t = tokens[id] == null ? "" : tokens[id];
        return spaceSymbol == 0 || special[id] ? t : t.replace(spaceSymbol, ' ');
    }

    @Override
    public String vocabPiece(int id) {
        checkRange(id);
        return tokens[id] == null ? "" : tokens[id];
    }

    @Override
    public boolean isBytePiece(int id) {
        checkRange(id);
        return byteFallback && !special[id] && TokText.bytePieceValue(tokens[id]) >= 0;
    }

    @Override
    public int vocabSize() {
        return tokens.length;
    }

    @Override
    public int bosId() {
        return bosId;
    }

    @Override
    public int eosId() {
        return eosId;
    }

    private void checkRange(int id) {
        if (id < 0 || id >= tokens.length) {
            throw new IllegalArgumentException("token id " + id + " out of range [0, " + tokens.length + ")");
        }
    }
}
