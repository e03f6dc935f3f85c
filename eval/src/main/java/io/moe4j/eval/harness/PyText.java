package io.moe4j.eval.harness;

/**
 * Python string operations that lm-eval's prompt code uses, with Python's notion of whitespace
 * ({@code str.isspace}), so prompts match byte for byte. Java's {@code strip()} misses e.g.
 * U+00A0 and U+0085, which do occur in scraped text.
 */
public final class PyText {
    private PyText() {}

    /** Python {@code str.isspace} for one UTF-16 unit (all whitespace is in the BMP). */
    public static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || (c >= 0x1c && c <= 0x1f) || c == 0x85;
    }

    public static String lstrip(String s) {
        int i = 0;
        while (i < s.length() && isSpace(s.charAt(i))) {
            i++;
        }
        return s.substring(i);
    }

    public static String rstrip(String s) {
        int j = s.length();
        while (j > 0 && isSpace(s.charAt(j - 1))) {
            j--;
        }
        return s.substring(0, j);
    }

    public static String strip(String s) {
        return lstrip(rstrip(s));
    }
}
