package io.moe4j.cli;

import io.moe4j.data.tokenizer.Tokenizer;
import io.moe4j.eval.ModelAdapter;
import io.moe4j.eval.ModelFiles;
import io.moe4j.eval.harness.EvalReport;
import io.moe4j.eval.harness.Evaluator;
import io.moe4j.eval.harness.ResultsTable;
import io.moe4j.eval.harness.TaskResult;
import io.moe4j.eval.harness.TaskSpec;
import io.moe4j.eval.tasks.Tasks;
import io.moe4j.moe.Models;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code moe4j eval}: the paper's downstream tasks in lm-eval semantics. Every task's data is read
 * and checked before the model is loaded, so bad data fails in seconds, not after an hour.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a dense or MoE model on the LLaMA-MoE paper's tasks (lm-eval semantics) and print the "
                + "results table in the paper's column order.")
public final class EvalCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "llama2.c .bin file or HF (LLaMA or LLaMA-MoE) directory.")
    Path model;

    @Option(names = "--tasks", split = ",", description = "Comma-separated task names (default: all eleven: ${DEFAULT-VALUE}).",
            defaultValue = "sciq,piqa,winogrande,arc_easy,arc_challenge,hellaswag,logiqa,boolq,lambada_openai,nq_open,mmlu")
    List<String> tasks;

    @Option(names = "--data-dir", description = "Folder with one sub-folder per task (default: <shared>/data/eval, /work/shared/data/eval).")
    Path dataDir;

    @Option(names = "--tokenizer", description = "Tokenizer file (default: the one beside the model).")
    Path tokenizer;

    @Option(names = "--shots", defaultValue = "-1", description = "Few-shot examples per prompt (default: each task's paper setting).")
    int shots;

    @Option(names = "--limit", defaultValue = "0", description = "First N items per task (per subject for MMLU); 0 = all.")
    int limit;

    @Option(names = "--seed", defaultValue = "1234", description = "Few-shot sampling seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", description = "Write every metric and per-item result to this JSON file.")
    Path json;

    @Option(names = "--with-prompts", description = "Include the full prompts in --json (large for few-shot tasks).")
    boolean withPrompts;

    @Option(names = "--batch", defaultValue = "32", description = "Sequences per forward (default: ${DEFAULT-VALUE}).")
    int batch;

    @Override
    public Integer call() throws Exception {
        if (batch < 1) throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
        if (limit < 0) throw new IllegalArgumentException("--limit must be >= 0, got " + limit);
        if (shots < -1) throw new IllegalArgumentException("--shots must be >= 0 (or -1 for the paper's), got " + shots);
        Path root = dataRoot();
        List<TaskSpec> specs = new ArrayList<>();
        for (String t : tasks) specs.add(Tasks.byName(t.trim(), root));
        for (TaskSpec s : specs) Evaluator.prepare(s, shots, limit, seed); // reads and checks every item now
        ModelFiles.existing(model, "--model");
        Tokenizer tok = ModelFiles.tokenizer(model, tokenizer);
        Models.Loaded loaded = ModelFiles.load(model);
        ModelAdapter adapter = new ModelAdapter(loaded.model(), tok, batch);
        long t0 = System.nanoTime();
        Evaluator.Options opt = Evaluator.Options.defaults().withBatchSize(Math.max(256, 8 * batch)).withLog(System.err::println);
        EvalReport report = Evaluator.run(adapter, specs, shots, limit, seed, opt);
        double secs = (System.nanoTime() - t0) / 1e9;
        if (json != null) report.writeJson(json, withPrompts);
        System.out.print(ResultsTable.markdown(ModelFiles.name(model), report));
        ModelAdapter.Throughput tp = adapter.throughput();
        System.out.printf(Locale.ROOT, "%n%s (%s): %d items in %.1f s; scored %d tokens at %.0f tokens/s; generated %d tokens "
                        + "(%d decode positions with the prompts) at %.0f positions/s%n",
                ModelFiles.name(model), loaded.isMoe() ? "MoE" : "dense", report.tasks().stream().mapToInt(TaskResult::n).sum(), secs,
                tp.scoredTokens(), tp.scoreTokensPerSecond(), tp.generatedTokens(), tp.generatePositions(), tp.generatePositionsPerSecond());
        if (json != null) System.out.println("per-item results: " + json);
        return 0;
    }

    private Path dataRoot() {
        if (dataDir != null) {
            if (!Files.isDirectory(dataDir)) throw new IllegalArgumentException("--data-dir " + dataDir + ": no such directory");
            return dataDir;
        }
        String shared = System.getProperty("moe4j.shared");
        for (Path p : new Path[] {shared == null ? null : Tasks.evalRoot(Path.of(shared)), Path.of("/work/shared/data/eval")})
            if (p != null && Files.isDirectory(p)) return p;
        throw new IllegalArgumentException("no --data-dir given and /work/shared/data/eval does not exist");
    }
}
