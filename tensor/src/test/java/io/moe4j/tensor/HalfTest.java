package io.moe4j.tensor;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** 16-bit conversions against bit patterns from the IEEE 754 binary16 and bfloat16 definitions. */
class HalfTest {
    @Test
    void f16KnownValues() {
        assertEquals(1.0f, Half.f16ToFloat((short) 0x3c00));
        assertEquals(-2.0f, Half.f16ToFloat((short) 0xc000));
        assertEquals(65504f, Half.f16ToFloat((short) 0x7bff)); // largest normal
        assertEquals(0x1p-24f, Half.f16ToFloat((short) 0x0001)); // smallest subnormal
        assertEquals(0x1p-14f, Half.f16ToFloat((short) 0x0400)); // smallest normal
        assertTrue(Float.isInfinite(Half.f16ToFloat((short) 0x7c00)));
        assertTrue(Float.isNaN(Half.f16ToFloat((short) 0x7e00)));
        assertEquals((short) 0x3555, Half.floatToF16(1f / 3)); // 0.333251953125
        assertEquals((short) 0x7c00, Half.floatToF16(70000f));
        assertEquals((short) 0x0001, Half.floatToF16(0x1p-24f));
    }

    @Test
    void f16RoundTripsEveryFiniteValue() {
        for (int h = 0; h < 0x10000; h++) {
            if ((h & 0x7c00) == 0x7c00) continue; // inf/nan
            float f = Half.f16ToFloat((short) h);
            assertEquals((short) h, Half.floatToF16(f), "bits " + Integer.toHexString(h));
        }
    }

    @Test
    void f16RoundsToNearestEven() {
        // 1 + 2^-11 lies halfway between 1 (0x3c00, even) and 1 + 2^-10 (0x3c01): ties go to even
        assertEquals((short) 0x3c00, Half.floatToF16(1f + 0x1p-11f));
        // 1 + 3*2^-11 lies halfway between 0x3c01 (odd) and 0x3c02 (even)
        assertEquals((short) 0x3c02, Half.floatToF16(1f + 3 * 0x1p-11f));
    }

    @Test
    void bf16KnownValuesAndRounding() {
        assertEquals(1.0f, Half.bf16ToFloat((short) 0x3f80));
        assertEquals((short) 0x3f80, Half.floatToBf16(1.0f));
        assertEquals((short) 0x4049, Half.floatToBf16(3.14159265f)); // 3.140625
        // halfway 0x3f808000 rounds to even 0x3f80, 0x3f818000 rounds up to 0x3f82
        assertEquals((short) 0x3f80, Half.floatToBf16(Float.intBitsToFloat(0x3f808000)));
        assertEquals((short) 0x3f82, Half.floatToBf16(Float.intBitsToFloat(0x3f818000)));
        assertTrue(Float.isNaN(Half.bf16ToFloat(Half.floatToBf16(Float.NaN))));
    }
}
