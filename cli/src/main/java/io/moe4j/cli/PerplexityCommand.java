package io.moe4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.moe4j.data.tokenizer.Tokenizer;
import io.moe4j.eval.BatchScorer;
import io.moe4j.eval.ModelFiles;
import io.moe4j.eval.Perplexity;
import io.moe4j.eval.TextCorpus;
import io.moe4j.eval.Vocab;
import io.moe4j.moe.Models;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code moe4j perplexity}: per-domain token perplexity and bits per byte with a sliding window. */
@Command(name = "perplexity", mixinStandardHelpOptions = true,
        description = "Token-level perplexity per domain (sliding window, every token scored once; the first token of "
                + "each document is predicted from BOS) and bits per byte, over a SlimPajama JSONL file or the "
                + "validation split of a corpus directory.")
public final class PerplexityCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "llama2.c .bin file or HF (LLaMA or LLaMA-MoE) directory.")
    Path model;

    @Option(names = "--data", required = true, description = "JSONL file (plain/.gz/.zst) or corpus directory (validation split).")
    Path data;

    @Option(names = "--tokenizer", description = "Tokenizer file (default: the one beside the model).")
    Path tokenizer;

    @Option(names = "--seq-len", description = "Window length T (default: the model's max_seq_len).")
    Integer seqLen;

    @Option(names = "--stride", description = "Window stride S, 1..T (default: T, disjoint windows).")
    Integer stride;

    @Option(names = "--max-docs", defaultValue = "0", description = "Documents per domain, first ones in file order (default: all).")
    int maxDocs;

    @Option(names = "--batch", defaultValue = "16", description = "Windows per forward (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        ModelFiles.existing(model, "--model");
        Tokenizer tok = ModelFiles.tokenizer(model, tokenizer);
        Map<String, List<String>> texts = TextCorpus.read(data, maxDocs);
        Models.Loaded loaded = ModelFiles.load(model);
        Vocab.check(loaded.model(), tok);
        int t = seqLen == null ? loaded.config().maxSeqLen() : seqLen;
        Perplexity.Options o = new Perplexity.Options(t, stride == null ? t : stride);
        BatchScorer scorer = new BatchScorer(loaded.model(), batch);
        List<Perplexity.Result> rows = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : texts.entrySet()) {
            rows.add(Perplexity.score(scorer, tok, e.getKey(), e.getValue(), o));
            System.err.printf(Locale.ROOT, "%s: %d docs, %d tokens, ppl %.4f%n", e.getKey(), e.getValue().size(),
                    rows.get(rows.size() - 1).tokens(), rows.get(rows.size() - 1).perplexity());
        }
        Perplexity.Result all = Perplexity.Result.total("all", rows);
        double tps = scorer.tokens() / Math.max(scorer.seconds(), 1e-9);
        if (json) System.out.println(json(loaded, o, rows, all, tps));
        else System.out.print(table(loaded, o, rows, all, tps));
        return 0;
    }

    private String table(Models.Loaded loaded, Perplexity.Options o, List<Perplexity.Result> rows,
                         Perplexity.Result all, double tps) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "model %s (%s), seq-len %d, stride %d%n%n", ModelFiles.name(model),
                loaded.isMoe() ? "MoE" : "dense", o.seqLen(), o.stride()));
        b.append("| domain | docs | tokens | mean NLL | perplexity | bits/byte |\n|---|---|---|---|---|---|\n");
        List<Perplexity.Result> shown = new ArrayList<>(rows);
        if (rows.size() > 1) shown.add(all);
        for (Perplexity.Result r : shown)
            b.append(String.format(Locale.ROOT, "| %s | %d | %d | %.4f | %.4f | %.4f |%n", r.domain(), r.docs(), r.tokens(),
                    r.meanNll(), r.perplexity(), r.bitsPerByte()));
        b.append(String.format(Locale.ROOT, "%n%.0f tokens/s%n", tps));
        return b.toString();
    }

    private String json(Models.Loaded loaded, Perplexity.Options o, List<Perplexity.Result> rows, Perplexity.Result all,
                        double tps) throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model.toString());
        m.put("moe", loaded.isMoe());
        m.put("seq_len", o.seqLen());
        m.put("stride", o.stride());
        List<Object> doms = new ArrayList<>();
        for (Perplexity.Result r : rows) doms.add(row(r));
        m.put("domains", doms);
        m.put("all", row(all));
        m.put("tokens_per_second", tps);
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m);
    }

    private static Map<String, Object> row(Perplexity.Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("domain", r.domain());
        m.put("docs", r.docs());
        m.put("tokens", r.tokens());
        m.put("nll_sum", r.nll());
        m.put("mean_nll", r.meanNll());
        m.put("perplexity", r.perplexity());
        m.put("bytes", r.bytes());
        m.put("bits_per_byte", r.bitsPerByte());
        return m;
    }
}
