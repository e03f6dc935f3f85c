package io.moe4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.moe4j.moe.GateNetwork;
import io.moe4j.moe.GateType;
import io.moe4j.moe.Models;
import io.moe4j.moe.MoeConfig;
import io.moe4j.moe.MoeSpec;
import io.moe4j.nn.LlamaConfig;
import io.moe4j.nn.LlamaModel;
import io.moe4j.tensor.DType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Parameter counts from a config alone against METHOD.md §1's published table (LLaMA-2-7B and the
 * three LLaMA-MoE models), and against the parameter count of the modules moe4j actually builds.
 */
class CostModelTest {
    /** LLaMA-2-7B: dim 4096, 32 layers, 32 heads (MHA), FFN 11008, vocab 32000, untied. */
    static final LlamaConfig LLAMA2_7B = new LlamaConfig(4096, 11008, 32, 32, 32, 32000, 4096, 1e-5, 10000, false);

    static MoeConfig llamaMoe(int n, int k, int size, int layers) {
        int[] sizes = new int[n];
        Arrays.fill(sizes, size);
        List<MoeSpec> specs = new ArrayList<>();
        for (int l = 0; l < layers; l++) specs.add(MoeSpec.llamaMoe(sizes, k));
        return new MoeConfig(specs);
    }

    @Test
    void llama2SevenBillion() {
        CostModel.Cost c = CostModel.of(LLAMA2_7B, null, 4096);
        assertEquals(6.74, c.totalParams() / 1e9, 0.005); // "6.74 B" (METHOD.md §1; HF model card 6.7B)
        assertEquals(c.totalParams(), c.activatedParams());
        assertEquals(LLAMA2_7B.parameterCount(), c.totalParams()); // nn's own count of the same shape
    }

    /** METHOD.md §1: activated 2.953 B / 3.494 B / 3.493 B, total 6.74 B. */
    @ParameterizedTest
    @CsvSource({"16, 2, 688, 2.953", "16, 4, 688, 3.494", "8, 2, 1376, 3.493"})
    void llamaMoeActivatedParamsAsMethodCountsThem(int n, int k, int size, double activatedB) {
        CostModel.Cost c = CostModel.of(LLAMA2_7B, llamaMoe(n, k, size, 32), 4096);
        assertEquals(activatedB, c.activatedParams() / 1e9, 0.0005);
        assertEquals(6.74, c.totalParams() / 1e9, 0.005);
        // noise weights d·N per layer: in the total, not activated
        long denseFfn = 3L * 4096 * 11008, gate = 4096L * n + (long) n * n, noise = 4096L * n;
        assertEquals(LLAMA2_7B.parameterCount() + 32 * (gate + noise), c.totalParams());
        assertEquals(LLAMA2_7B.parameterCount() - 32 * (denseFfn - denseFfn * k / n - gate), c.activatedParams());
    }

    @Test
    void flopsPerTokenAreTwiceTheMatmulParamsPlusAttention() {
        CostModel.Cost c = CostModel.of(LLAMA2_7B, null, 2048);
        long matmul = LLAMA2_7B.parameterCount() - 32000L * 4096 - 32 * 2 * 4096L - 4096; // minus embedding lookup and norms
        assertEquals(matmul, c.matmulParams());
        assertEquals(2 * matmul + 4L * 32 * 4096 * 2048, c.flopsPerToken());
        // the MoE 4/16 runs a quarter of the FFN: FFN matmuls drop by 3/4 of 3·d·I per layer, the gate adds d·N + N²
        CostModel.Cost m = CostModel.of(LLAMA2_7B, llamaMoe(16, 4, 688, 32), 2048);
        assertEquals(c.flopsPerToken() - 2L * 32 * (3L * 4096 * 11008 * 3 / 4 - (4096L * 16 + 256)), m.flopsPerToken());
    }

    /** The counting rules must give exactly the parameters of the modules moe4j builds, for every router kind. */
    @ParameterizedTest
    @CsvSource({"TOP_K_NOISY, MLP, 2", "TOP_K_NOISY, LINEAR, 2", "SWITCH, MLP, 1", "MIXTRAL, LINEAR, 2"})
    void totalEqualsTheBuiltModel(GateType gate, GateNetwork net, int k) {
        LlamaConfig cfg = LlamaConfig.llama2c(64, 172, 3, 8, 4, 512, 128, true);
        int[] sizes = {20, 21, 22, 23, 24, 25, 26, 11}; // unequal sizes, as clustering or sharing can produce
        List<MoeSpec> specs = new ArrayList<>();
        for (int l = 0; l < 3; l++) specs.add(MoeSpec.llamaMoe(sizes, k).withGate(gate, net));
        MoeConfig moe = new MoeConfig(specs);
        LlamaModel m = Models.withMoe(new LlamaModel(cfg, DType.F32), moe, 0);
        assertEquals(m.parameterCount(), CostModel.of(cfg, moe, 128).totalParams());
        LlamaModel dense = new LlamaModel(cfg, DType.F32);
        assertEquals(dense.parameterCount(), CostModel.of(cfg, null, 128).totalParams());
    }
}
