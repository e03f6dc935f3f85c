package io.moe4j.data.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;

/** Test files copied from /work/shared/data (see PROVENANCE.md section 2) into test resources. */
final class TokenizerFixtures {

    static final String LLAMA2_MODEL = "llama2/tokenizer.model";
    static final String LLAMA2_BIN = "llama2/tokenizer.bin";
    static final String LLAMA2_VECTORS = "llama2/sentencepiece_test_vectors.json";
    static final String MISTRAL_JSON = "mistral/tokenizer.json.gz";
    static final String MISTRAL_VECTORS = "mistral/mistral_tokenizer_js_test_vectors.json";
    static final String TOK512 = "llama2c/tok512.bin";
    static final String STORIES_GREEDY = "llama2c/stories260K_greedy_t0.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerFixtures() {
    }

    static Path resource(String name) {
        URL url = TokenizerFixtures.class.getResource("/tokenizers/" + name);
        if (url == null) throw new IllegalStateException("missing test resource tokenizers/" + name);
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(String name) {
        try {
            return JSON.readTree(Files.readAllBytes(resource(name)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(JsonNode arr) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) out[i] = arr.get(i).asInt();
        return out;
    }

    /** The shared data folder from system property moe4j.shared, or null when absent. */
    static Path shared() {
        String s = System.getProperty("moe4j.shared");
        if (s == null) return null;
        Path p = Path.of(s, "data");
        return Files.isDirectory(p) ? p : null;
    }
}
