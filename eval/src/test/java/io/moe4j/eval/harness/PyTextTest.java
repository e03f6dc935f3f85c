package io.moe4j.eval.harness;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PyTextTest {
    /** Every BMP char for which CPython 3 {@code str.isspace()} is true (printed by Python). */
    private static final Set<Integer> PYTHON_SPACES = Set.of(0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85,
            0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a,
            0x2028, 0x2029, 0x202f, 0x205f, 0x3000);

    @Test
    void isSpaceMatchesPython() {
        for (int c = 0; c < 0x10000; c++) {
            assertEquals(PYTHON_SPACES.contains(c), PyText.isSpace((char) c), "U+" + Integer.toHexString(c));
        }
    }

    @Test
    void stripFamily() {
        assertEquals("a b\u00a0", PyText.lstrip(" \n\ta b\u00a0"));
        assertEquals(" \n\ta b", PyText.rstrip(" \n\ta b\u00a0 "));
        assertEquals("a b", PyText.strip("\u3000a b\u2029"));
        assertEquals("", PyText.strip(" \n "));
    }
}
