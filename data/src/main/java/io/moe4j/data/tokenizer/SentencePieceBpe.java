package io.moe4j.data.tokenizer;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SentencePiece's BPE encoder over a vocabulary of (piece, score, type), shared by
 * {@link SentencePieceTokenizer} ({@code tokenizer.model}) and {@link Llama2cTokenizer}
 * ({@code tokenizer.bin}), which must produce identical ids for the same vocabulary.
 *
 * <p>Semantics follow sentencepiece's {@code bpe_model.cc}: the normalized string (dummy-prefix
 * space, spaces escaped to U+2581) is split into characters (user-defined pieces are matched
 * first and never merged), then adjacent symbols are merged while their concatenation is a
 * NORMAL, USER_DEFINED or UNUSED piece, best score first, leftmost on ties. Surviving symbols that
 * are not pieces become byte pieces {@code <0xHH>} (byte_fallback) or a single unk for each run.
 * The whole string is merged at once, without whitespace pre-splitting, exactly as sentencepiece
 * does; {@link BpeMerger} keeps that O(n log n).
 */
final class SentencePieceBpe {

    static final byte NORMAL = 1;
    static final byte UNKNOWN = 2;
    static final byte CONTROL = 3;
    static final byte USER_DEFINED = 4;
    static final byte UNUSED = 5;
    static final byte BYTE = 6;

    /** Normalizer switches from {@code NormalizerSpec}; nfkc approximates the nmt_nfkc rules. */
    record Options(boolean addDummyPrefix, boolean removeExtraWhitespaces, boolean escapeWhitespaces,
                   boolean nfkc, boolean byteFallback) {
    }

    final String[] pieces;   // (V) pieces as stored, spaces as U+2581
    final float[] scores;    // (V)
    final byte[] types;      // (V)
    final int unkId;
    final Options options;
    private final Map<String, Integer> normalIds = new HashMap<>();   // sentencepiece's pieces_
    private final Map<String, Integer> reservedIds = new HashMap<>(); // control, unknown, byte
    private final int[] byteIds = new int[256];
    private final int[] bmpSymbol = new int[65536];                   // char -> symbol, -1 none
    private final Map<Integer, Integer> suppSymbol = new HashMap<>(); // code point -> symbol
    private final List<Integer> pseudoCodePoints = new ArrayList<>(); // symbol V+k -> code point
    private final boolean[] unusedIds;                                // null when none is UNUSED
    private final Map<Character, String[]> userDefined = new HashMap<>(); // first char -> longest first
    private final BpeMerger merger;
    private final boolean splitWords;
    private final Map<String, int[]> wordCache = new ConcurrentHashMap<>();
    private static final int CACHE_LIMIT = 1 << 16; // words; ~10 MB at most
    private static final int CACHE_MAX_WORD = 48;

    /** @throws IllegalArgumentException on an inconsistent vocabulary (message without file name) */
    SentencePieceBpe(String[] pieces, float[] scores, byte[] types, int unkId, Options options) {
        this.pieces = pieces;
        this.scores = scores;
        this.types = types;
        this.unkId = unkId;
        this.options = options;
        int v = pieces.length;
        if (unkId < 0 || unkId >= v || types[unkId] != UNKNOWN) {
            throw new IllegalArgumentException("unk id " + unkId + " is not an UNKNOWN piece of the "
                    + v + "-piece vocabulary");
        }
        Arrays.fill(byteIds, -1);
        boolean anyUnused = false;
        for (int id = 0; id < v; id++) {
            byte t = types[id];
            if (t < NORMAL || t > BYTE) throw new IllegalArgumentException("piece " + id + " has type " + t);
            boolean normal = t == NORMAL || t == USER_DEFINED || t == UNUSED;
            (normal ? normalIds : reservedIds).putIfAbsent(pieces[id], id);
            anyUnused |= t == UNUSED;
            if (t == BYTE) {
                int b = TokText.bytePieceValue(pieces[id]);
                if (b < 0) throw new IllegalArgumentException("BYTE piece " + id + " is not <0xHH>");
                if (byteIds[b] < 0) byteIds[b] = id;
            }
            if (t == USER_DEFINED && !pieces[id].isEmpty()) addUserDefined(pieces[id]);
        }
        if (options.byteFallback()) {
            for (int b = 0; b < 256; b++) {
                if (byteIds[b] < 0) {
                    throw new IllegalArgumentException("byte_fallback is on but piece "
                            + TokText.bytePiece(b) + " is missing");
                }
            }
        }
        unusedIds = anyUnused ? new boolean[v] : null;
        if (anyUnused) for (int id = 0; id < v; id++) unusedIds[id] = types[id] == UNUSED;
        userDefined.replaceAll((c, list) -> sortLongestFirst(list));
        merger = buildMerger();
        // Cutting words needs U+2581 itself to be a piece, so no word starts with an unk
        // (sentencepiece joins adjacent unks, which must not straddle a cut).
        Integer ws = normalIds.get(String.valueOf(TokText.SPACE_SYMBOL));
        splitWords = options.escapeWhitespaces() && ws != null && types[ws] == NORMAL
                && TokText.canSplitBeforeSpace(normalIds.keySet(), TokText.SPACE_SYMBOL);
    }

