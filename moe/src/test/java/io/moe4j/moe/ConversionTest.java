package io.moe4j.moe;

import static org.junit.jupiter.api.Assertions.*;

import io.moe4j.nn.LlamaConfig;
import io.moe4j.nn.LlamaModel;
import io.moe4j.nn.io.Checkpoints;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.*;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dense-to-MoE conversion: the equivalence property, the real stories260K, files and bad input. */
class ConversionTest {
    static final int[][] TOKENS = {{1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315}};

    static LlamaModel stories260K() throws IOException {
        Checkpoints.Loaded c = Checkpoints.load(asset("models/stories260K/stories260K.bin"));
        return LlamaModel.fromStateDict(c.config(), c.weights());
    }

    /** A file of the repository's embedded defaults (assets/), found through -Dmoe4j.assets. */
    static Path asset(String rel) {
        String root = System.getProperty("moe4j.assets", "../assets");
        Path p = Path.of(root, rel);
        assertTrue(Files.exists(p), "missing embedded asset " + p);
        return p;
    }

    /** All experts on, weights 1, sf 1: the MoE model must compute the dense model. */
    static void assertEquivalent(LlamaModel dense, Converter.Method method, int n, long seed, int[][] tokens, double tol) {
        LlamaModel moe = Converter.convert(dense, Converter.Options.of(method, n, n).withScale(1.0).withSeed(seed), null);
        for (var b : moe.layers()) ((MoeFfn) b.ffn()).forceUnitScores(true);
        dense.eval();
        moe.eval();
        float[] a = dense.forward(tokens).data().toFloatArray(), b = moe.forward(tokens).data().toFloatArray();
        double worst = 0;
        for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1 + Math.abs(a[i])));
        assertTrue(worst < tol, method + " N=" + n + ": logits differ by " + worst + " (relative), tolerance " + tol);
    }

    @Test
    void stories260KRandomN4N8AndClusteringReproduceDenseLogits() throws IOException {
        LlamaModel dense = stories260K(); // hidden 172: N = 8 does not divide it (172 = 8*21 + 4)
        assertEquivalent(dense, Converter.Method.RANDOM, 4, 1, TOKENS, 2e-5);
        assertEquivalent(dense, Converter.Method.RANDOM, 8, 2, TOKENS, 2e-5);
        assertEquivalent(dense, Converter.Method.CLUSTERING, 8, 3, TOKENS, 2e-5);
        assertEquivalent(dense, Converter.Method.CLUSTERING, 4, 4, TOKENS, 2e-5);
    }

    @Property(tries = 12)
    void everyNeuronIndependentSplitIsEquivalent(@ForAll("configs") LlamaConfig cfg, @ForAll("methods") Converter.Method method,
                                                 @ForAll("nExperts") int n, @ForAll long seed) {
        Assume.that(n <= cfg.hiddenDim());
        LlamaModel dense = LlamaModel.random(cfg, DType.F32, seed);
        int[][] tokens = {{1, 2, 3, 4, 5, 6, 7 % cfg.vocabSize()}};
        assertEquivalent(dense, method, n, seed, tokens, 1e-5);
    }

    @Provide
    Arbitrary<LlamaConfig> configs() {
        return Combinators.combine(Arbitraries.of(8, 16, 24), Arbitraries.integers().between(5, 40), Arbitraries.integers().between(1, 2),
                Arbitraries.of(1, 2)).as((dim, hidden, layers, kv) -> LlamaConfig.llama2c(dim, hidden, layers, 2, kv, 11, 16, kv == 1));
    }

    @Provide
    Arbitrary<Converter.Method> methods() {
        return Arbitraries.of(Converter.Method.RANDOM, Converter.Method.CLUSTERING);
    }

    @Provide
    Arbitrary<Integer> nExperts() {
        return Arbitraries.of(1, 2, 3, 4, 7, 8);
    }

    @Test
    void savedMoeModelReloadsBitIdentically(@TempDir Path dir) throws IOException {
        LlamaModel dense = stories260K();
        LlamaModel moe = Converter.convert(dense, Converter.Options.of(Converter.Method.RANDOM, 8, 2), null);
        Models.save(moe, dir);
        Models.Loaded back = Models.load(dir);
        assertTrue(back.isMoe());
        assertEquals(8, back.moe().numExperts());
        assertEquals(2, back.moe().topK());
        assertArrayEquals(new int[] {22, 22, 22, 22, 21, 21, 21, 21}, back.moe().layer(0).sizes(), "size_experts, remainder on the first experts");
        moe.eval();
        back.model().eval();
        assertArrayEquals(moe.forward(TOKENS).data().toFloatArray(), back.model().forward(TOKENS).data().toFloatArray());
        String cfg = Files.readString(dir.resolve("config.json"));
        for (String field : new String[] {"\"num_experts\"", "\"num_selects\"", "\"size_experts\"", "\"gate_type\"", "\"gate_network\"", "\"score_scale_factor\"", "\"llama_moe\""})
            assertTrue(cfg.contains(field), "config.json has " + field);
        var names = back.model().stateDict().keySet();
        assertTrue(names.contains("model.layers.0.mlp.gate.gate_network.0.weight"));
        assertTrue(names.contains("model.layers.0.mlp.gate.gate_network.2.weight"));
        assertTrue(names.contains("model.layers.0.mlp.gate.weight_noise.weight"));
        assertTrue(names.contains("model.layers.4.mlp.calculator.experts.weight_gate.7"));
        assertTrue(names.contains("model.layers.4.mlp.calculator.experts.weight_down.0"));
    }

    @Test
    void badInputFailsBeforeAnyWork(@TempDir Path dir) throws IOException {
        LlamaModel dense = stories260K();
        var e = assertThrows(IllegalArgumentException.class, () -> Converter.convert(dense, Converter.Options.of(Converter.Method.RANDOM, 4, 5), null));
        assertTrue(e.getMessage().contains("--top-k = 5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Converter.Method.parse("magic"));
        assertTrue(e.getMessage().contains("unknown conversion method 'magic'"), e.getMessage());
        LlamaModel moe = Converter.convert(dense, Converter.Options.of(Converter.Method.RANDOM, 4, 2), null);
        e = assertThrows(IllegalArgumentException.class, () -> Converter.convert(moe, Converter.Options.of(Converter.Method.RANDOM, 4, 2), null));
        assertTrue(e.getMessage().contains("no dense SwiGLU FFN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Converter.convert(dense, Converter.Options.of(Converter.Method.SHARING_INNER, 4, 2), null));
        assertTrue(e.getMessage().contains("needs importance scores"), e.getMessage());
        // a corrupt MoE config.json
        Models.save(moe, dir);
        Path cfg = dir.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replace("\"num_selects\" : 2", "\"num_selects\" : 9").replace("\"num_selects\": 2", "\"num_selects\": 9"));
        e = assertThrows(IllegalArgumentException.class, () -> Models.load(dir));
        assertTrue(e.getMessage().contains("num_selects = 9"), e.getMessage());
    }

    @Test
    void sharingInnerCoversTheRequestedSizes() throws IOException {
        LlamaModel dense = stories260K();
        java.util.List<int[]> docs = new java.util.ArrayList<>();
        java.util.Random r = new java.util.Random(5);
        for (int d = 0; d < 8; d++) {
            int[] doc = new int[40];
            doc[0] = 1;
            for (int i = 1; i < doc.length; i++) doc[i] = 3 + r.nextInt(500) ;
            docs.add(doc);
        }
        float[][][] imp = Importance.compute(dense, docs, 4, 16, 7, null);
        assertEquals(5, imp.length);
        assertEquals(4, imp[0].length);
        LlamaModel moe = Converter.convert(dense, Converter.Options.of(Converter.Method.SHARING_INNER, 4, 2).withImportance(imp, 60), null);
        for (int[] sizes : Converter.sizeExperts(moe)) assertArrayEquals(new int[] {60, 60, 60, 60}, sizes);
        // sharing-inter: 4 routed + 1 residual expert of 34 neurons each, residual block always on
        LlamaModel inter = Converter.convert(dense, Converter.Options.of(Converter.Method.SHARING_INTER, 4, 2).withImportance(imp, 34).withResidual(1), null);
        for (var b : inter.layers()) {
            MoeFfn f = (MoeFfn) b.ffn();
            assertArrayEquals(new int[] {34, 34, 34, 34}, f.spec().sizes());
            assertArrayEquals(new int[] {34}, f.spec().residualSizes());
        }
        Path dir = Files.createTempDirectory("inter");
        Models.save(inter, dir);
        Models.Loaded back = Models.load(dir);
        assertArrayEquals(new int[] {34}, back.moe().layer(2).residualSizes());
        inter.eval();
        back.model().eval();
        assertArrayEquals(inter.forward(TOKENS).data().toFloatArray(), back.model().forward(TOKENS).data().toFloatArray());
    }
}
