package io.moe4j.autograd;

import static org.junit.jupiter.api.Assertions.*;

import io.moe4j.autograd.functions.Unary;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.*;
import java.util.*;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Every Function passes a float64 finite-difference check, and none is left unchecked. */
class GradCheckSuiteTest {

    @TestFactory
    Stream<DynamicTest> everyFunctionPassesGradCheck() {
        return GradCases.all().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            GradCheck.Report r = GradCheck.check(c.name(), c.expr(), c.inputs());
            assertTrue(r.checked() > 0, "checked no elements");
        }));
    }

    /** Fails when a Function class (or a variant of a parameterised one) has no passing gradient check. */
    @Test
    void everyFunctionHasAGradCheck() throws Exception {
        Set<String> expected = new TreeSet<>();
        for (Class<?> c : functionClasses()) expected.addAll(keysOf(c));
        assertFalse(expected.isEmpty(), "found no Function classes to check");
        Set<String> covered = new TreeSet<>();
        for (GradCases.Case c : GradCases.all()) covered.addAll(GradCheck.check(c.name(), c.expr(), c.inputs()).functions());
        Set<String> missing = new TreeSet<>(expected);
        missing.removeAll(covered);
        assertEquals(Set.of(), missing, "Functions without a gradient check");
    }

    /** The check itself must be able to fail: a Function with a wrong backward is caught. */
    @Test
    void gradCheckCatchesAWrongBackward() {
        GradCheck.Expr wrong = v -> Function.apply(new Function() {
            @Override
            protected io.moe4j.tensor.Tensor forward(io.moe4j.tensor.Tensor... x) {
                return io.moe4j.tensor.Ops.square(x[0]);
            }

            @Override
            protected io.moe4j.tensor.Tensor[] backward(io.moe4j.tensor.Tensor g) {
                return new io.moe4j.tensor.Tensor[] {g}; // should be 2x·g
            }
        }, v[0]);
        assertThrows(AssertionError.class, () -> GradCheck.check("wrong", wrong, GradCases.rnd(1, 4)));
    }

    static List<String> keysOf(Class<?> c) throws Exception {
        try {
            Method m = c.getMethod("keys");
            @SuppressWarnings("unchecked")
            List<String> k = (List<String>) m.invoke(null);
            return k;
        } catch (NoSuchMethodException e) {
            return List.of(c.getSimpleName());
        }
    }

    /** Concrete Function subclasses compiled into the functions package, found on disk. */
    static List<Class<?>> functionClasses() throws IOException, URISyntaxException, ClassNotFoundException {
        Path root = Paths.get(Unary.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path dir = root.resolve("io/moe4j/autograd/functions");
        List<Class<?>> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String f = p.getFileName().toString();
                if (!f.endsWith(".class") || f.contains("$")) continue;
                Class<?> c = Class.forName("io.moe4j.autograd.functions." + f.substring(0, f.length() - 6));
                if (Function.class.isAssignableFrom(c) && !Modifier.isAbstract(c.getModifiers())) out.add(c);
            }
        }
        return out;
    }
}
