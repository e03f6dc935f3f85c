package io.moe4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class SimdConfigTest {
    @Test
    void propertyValuesAreParsedAndClamped() {
        assertEquals(256, SimdConfig.chooseBits(null, 256, false));
        assertEquals(0, SimdConfig.chooseBits("0", 256, false));
        assertEquals(128, SimdConfig.chooseBits("128", 512, false));
        assertEquals(256, SimdConfig.chooseBits("512", 256, false));  // wider than the hardware: clamped
        assertEquals(512, SimdConfig.chooseBits("512", 256, true));   // unless forced
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SimdConfig.chooseBits("64", 256, false));
        assertTrue(e.getMessage().contains("moe4j.vector.bits") && e.getMessage().contains("'64'"), e.getMessage());
    }

    @Test
    void chosenSpeciesIsConsistent() {
        assertTrue(Set.of(0, 128, 256, 512).contains(SimdConfig.BITS));
        assertEquals(SimdConfig.BITS == 0, SimdConfig.SCALAR);
        if (!SimdConfig.SCALAR) {
            assertEquals(SimdConfig.BITS, SimdConfig.SPECIES.vectorBitSize());
            assertEquals(SimdConfig.BITS / 32, SimdConfig.LANES);
        } else {
            assertEquals(1, SimdConfig.LANES);
        }
    }
}
