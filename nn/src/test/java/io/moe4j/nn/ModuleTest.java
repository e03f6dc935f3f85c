package io.moe4j.nn;

import static org.junit.jupiter.api.Assertions.*;

import io.moe4j.autograd.Var;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModuleTest {

    /** The contract's Hugging Face names, in the stable order. */
    static List<String> contractNames(int layers, boolean tied) {
        List<String> n = new ArrayList<>();
        n.add("model.embed_tokens.weight");
        for (int i = 0; i < layers; i++) {
            String p = "model.layers." + i + ".";
            for (String s : new String[] {"input_layernorm.weight", "self_attn.q_proj.weight", "self_attn.k_proj.weight",
                    "self_attn.v_proj.weight", "self_attn.o_proj.weight", "post_attention_layernorm.weight",
                    "mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight"}) n.add(p + s);
        }
        n.add("model.norm.weight");
        if (!tied) n.add("lm_head.weight");
        return n;
    }

    @Test
    void stateDictHasTheContractNamesAndShapes() {
        for (boolean tied : new boolean[] {true, false}) {
            LlamaConfig c = TestModels.tiny(tied);
            LlamaModel m = new LlamaModel(c, DType.F32);
            LinkedHashMap<String, Tensor> sd = m.stateDict();
            assertEquals(contractNames(2, tied), new ArrayList<>(sd.keySet()));
            assertArrayEquals(new int[] {4, 8}, sd.get("model.layers.1.self_attn.k_proj.weight").shape()); // [kvDim, C]
            assertArrayEquals(new int[] {8, 12}, sd.get("model.layers.0.mlp.down_proj.weight").shape());   // [C, F]
            assertEquals(c.parameterCount(), m.parameterCount());
            for (Tensor t : sd.values()) assertTrue(t.dtype() == DType.F32 && t.isContiguous());
        }
    }

    @Test
    void stateDictRoundTripGivesTheSameLogits() {
        LlamaModel a = new LlamaModel(TestModels.tiny(false), DType.F32);
        TestModels.fill(a, 0.3, 1);
        LlamaModel b = LlamaModel.fromStateDict(TestModels.tiny(false), a.stateDict());
        int[][] tok = TestModels.tokens(2, 2, 5, 11);
        assertArrayEquals(TestModels.logits(a, tok), TestModels.logits(b, tok), 0f);
    }

    @Test
    void loadStateDictNamesWhatIsWrong() {
        LlamaModel m = new LlamaModel(TestModels.tiny(true), DType.F32);
        LinkedHashMap<String, Tensor> sd = new LinkedHashMap<>(m.stateDict());
        sd.remove("model.norm.weight");
        sd.put("lm_head.weight", Tensor.zeros(DType.F32, 11, 8));
        var e = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(sd));
        assertTrue(e.getMessage().contains("missing 1 [model.norm.weight]"), e.getMessage());
        assertTrue(e.getMessage().contains("unexpected 1 [lm_head.weight]"), e.getMessage());

        LinkedHashMap<String, Tensor> bad = new LinkedHashMap<>(m.stateDict());
        bad.put("model.layers.0.self_attn.q_proj.weight", Tensor.zeros(DType.F32, 8, 4));
        var e2 = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(bad));
        assertEquals("state dict: 'model.layers.0.self_attn.q_proj.weight' has shape [8, 4], expected [8, 8]", e2.getMessage());
    }

    @Test
    void loadStateDictConvertsF32IntoAnF64Model() {
        LlamaModel a = new LlamaModel(TestModels.tiny(true), DType.F32);
        TestModels.fill(a, 0.3, 4);
        LlamaModel b = new LlamaModel(TestModels.tiny(true), DType.F64);
        b.loadStateDict(a.stateDict());
        assertEquals(DType.F64, b.dtype());
        assertArrayEquals(a.stateDict().get("model.norm.weight").toFloatArray(), b.stateDict().get("model.norm.weight").toFloatArray(), 0f);
    }

    // ---------------------------------------------------------------- flat buffers

    @Test
    void parameterBufferHoldsEveryParameterAndGradientInOneArray() {
        LlamaModel m = new LlamaModel(TestModels.tiny(false), DType.F32);
        TestModels.fill(m, 0.3, 2);
        int[][] tok = TestModels.tokens(3, 2, 6, 11), tgt = TestModels.tokens(4, 2, 6, 11);
        float[] before = m.forward(tok).data().toFloatArray();
        // reference gradients without a buffer
        Var loss0 = m.loss(tok, tgt, -1);
        loss0.backward();
        List<float[]> refGrads = new ArrayList<>();
        for (Var v : m.parameters()) refGrads.add(v.grad().toFloatArray());

        ParameterBuffer buf = ParameterBuffer.of(m);
        assertEquals(m.parameterCount(), buf.size());
        int off = 0;
        for (ParameterBuffer.Slice s : buf.slices()) {
            assertSame(buf.dataStorage(), s.param().data().storage());
            assertEquals(off, s.param().data().offset());
            assertSame(buf.gradStorage(), s.param().var().grad().storage());
            off += s.numel();
        }
        assertEquals(buf.size(), off);
        assertArrayEquals(before, m.forward(tok).data().toFloatArray(), 0f, "values carried over");

        m.loss(tok, tgt, -1).backward();
        List<Var> ps = m.parameters();
        for (int i = 0; i < ps.size(); i++) assertArrayEquals(refGrads.get(i), ps.get(i).grad().toFloatArray(), 1e-6f);
        m.loss(tok, tgt, -1).backward(); // accumulates: twice the gradient
        assertEquals(2 * refGrads.get(0)[5], buf.grad()[5], 1e-6);
        buf.zeroGrad();
        for (float g : buf.grad()) assertEquals(0f, g);
    }

    @Test
    void sgdOnTheFlatBuffersLowersTheLoss() {
        LlamaModel m = LlamaModel.random(TestModels.tiny(true), DType.F32, 9);
        ParameterBuffer buf = ParameterBuffer.of(m);
        int[][] tok = TestModels.tokens(5, 4, 8, 11), tgt = new int[4][8];
        for (int b = 0; b < 4; b++) for (int t = 0; t < 8; t++) tgt[b][t] = (tok[b][t] + 1) % 11; // learnable: next id
        double first = 0, last = 0;
        for (int step = 0; step < 60; step++) {
            buf.zeroGrad();
            Var loss = m.loss(tok, tgt, -1);
            loss.backward();
            if (step == 0) first = loss.data().item();
            last = loss.data().item();
            float[] w = buf.data(), g = buf.grad();
            for (int i = 0; i < w.length; i++) w[i] -= 0.5f * g[i];
        }
        assertTrue(last < 0.5 * first, "loss " + first + " -> " + last);
    }

    // ---------------------------------------------------------------- structure

    @Test
    void swappingAnFfnChangesTheParametersAndTheOutput() {
        LlamaModel m = new LlamaModel(TestModels.tiny(true), DType.F32);
        TestModels.fill(m, 0.3, 3);
        int[][] tok = TestModels.tokens(6, 1, 5, 11);
        float[] dense = m.forward(tok).data().toFloatArray();
        FeedForward zero = new FeedForward() {
            @Override public Var forward(Var x) { return x.scale(0); }
            @Override public void forwardToken(float[] x, float[] out, KvCache cache) { java.util.Arrays.fill(out, 0f); }
            @Override public int tokenScratchSize() { return 0; }
        };
        m.layer(1).setFfn(zero);
        assertFalse(m.namedParams().containsKey("model.layers.1.mlp.up_proj.weight"));
        assertTrue(m.namedParams().containsKey("model.layers.0.mlp.up_proj.weight"));
        List<String> names = new ArrayList<>(m.namedParams().keySet());
        assertEquals("model.layers.1.post_attention_layernorm.weight", names.get(names.indexOf("model.norm.weight") - 1));
        float[] swapped = m.forward(tok).data().toFloatArray();
        assertFalse(java.util.Arrays.equals(dense, swapped));
        KvCache cache = m.newKvCache();
        for (int pos = 0; pos < 5; pos++) {
            float[] step = m.forwardToken(tok[0][pos], pos, cache);
            for (int i = 0; i < 11; i++) assertEquals(swapped[pos * 11 + i], step[i], 2e-5);
        }
    }

    @Test
    void trainAndEvalReachEveryDescendant() {
        LlamaModel m = new LlamaModel(TestModels.tiny(true), DType.F32);
        assertTrue(m.layer(1).ffn().isTraining());
        m.eval();
        assertFalse(m.layer(1).ffn().isTraining());
        assertFalse(m.layer(0).attention().qProj().isTraining());
        m.train(true);
        assertTrue(m.layer(0).attention().qProj().isTraining());
    }
}
