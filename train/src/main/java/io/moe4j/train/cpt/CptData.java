package io.moe4j.train.cpt;

import io.moe4j.data.cache.Manifest;
import io.moe4j.data.cache.Prepare;
import io.moe4j.data.cache.TokenCache;
import io.moe4j.data.corpus.Split;
import io.moe4j.data.tokenizer.Tokenizer;
import io.moe4j.data.tokenizer.Tokenizers;
import io.moe4j.train.RunSetup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The token cache a pre-training run reads: {@code --data} is either a prepared cache (a folder with the cache's
 * manifest.json, used as is) or a corpus folder, which is tokenised once into the run's {@code cache/} folder
 * (re-running is a no-op when the corpus is unchanged, so a resumed run reuses it).
 *
 * @param cache         the opened cache
 * @param tokenizerFile the tokenizer used (copied into every saved model), or null when unknown
 */
public record CptData(TokenCache cache, Path tokenizerFile) {

    /** True when {@code dir} holds a prepared token cache. */
    public static boolean isCache(Path dir) {
        return Files.isRegularFile(dir.resolve(Manifest.FILE_NAME));
    }

    /**
     * Opens or prepares the cache and checks it against the model's vocabulary (and tokenizer, when known).
     *
     * @param cacheDir where to tokenise a corpus
     */
    public static CptData open(Path data, Path model, Path tokenizerOpt, int modelVocab, Path cacheDir, Consumer<String> log) {
        RunSetup.existing(data, "--data");
        if (!Files.isDirectory(data)) throw new IllegalArgumentException("--data " + data + " is not a folder");
        Path tokFile = RunSetup.tokenizerFor(model, tokenizerOpt);
        TokenCache cache;
        if (isCache(data)) {
            cache = TokenCache.open(data);
            Manifest m = cache.manifest();
            if (tokFile != null && !m.tokenizerHash().equals(RunSetup.sha256(tokFile)))
                throw new IllegalArgumentException("--data " + data + ": the token cache was made with tokenizer " + m.tokenizerHash()
                        + ", not " + tokFile + " (" + RunSetup.sha256(tokFile) + "); prepare it again with this model's tokenizer");
            if (tokFile == null) log.accept("WARNING: no tokenizer found for " + model + "; trusting the cache's vocabulary");
        } else {
            if (tokFile == null)
                throw new IllegalArgumentException("--data " + data + " is a corpus and no tokenizer sits beside --model " + model
                        + "; pass --tokenizer FILE");
            Tokenizer tok = Tokenizers.load(tokFile);
            if (tok.vocabSize() > modelVocab)
                throw new IllegalArgumentException("tokenizer " + tokFile + " has " + tok.vocabSize() + " tokens but the model's vocabulary is "
                        + modelVocab);
            Prepare.Options po = Prepare.Options.defaults().withLog(log);
            Prepare.run(data, tok, RunSetup.sha256(tokFile), cacheDir, 0, Prepare.Progress.bar(), po);
            cache = TokenCache.open(cacheDir);
        }
        Manifest m = cache.manifest();
        if (m.vocabSize() > modelVocab)
            throw new IllegalArgumentException("token cache " + cache.dir() + " has vocabulary " + m.vocabSize()
                    + " but the model only " + modelVocab + " (ids would be out of range)");
        if (m.bosId() < 0) throw new IllegalArgumentException("token cache " + cache.dir() + ": its tokenizer has no BOS token");
        if (cache.domains(Split.TRAIN).isEmpty())
            throw new IllegalArgumentException("--data " + data + ": no training data (no domain has a train split)");
        return new CptData(cache, tokFile);
    }
}
