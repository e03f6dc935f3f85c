package io.moe4j.cli.demo;

import io.moe4j.autograd.Grad;
import io.moe4j.data.corpus.Split;
import io.moe4j.data.tokenizer.Tokenizer;
import io.moe4j.eval.BatchScorer;
import io.moe4j.eval.CostModel;
import io.moe4j.eval.ModelAdapter;
import io.moe4j.eval.ModelFiles;
import io.moe4j.eval.Perplexity;
import io.moe4j.eval.TextCorpus;
import io.moe4j.eval.TextGenerator;
import io.moe4j.eval.harness.EvalReport;
import io.moe4j.eval.harness.Evaluator;
import io.moe4j.eval.tasks.Tasks;
import io.moe4j.moe.Converter;
import io.moe4j.moe.Models;
import io.moe4j.nn.LlamaModel;
import io.moe4j.nn.Sampler;
import io.moe4j.train.cpt.CptRun;
import io.moe4j.train.cpt.CptSettings;
import io.moe4j.train.run.RunSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The seven stages of the demo, each announced on the log: load, dense validation perplexity,
 * conversion, continual pre-training (StaticSheared), evaluation of the three models, a sample
 * from each, and the report.
 */
final class Demo {
    static final List<String> TASKS = List.of("piqa", "arc_easy", "winogrande", "hellaswag", "lambada_openai");

    /** Everything measured about one model. */
    record Measured(String name, Map<String, Perplexity.Result> perplexity, EvalReport tasks, CostModel.Cost cost,
                    TextGenerator.Result sample) {}

    private final DemoSettings s;
    private final Consumer<String> log;
    private long t0;

    Demo(DemoSettings s, Consumer<String> log) {
        this.s = s;
        this.log = log;
    }

    Path run() throws IOException {
        t0 = System.nanoTime();
        Files.createDirectories(s.out());
        stage(1, "loading the dense model " + s.model());
        Models.Loaded dense = ModelFiles.load(s.model());
        Path tokPath = ModelFiles.tokenizerPath(s.model(), null);
        Tokenizer tok = ModelFiles.tokenizer(s.model(), tokPath);
        Map<String, List<String>> val = capped(TextCorpus.read(s.data(), Split.VALIDATION, s.maxDocs()), s.maxChars());

        stage(2, "per-domain validation perplexity of the dense model (" + val.size() + " domains)");
        Map<String, Perplexity.Result> densePpl = perplexity(dense.model(), tok, val);

        stage(3, String.format("converting to MoE: random split, %d experts, top-%d, sf = %.1f", s.experts(), s.topK(), s.scale()));
        LlamaModel untrained = Converter.convert(dense.model(),
                Converter.Options.of(Converter.Method.RANDOM, s.experts(), s.topK()).withScale(s.scale()).withSeed(s.seed()), log);
        Path untrainedDir = s.out().resolve("moe-untrained");
        Models.save(untrained, untrainedDir);

        stage(4, "continual pre-training with the StaticSheared sampler, " + s.steps() + " steps of " + s.batch() + "x" + s.seqLen() + " tokens");
        RunSummary run = CptRun.run(CptSettings.builder(untrainedDir, s.data(), s.out().resolve("run"))
                .sampler("static-sheared").domainMismatch("renormalise").tokenizer(tokPath)
                .seqLen(s.seqLen()).batch(s.batch()).steps(s.steps()).lr(s.lr()).warmup(s.warmup())
                .evalEvery(Math.max(1, s.steps() / 4)).checkpointEvery(s.steps()).seed(s.seed()).build(), log);
        LlamaModel trained = Models.load(run.modelDir()).model();

        stage(5, "evaluating dense, converted-untrained and converted-trained models");
        List<Measured> all = new ArrayList<>();
        all.add(measure("dense", dense.model(), tok, densePpl, val));
        all.add(measure("MoE untrained", untrained, tok, null, val));
        all.add(measure("MoE trained", trained, tok, null, val));

        stage(6, "samples were generated during evaluation (greedy, from BOS)");
        stage(7, "writing the report");
        Path report = DemoReport.write(s, all, run, (System.nanoTime() - t0) / 1e9);
        log.accept(String.format("demo finished in %.0f s", (System.nanoTime() - t0) / 1e9));
        return report;
    }

    /** At most maxChars of text per domain, cutting the last document (the demo's evaluation budget). */
    static Map<String, List<String>> capped(Map<String, List<String>> texts, int maxChars) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (var e : texts.entrySet()) {
            List<String> kept = new ArrayList<>();
            int left = maxChars;
            for (String t : e.getValue()) {
                if (left <= 0) break;
                kept.add(t.length() <= left ? t : t.substring(0, left));
                left -= t.length();
            }
            out.put(e.getKey(), kept);
        }
        return out;
    }

    private void stage(int n, String what) {
        log.accept(String.format("[%d/7 %5.0fs] %s", n, (System.nanoTime() - t0) / 1e9, what));
    }

    private Map<String, Perplexity.Result> perplexity(LlamaModel m, Tokenizer tok, Map<String, List<String>> val) {
        m.eval();
        Map<String, Perplexity.Result> out = new LinkedHashMap<>();
        try (var g = Grad.noGrad()) {
            BatchScorer scorer = new BatchScorer(m, 8);
            int t = Math.min(s.seqLen(), m.config().maxSeqLen());
            for (var e : val.entrySet()) out.put(e.getKey(), Perplexity.score(scorer, tok, e.getKey(), e.getValue(), new Perplexity.Options(t, t)));
        }
        return out;
    }

    private Measured measure(String name, LlamaModel m, Tokenizer tok, Map<String, Perplexity.Result> known,
                             Map<String, List<String>> val) {
        log.accept("  " + name + ": perplexity, tasks, cost, sample");
        Map<String, Perplexity.Result> ppl = known != null ? known : perplexity(m, tok, val);
        m.eval();
        EvalReport tasks = Evaluator.run(new ModelAdapter(m, tok, 16), Tasks.byNames(TASKS, s.evalDir()), 0, s.evalLimit(), s.seed());
        CostModel.Cost cost = CostModel.of(m.config(), Models.moeConfigOf(m), s.seqLen());
        int[] stops = {tok.bosId(), tok.eosId()};
        TextGenerator.generate(m, tok, new int[] {tok.bosId()}, 40, Sampler.greedy(), stops, null, null); // JIT warm-up, untimed
        TextGenerator.Result sample = TextGenerator.generate(m, tok, new int[] {tok.bosId()}, 80, Sampler.greedy(), stops, null, null);
        return new Measured(name, ppl, tasks, cost, sample);
    }
}
