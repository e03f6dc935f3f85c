package io.moe4j.it;

import static org.junit.jupiter.api.Assertions.*;

import io.moe4j.autograd.Function;
import io.moe4j.autograd.GradCheck;
import io.moe4j.autograd.Var;
import io.moe4j.moe.MoeConfig;
import io.moe4j.moe.MoeFfn;
import io.moe4j.moe.MoeSpec;
import io.moe4j.moe.Models;
import io.moe4j.moe.SmoothLoadFn;
import io.moe4j.nn.LlamaConfig;
import io.moe4j.nn.LlamaModel;
import io.moe4j.nn.Rope;
import io.moe4j.nn.functions.*;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.Tensor;
import java.nio.file.*;
import java.util.*;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Gradient checks that cross modules: every Function defined outside autograd (nn's fused ops,
 * moe's smooth load) passes a float64 check, a coverage test fails when one has none, and a whole
 * LLaMA with MoE layers passes GradCheck on its loss (LM loss + balance loss) for all parameters.
 * autograd's own primitives are covered by its GradCheckSuiteTest.
 */
class CrossModuleGradientTest {
    record Case(String name, GradCheck.Expr expr, Tensor[] inputs) {}

    static Tensor rnd(long seed, int... shape) {
        return Tensor.randn(seed, DType.F64, 1.0, shape);
    }

    static List<Case> cases() {
        Rope rope = new Rope(4, 8, 10000);
        List<Case> c = new ArrayList<>();
        c.add(new Case("LinearFn", v -> LinearFn.apply(v[0], v[1]), new Tensor[] {rnd(1, 2, 3, 4), rnd(2, 5, 4)}));
        c.add(new Case("RmsNormFn", v -> RmsNormFn.apply(v[0], v[1], 1e-5), new Tensor[] {rnd(3, 2, 3, 6), rnd(4, 6)}));
        c.add(new Case("RopeFn", v -> rope.apply(v[0], 2), new Tensor[] {rnd(5, 1, 3, 2, 4)}));
        c.add(new Case("AttentionFn (GQA 4:2)", v -> AttentionFn.apply(v[0], v[1], v[2]),
                new Tensor[] {rnd(6, 2, 5, 4, 3), rnd(7, 2, 5, 2, 3), rnd(8, 2, 5, 2, 3)}));
        c.add(new Case("SwiGluFn", v -> SwiGluFn.apply(v[0], v[1]), new Tensor[] {rnd(9, 3, 7), rnd(10, 3, 7)}));
        c.add(new Case("SoftmaxCrossEntropyFn (with ignore)", v -> SoftmaxCrossEntropyFn.apply(v[0], new int[] {2, -100, 0, 4}, -100),
                new Tensor[] {rnd(11, 4, 5)}));
        c.add(new Case("LinearCrossEntropyFn (with ignore)", v -> LinearCrossEntropyFn.apply(v[0], v[1], new int[] {2, -100, 0, 4, 1, 1}, -100),
                new Tensor[] {rnd(12, 2, 3, 4), rnd(13, 5, 4)}));
        Tensor noise = rnd(16, 5, 4); // the composed gate's smooth load (the fused router is covered by the model case)
        c.add(new Case("SmoothLoadFn", v -> {
            Var sigma = v[1].square().affine(1, 0.3), noisy = v[0].add(sigma.mul(Var.constant(noise)));
            return SmoothLoadFn.apply(v[0], sigma, noisy, 2, io.moe4j.moe.gatemath.SmoothLoad.InRule.SHAZEER);
        }, new Tensor[] {rnd(14, 5, 4), rnd(15, 5, 4)}));
        c.add(moeModelCase());
        return c;
    }

    /** A 2-layer LLaMA with GQA whose FFNs are noisy top-2 MoE layers; loss = LM + Σ balance. */
    static Case moeModelCase() {
        LlamaConfig cfg = LlamaConfig.llama2c(8, 12, 2, 2, 1, 11, 8, false);
        LlamaModel m = LlamaModel.random(cfg, DType.F64, 3);
        List<MoeSpec> specs = List.of(MoeSpec.llamaMoe(new int[] {4, 4, 4}, 2), MoeSpec.llamaMoe(new int[] {6, 6}, 1).withResidual(new int[] {3}, 1));
        Models.withMoe(m, new MoeConfig(specs), 5);
        m.train(true);
        int[][] tokens = {{1, 4, 7, 2, 9}, {3, 3, 8, 10, 0}}, targets = {{4, 7, 2, 9, 1}, {3, 8, 10, 0, 5}};
        List<Var> params = m.parameters();
        Tensor[] inputs = new Tensor[params.size()];
        for (int i = 0; i < inputs.length; i++) inputs[i] = Tensor.randn(100 + i, DType.F64, 0.3, params.get(i).shape());
        return new Case("LLaMA-MoE loss, all parameters", v -> {
            m.bindParameters(Arrays.asList(v));
            for (var b : m.layers()) ((MoeFfn) b.ffn()).gate().setNoiseState(17, 0);
            Var loss = m.loss(tokens, targets, -100);
            for (Var aux : m.auxLosses()) loss = loss.add(aux);
            return loss;
        }, inputs);
    }

    @TestFactory
    Stream<DynamicTest> everyCrossModuleFunctionPassesGradCheck() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () ->
                assertTrue(GradCheck.check(c.name(), GradCheck.Options.defaults().withTolerance(1e-5, 1e-6), c.expr(), c.inputs()).checked() > 0)));
    }

    /** Every concrete Function outside autograd has a passing check; none hides in another package. */
    @Test
    void noFunctionIsLeftUnchecked() throws Exception {
        Set<String> expected = new TreeSet<>();
        for (Class<?> k : List.of(LinearFn.class, io.moe4j.moe.SmoothLoadFn.class, Function.class))
            for (Class<?> f : functionsNextTo(k)) expected.add(f.getSimpleName());
        Set<String> autogradOwn = new TreeSet<>();
        for (Class<?> f : functionsIn(Function.class, "io/moe4j/autograd/functions")) autogradOwn.add(f.getSimpleName());
        expected.removeAll(autogradOwn);
        assertTrue(expected.containsAll(List.of("LinearFn", "RmsNormFn", "RopeFn", "AttentionFn", "SwiGluFn", "SoftmaxCrossEntropyFn", "SmoothLoadFn")), expected.toString());
        Set<String> covered = new TreeSet<>();
        for (Case c : cases()) covered.addAll(GradCheck.check(c.name(), GradCheck.Options.defaults().withTolerance(1e-5, 1e-6), c.expr(), c.inputs()).functions());
        Set<String> missing = new TreeSet<>(expected);
        missing.removeAll(covered);
        assertEquals(Set.of(), missing, "Functions without a gradient check");
    }

    /** Concrete Function subclasses in the same package folder as {@code anchor}. */
    static List<Class<?>> functionsNextTo(Class<?> anchor) throws Exception {
        return functionsIn(anchor, anchor.getPackageName().replace('.', '/'));
    }

    static List<Class<?>> functionsIn(Class<?> anchor, String pkgPath) throws Exception {
        Path root = Paths.get(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<Class<?>> out = new ArrayList<>();
        Path dir = root.resolve(pkgPath);
        if (!Files.isDirectory(dir)) { // a jar: walk its entries
            try (FileSystem fs = FileSystems.newFileSystem(root)) {
                return scan(fs.getPath(pkgPath), pkgPath);
            }
        }
        return scan(dir, pkgPath);
    }

    private static List<Class<?>> scan(Path dir, String pkgPath) throws Exception {
        List<Class<?>> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String f = p.getFileName().toString();
                if (!f.endsWith(".class")) continue;
                Class<?> c = Class.forName(pkgPath.replace('/', '.') + "." + f.substring(0, f.length() - 6), false,
                        CrossModuleGradientTest.class.getClassLoader());
                if (Function.class.isAssignableFrom(c) && c != Function.class && !java.lang.reflect.Modifier.isAbstract(c.getModifiers())
                        && !c.isAnonymousClass() && c.getEnclosingClass() == null) out.add(c);
            }
        }
        return out;
    }
}
