package io.moe4j.eval;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.moe4j.data.tokenizer.Tokenizer;
import io.moe4j.data.tokenizer.Tokenizers;
import io.moe4j.moe.Models;
import io.moe4j.nn.LlamaModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The embedded stories260K model and tokenizer (system property moe4j.assets), loaded once. */
final class Stories260K {
    private Stories260K() {}

    private static LlamaModel model;
    private static Tokenizer tok;

    static Path dir() {
        String assets = System.getProperty("moe4j.assets", "../assets");
        Path d = Path.of(assets, "models", "stories260K");
        assumeTrue(Files.isRegularFile(d.resolve("stories260K.bin")), "stories260K assets not found under " + d);
        return d;
    }

    static synchronized LlamaModel model() {
        if (model == null) {
            try {
                model = Models.load(dir().resolve("stories260K.bin")).model();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            model.eval();
        }
        return model;
    }

    static synchronized Tokenizer tokenizer() {
        if (tok == null) tok = Tokenizers.load(dir().resolve("tok512.bin"));
        return tok;
    }

    /** A test resource under golden/. */
    static Path golden(String name) {
        try {
            return Path.of(Stories260K.class.getResource("/golden/" + name).toURI());
        } catch (Exception e) {
            throw new IllegalStateException("missing test resource golden/" + name, e);
        }
    }
}
