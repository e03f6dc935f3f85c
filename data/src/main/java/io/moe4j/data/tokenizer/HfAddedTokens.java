package io.moe4j.data.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code added_tokens} of a Hugging Face tokenizer.json. As in HF, they are cut out of the
 * raw text before normalization (leftmost match, longest at a position), honouring lstrip,
 * rstrip and single_word; the text between them is tokenized normally. Simplification: tokens
 * flagged {@code normalized: true} are also matched on the raw text.
 */
final class HfAddedTokens {

    /** A piece of the input: either text [start, end) or an added token (id >= 0). */
    record Segment(int start, int end, int id) {
    }

    private final String[] content;
    private final int[] ids;
    private final boolean[] special;
    private final boolean[] lstrip;
    private final boolean[] rstrip;
    private final boolean[] singleWord;
    private final Map<Character, int[]> byFirstChar = new HashMap<>(); // indices, longest first

    HfAddedTokens(JsonNode list, String field) {
        boolean absent = list == null || list.isNull();
        if (!absent && !list.isArray()) throw new IllegalArgumentException(field + " must be an array");
        int n = absent ? 0 : list.size();
        content = new String[n];
        ids = new int[n];
        special = new boolean[n];
        lstrip = new boolean[n];
        rstrip = new boolean[n];
        singleWord = new boolean[n];
        Map<Character, List<Integer>> groups = new HashMap<>();
        for (int i = 0; i < n; i++) {
            JsonNode t = list.get(i);
            String f = field + "[" + i + "]";
            content[i] = HfPipeline.text(t, "content", f);
            JsonNode id = t.get("id");
            if (id == null || !id.canConvertToInt() || id.asInt() < 0) {
                throw new IllegalArgumentException(f + ".id must be a non-negative integer");
            }
            ids[i] = id.asInt();
            special[i] = t.path("special").asBoolean(false);
            lstrip[i] = t.path("lstrip").asBoolean(false);
            rstrip[i] = t.path("rstrip").asBoolean(false);
            singleWord[i] = t.path("single_word").asBoolean(false);
            if (!content[i].isEmpty()) groups.computeIfAbsent(content[i].charAt(0), c -> new ArrayList<>()).add(i);
        }
        groups.forEach((c, idx) -> byFirstChar.put(c, idx.stream()
                .sorted(Comparator.comparingInt((Integer i) -> content[i].length()).reversed())
                .mapToInt(Integer::intValue).toArray()));
    }

    int size() {
        return content.length;
    }

    String content(int i) {
        return content[i];
    }

    int id(int i) {
        return ids[i];
    }

    boolean special(int i) {
        return special[i];
    }

    /** The index of the added token with this content, or -1. */
    int indexOf(String s) {
        for (int i = 0; i < content.length; i++) if (content[i].equals(s)) return i;
        return -1;
    }

    /** Cuts text into text segments and added-token segments. */
    List<Segment> split(String text) {
        List<Segment> out = new ArrayList<>();
        int segStart = 0;
        int i = 0;
        while (i < text.length()) {
            int k = byFirstChar.isEmpty() ? -1 : matchAt(text, i);
            if (k < 0) {
                i++;
                continue;
            }
            int textEnd = i;
            if (lstrip[k]) while (textEnd > segStart && Character.isWhitespace(text.charAt(textEnd - 1))) textEnd--;
            if (textEnd > segStart) out.add(new Segment(segStart, textEnd, -1));
            int j = i + content[k].length();
            out.add(new Segment(textEnd, j, ids[k]));
            if (rstrip[k]) while (j < text.length() && Character.isWhitespace(text.charAt(j))) j++;
            segStart = j;
            i = j;
        }
        if (segStart < text.length() || out.isEmpty()) out.add(new Segment(segStart, text.length(), -1));
        return out;
    }

    private int matchAt(String text, int i) {
        int[] cands = byFirstChar.get(text.charAt(i));
        if (cands == null) return -1;
        for (int k : cands) {
            if (!text.startsWith(content[k], i)) continue;
            if (singleWord[k] && !isWordBoundary(text, i, i + content[k].length())) continue;
            return k;
        }
        return -1;
    }

    private static boolean isWordBoundary(String text, int start, int end) {
        boolean before = start == 0 || !isWordChar(text.charAt(start - 1));
        boolean after = end == text.length() || !isWordChar(text.charAt(end));
        return before && after;
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    @Override
    public String toString() {
        return Arrays.toString(content);
    }
}
