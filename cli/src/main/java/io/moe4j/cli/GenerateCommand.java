package io.moe4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.moe4j.data.tokenizer.Tokenizer;
import io.moe4j.eval.ModelFiles;
import io.moe4j.eval.TextGenerator;
import io.moe4j.eval.Vocab;
import io.moe4j.moe.Models;
import io.moe4j.nn.Sampler;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code moe4j generate}: llama2.c's {@code run} for any model moe4j loads. The prompt is encoded
 * with BOS (as llama2.c does); generation stops when BOS or EOS is sampled. {@code --max-tokens N}
 * counts new tokens after the prompt: llama2.c's {@code -n} counts positions including the prompt,
 * so {@code -n S} equals {@code --max-tokens S - P + 1} for a prompt of P tokens, i.e.
 * {@code --max-tokens 200} = {@code -n 200} for the empty prompt.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate text with a dense or MoE model (llama2.c .bin or HF directory) on the KV-cache decode path. "
                + "Streams the text (llama2.c's output) unless --json.")
public final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "llama2.c .bin file or HF (LLaMA or LLaMA-MoE) directory.")
    Path model;

    @Option(names = "--tokenizer", description = "Tokenizer file (default: the one beside the model).")
    Path tokenizer;

    @Option(names = "--prompt", defaultValue = "", description = "Prompt text (default: empty, i.e. BOS only).")
    String prompt;

    @Option(names = "--max-tokens", defaultValue = "256",
            description = "New tokens after the prompt (default: ${DEFAULT-VALUE}); llama2.c -n S = prompt tokens - 1 + this.")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "1.0", description = "0 = greedy (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-p", defaultValue = "0.9", description = "Nucleus mass, 1 = off (default: ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--top-k", defaultValue = "0", description = "Keep the k most likely tokens, 0 = off (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--seed", defaultValue = "42", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", description = "Print {\"prompt_ids\": [...], \"ids\": [...], \"text\": \"...\"} instead of streaming.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (maxTokens < 0) throw new IllegalArgumentException("--max-tokens must be >= 0, got " + maxTokens);
        Sampler sampler = new Sampler(temperature, topK, topP, seed); // checks the sampling options
        Path tokPath = ModelFiles.tokenizerPath(ModelFiles.existing(model, "--model"), tokenizer);
        Tokenizer tok = io.moe4j.data.tokenizer.Tokenizers.load(tokPath);
        Models.Loaded loaded = ModelFiles.load(model);
        Vocab.check(loaded.model(), tok);
        loaded.model().eval();
        int[] promptIds = tok.encode(prompt, tok.bosId() >= 0, false);
        PrintStream out = System.out;
        TextGenerator.Result r = TextGenerator.generate(loaded.model(), tok, promptIds, maxTokens, sampler,
                new int[] {tok.bosId(), tok.eosId()}, null, json ? null : piece -> {
                    out.write(piece, 0, piece.length);
                    out.flush();
                });
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("prompt_ids", r.promptIds());
            o.put("ids", r.ids());
            o.put("text", r.text());
            out.println(new ObjectMapper().writeValueAsString(o));
        } else {
            out.println();
        }
        System.err.printf(Locale.ROOT, "%d new tokens, %d positions in %.2f s: %.1f tokens/s (%s, %s)%n", r.ids().length,
                r.positions(), r.seconds(), r.tokensPerSecond(), ModelFiles.name(model), loaded.isMoe() ? "MoE" : "dense");
        return 0;
    }
}
