package io.moe4j.cli;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.moe4j.moe.Converter;
import io.moe4j.moe.Models;
import io.moe4j.nn.LlamaModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code moe4j train | sft | init} through the command line: a short happy path each, and bad input as one-line errors. */
class TrainCommandTest {
    @TempDir
    static Path tmp;
    static Path moe;

    /** The data module's tiny 8-domain corpus, reached from the cli module's folder. */
    static Path corpusTiny() {
        Path d = Path.of(System.getProperty("user.dir")).resolve("../data/src/test/resources/corpus-tiny").normalize();
        assumeTrue(Files.isDirectory(d), "corpus-tiny not found at " + d);
        return d;
    }

    /** stories260K converted to 8 experts, top-2, sf 4, with its tokenizer, in {@code dir}. */
    static Path moe8x2(Path dir) throws Exception {
        LlamaModel dense = Models.load(Cli.stories().resolve("stories260K.bin")).model();
        Models.save(Converter.convert(dense, Converter.Options.of(Converter.Method.RANDOM, 8, 2).withScale(4.0), null), dir);
        Files.copy(Cli.stories().resolve("tok512.bin"), dir.resolve("tokenizer.bin"), StandardCopyOption.REPLACE_EXISTING);
        return dir;
    }

    @BeforeAll
    static void model() throws Exception {
        moe = moe8x2(tmp.resolve("moe"));
    }

    /** The base train arguments; {@code extra} replaces the value of an option already there or is appended. */
    private static Object[] train(Path out, Object... extra) {
        List<Object> a = new ArrayList<>(List.of("train", "--model", moe, "--data", corpusTiny(), "--sampler", "static-sheared",
                "--seq-len", 32, "--batch", 2, "--lr", 2e-3, "--warmup", 1, "--steps", 3, "--eval-batches", 1, "--out", out));
        for (int i = 0; i < extra.length; i++) {
            int at = a.indexOf(extra[i]);
            boolean flag = i + 1 >= extra.length || String.valueOf(extra[i + 1]).startsWith("--");
            if (flag) a.add(extra[i]);
            else if (at >= 0) a.set(at + 1, extra[++i]);
            else {
                a.add(extra[i]);
                a.add(extra[++i]);
            }
        }
        return a.toArray();
    }

    @Test
    void trainPrintsTheBeforeAfterTableAndWritesTheRunFolder() {
        Path out = tmp.resolve("run");
        Cli.Result r = Cli.run(train(out));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("TinyStories") && r.out().contains("step 0") && r.out().contains("step 3"), r.out());
        assertTrue(r.err().contains("train ["), "progress bar on stderr: " + r.err());
        for (String f : new String[] {"config.json", "metrics.jsonl", "summary.json", "model/config.json", "model/tokenizer.bin",
                "checkpoints/step-00000003/state.json", "plots/loss.png"})
            assertTrue(Files.exists(out.resolve(f)), f);
    }

    @Test
    void badInputIsOneLineBeforeTraining() {
        assertBad(train(tmp.resolve("b1"), "--sampler", "dynamic-shearded"), "unknown --sampler 'dynamic-shearded'");
        assertBad(train(tmp.resolve("b2"), "--seq-len", 4096), "--seq-len 4096 is larger than the model's max_seq_len 512");
        assertBad(train(tmp.resolve("b3"), "--batch", 0), "--batch must be >= 1, got 0");
        assertBad(new Object[] {"train", "--model", moe, "--data", tmp.resolve("missing"), "--steps", 2, "--out", tmp.resolve("b4")},
                "--data " + tmp.resolve("missing") + ": no such file or directory");
        Path run = tmp.resolve("b5");
        assertEquals(0, Cli.run(train(run, "--stop-at", 1)).code());
        assertBad(train(run, "--resume", "--lr", 1e-3), "configuration differs (lr: 0.002 -> 0.001)");
        assertBad(train(run), "already holds a run");
    }

    private static void assertBad(Object[] args, String message) {
        Cli.Result r = Cli.run(args);
        assertEquals(1, r.code(), r.toString());
        String line = r.err().lines().filter(l -> l.startsWith("moe4j train: error: ")).findFirst().orElse("");
        assertTrue(line.contains(message), "expected '" + message + "' in: " + r.err());
    }

    @Test
    void initThenTrainFromScratch() throws Exception {
        Path cfg = tmp.resolve("cfg.json");
        Files.writeString(cfg, "{\"hidden_size\":32,\"intermediate_size\":64,\"num_hidden_layers\":2,\"num_attention_heads\":4,"
                + "\"vocab_size\":512,\"max_position_embeddings\":128,\"rms_norm_eps\":1e-5,\"tie_word_embeddings\":true}");
        Path model = tmp.resolve("scratch");
        Cli.Result init = Cli.run("init", "--config", cfg, "--out", model, "--moe-experts", 4, "--top-k", 2,
                "--tokenizer", Cli.stories().resolve("tok512.bin"));
        assertEquals(0, init.code(), init.toString());
        assertTrue(init.out().contains("MoE 4x top-2 (sf 2.0)"), init.out());
        Cli.Result t = Cli.run("train", "--model", model, "--data", corpusTiny(), "--seq-len", 32, "--batch", 2, "--warmup", 1,
                "--steps", 2, "--eval-batches", 1, "--out", tmp.resolve("scratch-run"));
        assertEquals(0, t.code(), t.toString());
    }

    @Test
    void sftOnConversations() throws Exception {
        Path data = tmp.resolve("chat.json");
        Files.writeString(data, """
                [{"id":"1","conversations":[{"from":"human","value":"Who are you?"},{"from":"gpt","value":"I am a tiny model."},
                  {"from":"human","value":"Thanks"},{"from":"gpt","value":"You are welcome."}]},
                 {"id":"2","conversations":[{"from":"human","value":"Say hi"},{"from":"gpt","value":"Hi!"}]},
                 {"id":"3","conversations":[{"from":"human","value":"Count to three"},{"from":"gpt","value":"One, two, three."}]}]
                """);
        Cli.Result r = Cli.run("sft", "--model", moe, "--data", data, "--out", tmp.resolve("sft"), "--seq-len", 64, "--batch", 2,
                "--accum", 1, "--steps", 2, "--val-examples", 1, "--freeze-router", "--lr", 1e-3);
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("assistant"), r.out());
        assertTrue(r.err().contains("2 examples -> 2 rows"), r.err());
        Cli.Result bad = Cli.run("sft", "--model", moe, "--data", data, "--out", tmp.resolve("sft2"), "--format", "csv", "--steps", 1);
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("--format must be sharegpt or alpaca"), bad.err());
    }
}
