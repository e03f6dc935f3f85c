package io.moe4j.train.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Freeze presets on LLaMA-MoE v1 tensor names (resource optim/llama_moe_v1_names.txt, name -> is router). */
class FreezeRulesTest {
    private static final Map<String, Boolean> NAMES = new LinkedHashMap<>();

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = FreezeRulesTest.class.getResourceAsStream("/optim/llama_moe_v1_names.txt")) {
            assertTrue(in != null, "missing test resource optim/llama_moe_v1_names.txt");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    String[] f = line.trim().split(" ");
                    NAMES.put(f[0], f[1].equals("1"));
                }
            }
        }
        assertEquals(123, NAMES.size());
    }

    @Test
    void routerPresetFreezesExactlyTheRouter() {
        FreezeRules router = FreezeRules.preset("router");
        for (Map.Entry<String, Boolean> e : NAMES.entrySet()) {
            assertEquals(e.getValue(), router.isFrozen(e.getKey()), e.getKey());
        }
        assertEquals(6, NAMES.keySet().stream().filter(router).count());  // 3 tensors x 2 layers
        assertFalse(router.isFrozen("model.layers.0.mlp.calculator.experts.weight_gate.3"));
        assertFalse(router.isFrozen("model.layers.0.mlp.gate_proj.weight"));
    }

    @Test
    void routerPresetAlsoCoversMixtralRouterButNotItsExperts() {
        FreezeRules router = FreezeRules.preset("router");
        assertTrue(router.isFrozen("model.layers.5.block_sparse_moe.gate.weight"));
        assertFalse(router.isFrozen("model.layers.5.block_sparse_moe.experts.0.w1.weight"));
    }

    @Test
    void upstreamFreezeGateSubstringAlsoHitsExpertsAndDenseGateProj() {
        // METHOD.md §6 quirk: upstream --freeze_gate freezes every name containing "gate".
        FreezeRules quirk = FreezeRules.preset("gate-substring");
        assertTrue(quirk.isFrozen("model.layers.0.mlp.calculator.experts.weight_gate.0"));
        assertTrue(quirk.isFrozen("model.layers.31.mlp.gate_proj.weight"));
        assertFalse(quirk.isFrozen("model.layers.0.mlp.calculator.experts.weight_up.0"));
        long frozen = NAMES.keySet().stream().filter(quirk).count();
        assertEquals(6 + 2 * 16 + 2, frozen);  // router + weight_gate.{j} of 2 layers + 2 dense gate_proj
    }

    @Test
    void globsAndRegexes() {
        FreezeRules g = FreezeRules.glob("model.layers.*.mlp.gate.**");
        assertTrue(g.isFrozen("model.layers.12.mlp.gate.gate_network.0.weight"));
        assertFalse(g.isFrozen("model.layers.12.mlp.gate_proj.weight"));
        assertFalse(g.isFrozen("model.layers.1.2.mlp.gate.x"));  // '*' stays inside one component
        assertTrue(FreezeRules.of("model.embed_tokens.weight").isFrozen("model.embed_tokens.weight"));
        assertFalse(FreezeRules.of("model.embed_tokens.weight").isFrozen("model.embed_tokensXweight"));
        assertTrue(FreezeRules.of("lm_hea?.weight").isFrozen("lm_head.weight"));
        FreezeRules re = FreezeRules.regex("model\\.layers\\.(0|1)\\..*");
        assertTrue(re.isFrozen("model.layers.1.self_attn.q_proj.weight"));
        assertFalse(re.isFrozen("model.layers.10.self_attn.q_proj.weight"));  // whole-name match
        FreezeRules both = re.or(FreezeRules.preset("router"));
        assertTrue(both.isFrozen("model.layers.31.mlp.gate.weight_noise.weight"));
        assertEquals(both.specs(), FreezeRules.of(both.specs()).specs());
        assertTrue(FreezeRules.none().frozenNames(ParamLayout.builder().add("w", 2).build()).isEmpty());
    }

    @Test
    void unmatchedRulesAreReported() {
        FreezeRules r = FreezeRules.of("preset:router", "glob:model.layers.*.mlp.gaet.**");
        assertEquals(List.of("glob:model.layers.*.mlp.gaet.**"), r.unmatched(NAMES.keySet()));
    }

    @Test
    void badRules() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FreezeRules.preset("routr"));
        assertTrue(e.getMessage().contains("unknown preset"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FreezeRules.regex("(unclosed"));
        assertThrows(IllegalArgumentException.class, () -> FreezeRules.of(""));
    }
}
