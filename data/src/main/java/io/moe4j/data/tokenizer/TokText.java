package io.moe4j.data.tokenizer;

import java.util.Arrays;

/** Small text helpers shared by the tokenizers: byte pieces, lenient UTF-8, growable int lists. */
final class TokText {

    /** SentencePiece's whitespace symbol U+2581 ("▁"). */
    static final char SPACE_SYMBOL = '\u2581';

    private TokText() {
    }

    /** The byte of a byte-fallback piece {@code <0xHH>}, or -1 if the piece is not one. */
    static int bytePieceValue(String piece) {
        if (piece == null || piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') {
            return -1;
        }
        int hi = Character.digit(piece.charAt(3), 16);
        int lo = Character.digit(piece.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    /** The canonical byte piece for b, e.g. {@code <0x0A>}. */
    static String bytePiece(int b) {
        return String.format("<0x%02X>", b & 0xFF);
    }

    /**
     * Decodes UTF-8 as SentencePiece does: every byte that does not start a well-formed sequence
     * (truncated, overlong, surrogate, above U+10FFFF) becomes one U+FFFD and decoding resumes at
     * the next byte.
     */
    static void appendUtf8Lenient(StringBuilder out, byte[] b, int off, int len) {
        int i = off;
        int end = off + len;
        while (i < end) {
            int c0 = b[i] & 0xFF;
            if (c0 < 0x80) {
                out.append((char) c0);
                i++;
                continue;
            }
            int n = c0 >= 0xF0 ? 4 : c0 >= 0xE0 ? 3 : c0 >= 0xC0 ? 2 : 0;
            int cp = n == 4 ? c0 & 0x07 : n == 3 ? c0 & 0x0F : c0 & 0x1F;
            boolean ok = n > 0 && i + n <= end;
            for (int k = 1; ok && k < n; k++) {
                int ck = b[i + k] & 0xFF;
                ok = (ck & 0xC0) == 0x80;
                cp = (cp << 6) | (ck & 0x3F);
            }
            int min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
            ok = ok && cp >= min && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
            if (ok) {
                out.appendCodePoint(cp);
                i += n;
            } else {
                out.append('\uFFFD');
                i++;
            }
        }
    }

    /**
     * Whether BPE may run separately on the words of a normalized string, cutting before every
     * space symbol that follows another character: exact when no mergeable piece contains a
     * non-space character directly followed by the space symbol (true for LLaMA and Mistral,
     * where U+2581 only starts pieces or forms all-space pieces), because then no merge can ever
     * span such a cut, and merges on either side never interact.
     */
    static boolean canSplitBeforeSpace(Iterable<String> mergeablePieces, char space) {
        for (String p : mergeablePieces) {
            for (int i = 1; i < p.length(); i++) {
                if (p.charAt(i) == space && p.charAt(i - 1) != space) return false;
            }
        }
        return true;
    }

    /** End of the word starting at from: the next space symbol that follows a non-space char. */
    static int wordEnd(String s, int from, char space) {
        for (int i = from + 1; i < s.length(); i++) {
            if (s.charAt(i) == space && s.charAt(i - 1) != space) return i;
        }
        return s.length();
    }

    /** Collapses a message to one line (Jackson messages span several). */
    static String oneLine(String msg) {
        if (msg == null) return "unknown error";
        String s = msg.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    /** A growable int array. */
    static final class IntList {
        int[] a;
        int size;

        IntList(int capacity) {
            a = new int[Math.max(4, capacity)];
        }

        void add(int v) {
            if (size == a.length) a = Arrays.copyOf(a, a.length * 2);
            a[size++] = v;
        }

        int last() {
            return a[size - 1];
        }

        int[] toArray() {
            return Arrays.copyOf(a, size);
        }
    }

    /** A growable byte array. */
    static final class ByteList {
        byte[] a = new byte[16];
        int size;

        void add(int v) {
            if (size == a.length) a = Arrays.copyOf(a, a.length * 2);
            a[size++] = (byte) v;
        }
    }
}
