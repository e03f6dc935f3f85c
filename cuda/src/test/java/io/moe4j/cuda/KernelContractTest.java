package io.moe4j.cuda;

import static org.junit.jupiter.api.Assertions.*;

import io.moe4j.tensor.BinaryOp;
import io.moe4j.tensor.ReduceOp;
import io.moe4j.tensor.UnaryOp;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The contracts between the Java side and the CUDA sources that no GPU is needed to check: op
 * codes are enum ordinals, so the C enums must list the Java enums in order; every module is a
 * resource; and the committed PTX declares the parameters the launch code passes.
 */
class KernelContractTest {
    static final Path SRC = Path.of("src/main/cuda");

    static String source(String file) throws IOException {
        return Files.readString(SRC.resolve(file), StandardCharsets.UTF_8);
    }

    /** The names of a C enum, stripped of their prefix (U_NEG -> NEG). */
    static List<String> cEnum(String src, String name) {
        Matcher m = Pattern.compile("enum\\s+" + name + "\\s*\\{([^}]*)\\}").matcher(src);
        assertTrue(m.find(), "enum " + name + " not found");
        List<String> out = new ArrayList<>();
        for (String item : m.group(1).split(",")) {
            String id = item.replaceAll("=.*", "").trim();
            if (!id.isEmpty()) out.add(id.substring(id.indexOf('_') + 1));
        }
        return out;
    }

    static List<String> names(Enum<?>[] values) {
        return Arrays.stream(values).map(Enum::name).toList();
    }

    @Test
    void opCodesFollowJavaEnumOrder() throws IOException {
        String ew = source("elementwise.cu");
        assertEquals(names(UnaryOp.values()), cEnum(ew, "UnaryCode"));
        assertEquals(names(BinaryOp.values()), cEnum(ew, "BinaryCode"));
        assertEquals(names(ReduceOp.values()), cEnum(source("reduce.cu"), "ReduceCode"));
    }

    @Test
    void maxDimsAgree() throws IOException {
        assertTrue(source("common.cuh").contains("#define MAXD " + Layout.MAX_DIMS), "MAXD must equal Layout.MAX_DIMS");
    }

    @Test
    void everySourceHasItsPtxAndEveryModuleIsListed() throws IOException {
        List<String> sources = new ArrayList<>();
        try (var s = Files.list(SRC)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cu")).forEach(n -> sources.add(n.substring(0, n.length() - 3)));
        }
        assertEquals(sources.stream().sorted().toList(), Arrays.stream(CudaContext.MODULES).sorted().toList());
        for (String m : CudaContext.MODULES) assertTrue(CudaContext.ptx(m).length > 1000, m + ".ptx is missing or empty");
    }

    static Map<String, int[]> signatures(String module) {
        byte[] b = CudaContext.ptx(module);
        return PtxSignatures.parse(new String(b, 0, b.length - 1, StandardCharsets.US_ASCII));
    }

    @Test
    void ptxParametersMatchTheStructsAndScalarsJavaPasses() {
        int dims = 4 * (Layout.MAX_DIMS + 1), strides = 4 * Layout.MAX_DIMS;
        // unary_f32(int op, const float* a, int offA, Strides sa, Dims d, float* out, long long n)
        assertArrayEquals(new int[] {4, 8, 4, strides, dims, 8, 8}, signatures("elementwise").get("unary_f32"));
        // affine_f64 takes double scale and shift, affine_f32 float ones
        assertArrayEquals(new int[] {8, 4, strides, dims, 8, 8, 8, 8}, signatures("elementwise").get("affine_f64"));
        assertArrayEquals(new int[] {8, 4, strides, dims, 4, 4, 8, 8}, signatures("elementwise").get("affine_f32"));
        assertArrayEquals(new int[] {4, 4, 4, 4, 8, 8, 4, 4, 8, 8, 4, 4, 8}, signatures("gemm").get("gemm_tf32_mma"));
    }

    @Test
    void everyKernelIsFoundInTheModuleItsNameMapsTo() {
        for (String m : CudaContext.MODULES)
            for (String fn : signatures(m).keySet()) assertEquals(m, CudaContext.moduleOf(fn), "kernel " + fn);
    }

    @Test
    void mismatchMessagesNameTheParameter() {
        int[] params = {4, 8};
        assertNull(PtxSignatures.mismatch("k", params, new Object[] {1, 2L}));
        assertTrue(PtxSignatures.mismatch("k", params, new Object[] {1}).contains("takes 2 parameters, got 1"));
        assertTrue(PtxSignatures.mismatch("k", params, new Object[] {1, 2}).contains("parameter 1 is 8 bytes, argument is 4"));
        assertTrue(PtxSignatures.mismatch("k", null, new Object[0]).contains("not in the PTX"));
    }

    @Test
    void tensorCoreKernelsUseMmaSync() {
        String gemm = new String(CudaContext.ptx("gemm"), StandardCharsets.US_ASCII);
        assertTrue(gemm.contains("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32"));
        assertTrue(gemm.contains("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32"));
        assertTrue(gemm.contains(".target sm_80"), "PTX must target compute_80");
    }
}
