package io.moe4j.tensor.cpu;

import java.lang.System.Logger.Level;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float vector width used by the CPU kernels, chosen once at class initialisation.
 *
 * <p>By default it is the widest width the JIT supports on this CPU ({@link FloatVector#SPECIES_PREFERRED}).
 * {@code -Dmoe4j.vector.bits=0|128|256|512} overrides it; {@code 0} selects the scalar loops. A width wider
 * than the hardware supports is clamped to the hardware width (with a warning), because the Vector API then
 * falls back to Java code that runs some 100x slower; {@code -Dmoe4j.vector.force=true} keeps it anyway,
 * which is only useful to test the wide kernels' arithmetic on a narrow machine.
 *
 * <p>Why the fields are {@code static final}: C2 only turns Vector API calls into SIMD instructions when the
 * species is a compile-time constant to it. A species read from a non-final field or passed as an argument
 * leaves every call as a slow Java fallback (~30x slower in the matmul kernel).
 */
public final class SimdConfig {
    /** Vector width in bits actually used: 0 (scalar), 128, 256 or 512. */
    public static final int BITS;
    /** True when {@link #BITS} is 0: kernels must take their scalar path and never touch {@link #SPECIES}. */
    public static final boolean SCALAR;
    /**
     * The float species of width {@link #BITS}. When {@link #SCALAR} it is still a valid species (the
     * hardware's preferred one) so that static initialisers referring to it do not fail; do not use it then.
     */
    public static final VectorSpecies<Float> SPECIES;
    /** Floats per vector ({@code SPECIES.length()}), or 1 when {@link #SCALAR}. */
    public static final int LANES;

    static {
        int hardware = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        boolean force = Boolean.getBoolean("moe4j.vector.force");
        String requested = System.getProperty("moe4j.vector.bits");
        int bits = chooseBits(requested, hardware, force);
        BITS = bits;
        SCALAR = bits == 0;
        SPECIES = SCALAR ? FloatVector.SPECIES_PREFERRED : VectorSpecies.of(float.class, VectorShape.forBitSize(bits));
        LANES = SCALAR ? 1 : SPECIES.length();
        System.Logger log = System.getLogger(SimdConfig.class.getName());
        if (requested != null && !force && bits < parseBits(requested)) {
            log.log(Level.WARNING, "moe4j.vector.bits=" + requested + " exceeds this CPU's " + hardware
                    + "-bit vectors; using " + hardware + " (set -Dmoe4j.vector.force=true to keep it)");
        }
        log.log(Level.INFO, "moe4j SIMD: " + (SCALAR ? "scalar (no vectors)" : bits + "-bit float vectors, "
                + LANES + " lanes") + " (hardware " + hardware + "-bit, -Dmoe4j.vector.bits="
                + (requested == null ? "unset" : requested) + ")");
    }

    private SimdConfig() {}

    /**
     * The width to use for a requested property value. Package-private so the parsing rules can be tested
     * without restarting the JVM.
     *
     * @param requested the property value, or null when unset (then the hardware width is used)
     * @param hardware  the widest width the JIT supports here, in bits
     * @param force     keep a requested width wider than {@code hardware}
     */
    static int chooseBits(String requested, int hardware, boolean force) {
        if (requested == null) {
            return hardware;
        }
        int bits = parseBits(requested);
        return bits > hardware && !force ? hardware : bits;
    }

    private static int parseBits(String requested) {
        switch (requested.trim()) {
            case "0": return 0;
            case "128": return 128;
            case "256": return 256;
            case "512": return 512;
            default:
                throw new IllegalArgumentException("system property moe4j.vector.bits must be one of 0, 128, 256, 512;"
                        + " got '" + requested + "'");
        }
    }
}
