package io.moe4j.train.cpt;

import java.nio.file.Path;

/**
 * Test helper run in a child JVM: {@code CptChild MODEL DATA OUT STEPS STOP_AT RESUME}. Child JVMs give every run the
 * same cold start, which exact-resume comparisons need (see {@link CptResumeTest}).
 */
public final class CptChild {
    private CptChild() {}

    public static void main(String[] a) {
        CptRun.run(settings(Path.of(a[0]), Path.of(a[1]), Path.of(a[2]), Integer.parseInt(a[3]), Integer.parseInt(a[4]),
                Boolean.parseBoolean(a[5])), System.err::println);
    }

    static CptSettings settings(Path model, Path data, Path out, int steps, int stopAt, boolean resume) {
        return CptSettings.builder(model, data, out).sampler("static-sheared").seqLen(64).batch(4).lr(2e-3).warmup(2)
                .steps(steps).evalBatches(1).evalEvery(4).checkpointEvery(3).stopAt(stopAt).resume(resume).build();
    }
}
