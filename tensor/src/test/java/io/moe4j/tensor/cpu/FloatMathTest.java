package io.moe4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleUnaryOperator;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link FloatMath}: vector and scalar twins agree bit for bit, both stay within a few ulp of {@code Math}, the
 * special values are IEEE's, and an interpreted JVM ({@code -Xint}) computes the same bits as a JIT-compiled one.
 */
class FloatMathTest {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** Inputs spread over every range the functions branch on, plus the special values. */
    static float[] inputs(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        float[] special = {0f, -0f, 1f, -1f, Float.MIN_VALUE, Float.MIN_NORMAL, -Float.MIN_VALUE, Float.MAX_VALUE,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 88.72f, 88.73f, -87.33f, -103.9f, -104.5f, 0.625f,
            -0.625f, 0.62499994f, 0.70710677f, 0.7071068f, -86.99f, -86.992f, -87.5f, -87.6f, 89.5f, 89.6f, 88.7228f};
        for (int i = 0; i < n; i++) {
            x[i] = switch (i % 4) {
                case 0 -> i / 4 < special.length ? special[i / 4] : (float) (r.nextDouble() * 220 - 110);
                case 1 -> (float) (r.nextGaussian() * 3);
                case 2 -> (float) Math.exp(r.nextDouble() * 180 - 100) * (r.nextBoolean() ? 1 : -1);
                default -> Float.intBitsToFloat(r.nextInt() & 0x7FFFFFFF);
            };
        }
        return x;
    }

    /** A bulk kernel {@code f(a, ia, out, o, n)}. */
    interface Bulk {
        void apply(float[] a, int ia, float[] out, int o, int n);
    }

    /** The bulk kernel over the whole array, so most elements go through vector lanes and a few through the tail. */
    static float[] bulk(Bulk f, float[] x) {
        float[] out = new float[x.length];
        f.apply(x, 0, out, 0, x.length);
        return out;
    }

    @Test
    void vectorAndScalarTwinsAgreeBitForBit() {
        float[] x = inputs(S.length() * 2000 + 5, 1); // + 5: a scalar tail too
        check(x, FloatMath::exp, FloatMath::exp, "exp");
        check(x, FloatMath::log, FloatMath::log, "log");
        check(x, FloatMath::tanh, FloatMath::tanh, "tanh");
        check(x, FloatMath::sigmoid, FloatMath::sigmoid, "sigmoid");
        check(x, FloatMath::silu, v -> v * FloatMath.sigmoid(v), "silu");
        float[] y = inputs(x.length, 9), got = new float[x.length];
        FloatMath.swiglu(x, 0, y, 0, got, 0, x.length);
        for (int i = 0; i < x.length; i++)
            assertEquals(Float.floatToIntBits(x[i] * FloatMath.sigmoid(x[i]) * y[i]), Float.floatToIntBits(got[i]), "swiglu at " + i);
        float[] e = new float[x.length];
        FloatMath.expShiftSum(x, 0, 1.5f, e, 0, x.length);
        for (int i = 0; i < x.length; i++) assertEquals(Float.floatToIntBits(FloatMath.exp(x[i] - 1.5f)), Float.floatToIntBits(e[i]), "expShift at " + i);
        Random r = new Random(3);
        float[] g = new float[1003];
        for (int i = 0; i < g.length; i++) g[i] = (float) r.nextGaussian() * 4;
        float sum = FloatMath.expShiftSum(g, 0, 2f, new float[g.length], 0, g.length);
        assertEquals(Float.floatToIntBits(sum), Float.floatToIntBits(FloatMath.expShiftSum(g, 0, 2f, null, 0, g.length)), "sum without output");
        double want = 0;
        for (float v : g) want += Math.exp(v - 2.0);
        assertEquals(want, sum, 1e-5 * want, "sum");
    }

