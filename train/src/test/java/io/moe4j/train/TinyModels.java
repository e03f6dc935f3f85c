package io.moe4j.train;

import io.moe4j.moe.Converter;
import io.moe4j.moe.Models;
import io.moe4j.moe.MoeConfig;
import io.moe4j.moe.MoeSpec;
import io.moe4j.nn.LlamaConfig;
import io.moe4j.nn.LlamaModel;
import io.moe4j.tensor.DType;
import io.moe4j.train.optim.AdamWConfig;
import io.moe4j.train.optim.FreezeRules;
import io.moe4j.train.optim.LrSchedule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;

/** Small models, batch sources and paths shared by the training tests. */
public final class TinyModels {
    /** C=16, F=32, L=2, H=2, V=32, T<=16, tied embeddings. */
    public static final LlamaConfig CONFIG = LlamaConfig.llama2c(16, 32, 2, 2, 2, 32, 16, true);

    private TinyModels() {}

    public static LlamaModel dense(long seed) {
        return LlamaModel.random(CONFIG, DType.F32, seed);
    }

    /** 4 experts of 8, top-2, noisy gate, per layer. */
    public static LlamaModel moe(long seed) {
        MoeSpec spec = MoeSpec.llamaMoe(new int[] {8, 8, 8, 8}, 2);
        return Models.withMoe(dense(seed), new MoeConfig(List.of(spec, spec)), seed + 1);
    }

    public static Trainer.Options options(double lr, int accum) {
        return new Trainer.Options(new AdamWConfig(0.9, 0.95, 1e-8, 0.1, false), FreezeRules.none(), LrSchedule.Constant.of(lr),
                accum, 1.0, false, 1227);
    }

    /** A source that cycles through fixed random micro-batches of B rows x T tokens (labels = next token). */
    public static BatchSource fixed(int batches, int rows, int t, long seed) {
        Random r = new Random(seed);
        MicroBatch[] all = new MicroBatch[batches];
        for (int i = 0; i < batches; i++) {
            int[][] in = new int[rows][t], out = new int[rows][t];
            for (int b = 0; b < rows; b++) {
                int[] seq = new int[t + 1];
                for (int k = 0; k <= t; k++) seq[k] = r.nextInt(CONFIG.vocabSize());
                System.arraycopy(seq, 0, in[b], 0, t);
                System.arraycopy(seq, 1, out[b], 0, t);
            }
            all[i] = new MicroBatch(in, out, new int[rows]);
        }
        return new BatchSource() {
            int next;

            @Override
            public MicroBatch next() {
                return all[next++ % all.length];
            }

            @Override
            public byte[] saveState() {
                return Integer.toString(next).getBytes();
            }
        };
    }

    /** A source that always returns {@code mb}. */
    public static BatchSource constant(MicroBatch mb) {
        return new BatchSource() {
            @Override
            public MicroBatch next() {
                return mb;
            }

            @Override
            public byte[] saveState() {
                return new byte[0];
            }
        };
    }

    // ------------------------------------------------------------------------------------------ paths

    public static Path assets() {
        String p = System.getProperty("moe4j.assets");
        Assumptions.assumeTrue(p != null && Files.isDirectory(Path.of(p)), "moe4j.assets not set");
        return Path.of(p);
    }

    public static Path stories260K() {
        return assets().resolve("models/stories260K/stories260K.bin");
    }

    public static Path tok512() {
        return assets().resolve("models/stories260K/tok512.bin");
    }

    /** The tiny test corpus of the data module (8 domains, 12 train and 4 validation documents each). */
    public static Path corpusTiny() {
        Path p = assets().getParent().resolve("data/src/test/resources/corpus-tiny");
        Assumptions.assumeTrue(Files.isDirectory(p), "corpus-tiny not found at " + p);
        return p;
    }

    /** A folder under /work/shared (moe4j.shared), or a skipped test when absent. */
    public static Path shared(String sub) {
        String s = System.getProperty("moe4j.shared");
        Assumptions.assumeTrue(s != null && Files.exists(Path.of(s, sub)), "shared data " + sub + " not available");
        return Path.of(s, sub);
    }

    /** stories260K converted to 8 experts, top-2, random split, sf = 4, saved with its tokenizer into {@code dir}. */
    public static Path stories260KMoe(Path dir) throws IOException {
        LlamaModel dense = Models.load(stories260K()).model();
        LlamaModel moe = Converter.convert(dense, Converter.Options.of(Converter.Method.RANDOM, 8, 2).withScale(4.0), null);
        Models.save(moe, dir);
        Files.copy(tok512(), dir.resolve("tokenizer.bin"), StandardCopyOption.REPLACE_EXISTING);
        return dir;
    }
}