    int vocabSize() {
        return pieces.length;
    }

    // ------------------------------------------------------------------ construction

    private void addUserDefined(String piece) {
        userDefined.merge(piece.charAt(0), new String[] {piece}, (a, b) -> {
            String[] c = Arrays.copyOf(a, a.length + 1);
            c[a.length] = b[0];
            return c;
        });
    }

    private static String[] sortLongestFirst(String[] list) {
        String[] s = list.clone();
        Arrays.sort(s, Comparator.comparingInt(String::length).reversed());
        return s;
    }

    /**
     * Builds the pair table: for every mergeable piece p and every split p = l + r where l and r
     * can each be a symbol (a mergeable non-user-defined piece, or a single character), the pair
     * (l, r) merges into p with p's score.
     */
    private BpeMerger buildMerger() {
        Arrays.fill(bmpSymbol, -1);
        for (int id = 0; id < pieces.length; id++) {
            String p = pieces[id];
            if ((types[id] == NORMAL || types[id] == UNUSED) && !p.isEmpty()
                    && p.codePointCount(0, p.length()) == 1 && normalIds.get(p) == id) {
                setCharSymbol(p.codePointAt(0), id);
            }
        }
        PairTable table = new PairTable(pieces.length * 4);
        TokText.IntList merged = new TokText.IntList(pieces.length * 4);
        TokText.IntList prio = new TokText.IntList(pieces.length * 4);
        for (Map.Entry<String, Integer> e : normalIds.entrySet()) {
            String p = e.getKey();
            int id = e.getValue();
            for (int k = p.offsetByCodePoints(0, Math.min(1, p.length())); k < p.length();
                 k = p.offsetByCodePoints(k, 1)) {
                int l = partSymbol(p.substring(0, k));
                int r = partSymbol(p.substring(k));
                if (l >= 0 && r >= 0 && table.putIfAbsent(PairTable.key(l, r), merged.size)) {
                    merged.add(id);
                    prio.add(BpeMerger.sortableScore(scores[id]));
                }
            }
        }
        return new BpeMerger(table, merged.toArray(), prio.toArray());
    }

    /** The symbol a part of a piece would be during encoding, or -1 if it can never be one. */
    private int partSymbol(String part) {
        Integer id = normalIds.get(part);
        if (id != null) return types[id] == USER_DEFINED ? -1 : id;
        if (part.codePointCount(0, part.length()) != 1) return -1;
        int cp = part.codePointAt(0);
        int s = charSymbol(cp);
        if (s >= 0) return s;
        s = pieces.length + pseudoCodePoints.size(); // a character that is no piece by itself
        pseudoCodePoints.add(cp);
        setCharSymbol(cp, s);
        return s;
    }

    private int charSymbol(int cp) {
        return cp < 65536 ? bmpSymbol[cp] : suppSymbol.getOrDefault(cp, -1);
    }

    private void setCharSymbol(int cp, int s) {
        if (cp < 65536) bmpSymbol[cp] = s;
        else suppSymbol.put(cp, s);
    }

    // ------------------------------------------------------------------ encoding