    @Test
    void swigluBackwardMatchesItsFormula() {
        Random r = new Random(4);
        float[] a = new float[1003], b = new float[1003], g = new float[1003], ga = new float[1003], gb = new float[1003];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (r.nextGaussian() * 6);
            b[i] = (float) r.nextGaussian();
            g[i] = (float) r.nextGaussian();
        }
        FloatMath.swigluBackward(g, 0, a, 0, b, 0, ga, 0, gb, 0, a.length);
        for (int i = 0; i < a.length; i++) {
            double s = 1 / (1 + Math.exp(-a[i]));
            double wantA = (double) g[i] * b[i] * s * (1 + a[i] * (1 - s)), wantB = (double) g[i] * a[i] * s;
            assertEquals(wantA, ga[i], 1e-5 * Math.abs(wantA) + 1e-7, "ga at " + i);
            assertEquals(wantB, gb[i], 1e-5 * Math.abs(wantB) + 1e-7, "gb at " + i);
        }
    }

    private static void check(float[] x, Bulk v, FloatUnary s, String name) {
        float[] got = bulk(v, x);
        for (int i = 0; i < x.length; i++)
            assertEquals(Float.floatToIntBits(s.apply(x[i])), Float.floatToIntBits(got[i]), name + "(" + x[i] + ")");
    }

    interface FloatUnary {
        float apply(float x);
    }

    @Test
    void withinAFewUlpOfJavaLangMath() {
        float[] x = inputs(S.length() * 4000, 2);
        assertTrue(maxUlp(x, FloatMath::exp, Math::exp) <= 2, "exp");
        assertTrue(maxUlp(x, FloatMath::log, Math::log) <= 2, "log");
        assertTrue(maxUlp(x, FloatMath::tanh, Math::tanh) <= 3, "tanh");
    }

    /** The largest error in units of the last place of the correctly rounded float; special results must match. */
    private static double maxUlp(float[] x, FloatUnary f, DoubleUnaryOperator exact) {
        double worst = 0;
        for (float xi : x) {
            float want = (float) exact.applyAsDouble(xi), got = f.apply(xi);
            if (want != 0 && Math.abs(want) < 1.8e-38f && got == 0) continue; // exp's documented flush
            if (Float.isNaN(want) || Float.isInfinite(want) || want == 0) {
                assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(got), "at " + xi);
                continue;
            }
            worst = Math.max(worst, Math.abs((double) got - want) / Math.ulp(want));
        }
        return worst;
    }

    @Test
    void specialValues() {
        assertEquals(Float.POSITIVE_INFINITY, FloatMath.exp(89f));
        assertEquals(0f, FloatMath.exp(-110f));
        assertEquals(1f, FloatMath.exp(0f));
        assertEquals(0f, FloatMath.exp(-87.0f)); // below about e^-86.99 results flush to zero
        assertEquals((float) Math.exp(-86.98f), FloatMath.exp(-86.98f), 2 * Math.ulp((float) Math.exp(-86.98f)));
        assertEquals(Float.POSITIVE_INFINITY, FloatMath.exp(Float.POSITIVE_INFINITY));
        assertEquals(0f, FloatMath.exp(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(FloatMath.exp(Float.NaN)));
        assertEquals((float) Math.exp(88.72283f), FloatMath.exp(88.72283f), 2 * Math.ulp((float) Math.exp(88.72283f)));
        assertEquals(Float.POSITIVE_INFINITY, FloatMath.exp(88.7229f));
        assertEquals(Float.NEGATIVE_INFINITY, FloatMath.log(0f));
        assertTrue(Float.isNaN(FloatMath.log(-1f)));
        assertEquals(0f, FloatMath.log(1f));
        assertEquals(Math.log(Float.MIN_VALUE), FloatMath.log(Float.MIN_VALUE), 1e-4);
        assertEquals(-1f, FloatMath.tanh(Float.NEGATIVE_INFINITY));
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(FloatMath.tanh(-0f)));
        assertEquals(0.5f, FloatMath.sigmoid(0f));
        assertEquals(0f, FloatMath.sigmoid(-200f));
    }

    /** The reason FloatMath exists: the bits must not depend on whether C2 compiled the loop. */
    @Test
    void interpretedJvmComputesTheSameBits(@TempDir Path tmp) throws Exception {
        for (int warm = 0; warm < 3000; warm++) Probe.digest(); // let C2 compile the vector code in this JVM
        String here = Probe.digest();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-modules", "jdk.incubator.vector", "-Xint", "-cp", System.getProperty("java.class.path"), Probe.class.getName()));
        Path log = tmp.resolve("probe.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "interpreted probe timed out");
        String out = Files.readString(log);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains(here), "interpreted JVM printed " + out.strip() + ", compiled JVM computed " + here);
    }

    /** Prints a digest of exp, log and tanh over fixed inputs; run interpreted by the test above. */
    public static final class Probe {
        static String digest() {
            float[] x = inputs(S.length() * 64, 3);
            long h = 17;
            for (Bulk f : List.<Bulk>of(FloatMath::exp, FloatMath::log, FloatMath::tanh, FloatMath::silu))
                for (float v : bulk(f, x)) h = h * 31 + Float.floatToIntBits(v);
            return "digest=" + Long.toHexString(h);
        }

        public static void main(String[] args) {
            System.out.println(digest());
        }
    }
}
