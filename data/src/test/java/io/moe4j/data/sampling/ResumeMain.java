package io.moe4j.data.sampling;

import io.moe4j.data.cache.TokenCache;

import java.nio.file.Files;
import java.nio.file.Path;

/** Restores a loader from a state file in a fresh JVM and writes its next batches: args cacheDir stateFile outFile n. */
public final class ResumeMain {
    private ResumeMain() {
    }

    public static void main(String[] args) throws Exception {
        try (TokenCache cache = TokenCache.open(Path.of(args[0]))) {
            BatchLoader l = BatchLoader.restore(cache, Files.readAllBytes(Path.of(args[1])));
            Files.write(Path.of(args[2]), BatchTestSupport.run(l, Integer.parseInt(args[3])));
        }
    }
}