    /** sentencepiece's identity normalizer plus the whitespace switches of NormalizerSpec. */
    String normalize(String text) {
        String s = options.nfkc() ? Normalizer.normalize(text, Normalizer.Form.NFKC) : text;
        if (options.removeExtraWhitespaces()) s = collapseSpaces(s);
        if (s.isEmpty()) return "";
        char ws = options.escapeWhitespaces() ? TokText.SPACE_SYMBOL : ' ';
        StringBuilder sb = new StringBuilder(s.length() + 1);
        if (options.addDummyPrefix()) sb.append(ws);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c == ' ' ? ws : c);
        }
        return sb.toString();
    }

    private static String collapseSpaces(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ' ' && (sb.length() == 0 || sb.charAt(sb.length() - 1) == ' ')) continue;
            sb.append(c);
        }
        int end = sb.length();
        while (end > 0 && sb.charAt(end - 1) == ' ') end--;
        sb.setLength(end);
        return sb.toString();
    }

    /**
     * Ids of text without BOS/EOS. When {@link TokText#canSplitBeforeSpace} holds, words are
     * merged separately and short ones are cached (most words repeat), which gives the same ids
     * as merging the whole string at once, several times faster.
     */
    int[] encode(String text) {
        String norm = normalize(text);
        int len = norm.length();
        TokText.IntList out = new TokText.IntList(len / 3 + 4);
        if (!splitWords) {
            encodeRange(norm, 0, len, out);
            return out.toArray();
        }
        for (int from = 0; from < len; ) {
            int to = TokText.wordEnd(norm, from, TokText.SPACE_SYMBOL);
            if (to - from > CACHE_MAX_WORD) {
                encodeRange(norm, from, to, out);
            } else {
                String w = norm.substring(from, to);
                int[] ids = wordCache.get(w);
                if (ids == null) {
                    TokText.IntList one = new TokText.IntList(w.length());
                    encodeRange(w, 0, w.length(), one);
                    ids = one.toArray();
                    if (wordCache.size() >= CACHE_LIMIT) wordCache.clear();
                    wordCache.put(w, ids);
                }
                for (int id : ids) out.add(id);
            }
            from = to;
        }
        return out.toArray();
    }

    /** The reference path: merge the whole normalized string at once (tests compare the two). */
    int[] encodeWithoutWordCut(String text) {
        String norm = normalize(text);
        TokText.IntList out = new TokText.IntList(norm.length() / 3 + 4);
        encodeRange(norm, 0, norm.length(), out);
        return out.toArray();
    }

    /** Whether {@link #encode} cuts words (see {@link TokText#canSplitBeforeSpace}). */
    boolean cutsWords() {
        return splitWords;
    }

    /** BPE over norm[from, to), appending ids to out. */
    private void encodeRange(String norm, int from, int to, TokText.IntList out) {
        int len = to - from;
        if (len == 0) return;
        int[] sym = new int[len];       // (n) symbol per initial character
        int[] start = new int[len + 1]; // (n+1) char offset of each initial symbol in norm
        int n = 0;
        for (int i = from; i < to; ) {
            start[n] = i;
            int m = userDefined.isEmpty() ? 0 : matchUserDefined(norm, i, to);
            if (m > 0) {
                sym[n++] = -2 - normalIds.get(norm.substring(i, i + m)); // frozen: never merges
                i += m;
                continue;
            }
            char c = norm.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(norm.charAt(i + 1))) {
                sym[n++] = suppSymbol.getOrDefault(Character.toCodePoint(c, norm.charAt(i + 1)), -1);
                i += 2;
            } else {
                sym[n++] = bmpSymbol[c];
                i++;
            }
        }
        start[n] = to;
        Map<Integer, Long> trace = unusedIds != null ? new HashMap<>() : null;
        int[] next = merger.merge(sym, n, unusedIds, trace);
        boolean prevUnk = false;
        for (int i = 0; i >= 0; i = next[i]) {
            int s = sym[i];
            if (s <= -2) {
                out.add(-2 - s);
                prevUnk = false;
            } else if (s >= 0 && s < pieces.length) {
                emitPiece(s, trace, out);
                prevUnk = false;
            } else {
                prevUnk = emitChar(norm.substring(start[i], start[i + 1]), prevUnk, out);
            }
        }
    }

    private int matchUserDefined(String norm, int i, int to) {
        String[] cands = userDefined.get(norm.charAt(i));
        if (cands == null) return 0;
        for (String c : cands) if (i + c.length() <= to && norm.startsWith(c, i)) return c.length();
        return 0;
    }

    /** Emits a merged symbol; UNUSED pieces are split back into the pair that formed them. */
    private void emitPiece(int s, Map<Integer, Long> trace, TokText.IntList out) {
        if (s >= pieces.length) {
            emitChar(new String(Character.toChars(pseudoCodePoints.get(s - pieces.length))), false, out);
            return;
        }
        Long pair = trace == null || !unusedIds[s] ? null : trace.get(s);
        if (pair == null) {
            out.add(s);
            return;
        }
        emitPiece((int) (pair >> 32), trace, out);
        emitPiece((int) (long) pair, trace, out);
    }

    /** Emits one character that is not a mergeable piece; returns whether it was an unk. */
    private boolean emitChar(String ch, boolean prevUnk, TokText.IntList out) {
        Integer id = reservedIds.get(ch);
        if (id == null) id = normalIds.get(ch);
        if (id != null && id != unkId) {
            out.add(id);
            return false;
        }
        if (options.byteFallback()) {
            for (byte b : utf8(ch)) out.add(byteIds[b & 0xFF]);
        } else if (!prevUnk) {
            out.add(unkId); // sentencepiece joins a run of unknown characters into one unk
        }
        return true;
    }

    /** UTF-8 of one character; a lone surrogate (impossible in UTF-8 input) becomes U+FFFD. */
    private static byte[] utf8(String ch) {
        int cp = ch.codePointAt(0);
        if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
        return new String(Character.toChars(cp)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The byte a BYTE piece stands for, or -1. */
    int byteValue(int id) {
        return types[id] == BYTE ? TokText.bytePieceValue(pieces[id]) : -1;
    }

    int byteId(int b) {
        return byteIds[b & 0xFF];
    }
}
