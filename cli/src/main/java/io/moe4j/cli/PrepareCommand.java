package io.moe4j.cli;

import io.moe4j.data.cache.Prepare;
import io.moe4j.data.corpus.MalformedPolicy;
import io.moe4j.data.tokenizer.Tokenizer;
import io.moe4j.data.tokenizer.Tokenizers;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code moe4j prepare}: tokenize a corpus once into a memory-mapped cache. */
@Command(name = "prepare", mixinStandardHelpOptions = true,
        description = "Tokenize every domain of a corpus (SlimPajama JSONL, plain/.gz/.zst; one folder per domain or SlimPajama's train/validation layout) into a memory-mapped token cache with a manifest. Re-running on unchanged input does nothing.")
public final class PrepareCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, description = "Corpus directory.")
    Path data;

    @Option(names = "--tokenizer", required = true, description = "Tokenizer file or model directory.")
    Path tokenizer;

    @Option(names = "--out", required = true, description = "Cache directory to create or validate.")
    Path out;

    @Option(names = "--threads", defaultValue = "0", description = "Tokenizer threads (default: all cores).")
    int threads;

    @Option(names = "--on-malformed", defaultValue = "skip", description = "skip (count and report) or fail (default: ${DEFAULT-VALUE}).")
    String onMalformed;

    @Option(names = "--rebuild", description = "Rebuild even when the cache is up to date or was made with another tokenizer.")
    boolean rebuild;

    @Override
    public Integer call() throws Exception {
        Tokenizer tok = Tokenizers.load(Files2.existing(tokenizer, "--tokenizer"));
        MalformedPolicy policy = switch (onMalformed.toLowerCase(Locale.ROOT)) {
            case "skip" -> MalformedPolicy.SKIP;
            case "fail" -> MalformedPolicy.FAIL;
            default -> throw new IllegalArgumentException("--on-malformed must be skip or fail, got '" + onMalformed + "'");
        };
        Prepare.Options opt = Prepare.Options.defaults().withPolicy(policy).withRebuild(rebuild).withLog(System.err::println);
        // hash the tokenizer file itself (as train does), also when --tokenizer names a model folder
        Path tokFile = io.moe4j.eval.ModelFiles.tokenizerPath(tokenizer, java.nio.file.Files.isDirectory(tokenizer) ? null : tokenizer);
        Prepare.Result r = Prepare.run(Files2.existing(data, "--data"), tok, Files2.sha256(tokFile), out, threads,
                Prepare.Progress.bar(), opt);
        if (r.upToDate()) {
            System.out.println("cache " + out + " is up to date (" + r.manifest().tokens(io.moe4j.data.corpus.Split.TRAIN) + " train tokens)");
        } else {
            System.out.printf(Locale.ROOT, "prepared %d documents, %d tokens in %.1f s: %.0f tokens/s with %d threads%n",
                    r.documents(), r.tokens(), r.seconds(), r.tokensPerSecond(),
                    threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
        }
        return 0;
    }
}
