package io.moe4j.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moe4j.autograd.Grad;
import io.moe4j.data.tokenizer.Tokenizer;
import io.moe4j.eval.harness.LanguageModel.LogLikelihood;
import io.moe4j.eval.harness.LanguageModel.Request;
import io.moe4j.moe.Converter;
import io.moe4j.nn.LlamaConfig;
import io.moe4j.nn.LlamaModel;
import io.moe4j.tensor.Backends;
import io.moe4j.tensor.DType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The adapter against the LanguageModel contract: the _encode_pair rule, left truncation, and
 * batched scores equal to a plain one-sequence-at-a-time log-softmax written here.
 */
class ModelAdapterTest {
    static final Tokenizer TOK = Stories260K.tokenizer();

    static int[] cat(int[] a, int[] b) {
        int[] o = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, o, a.length, b.length);
        return o;
    }

    @Test
    void encodePairSplitsTheWholeEncodingAtTheContextLength() {
        ModelAdapter m = new ModelAdapter(Stories260K.model(), TOK, 4);
        ModelAdapter.Pair p = m.encodePair(new Request("Question: Is the cat big?\nAnswer:", " yes"));
        int[] whole = TOK.encode("Question: Is the cat big?\nAnswer: yes", false, false);
        int[] ctx = TOK.encode("Question: Is the cat big?\nAnswer:", false, false);
        assertArrayEquals(ctx, p.context());
        assertArrayEquals(Arrays.copyOfRange(whole, ctx.length, whole.length), p.continuation());
    }

    @Test
    void trailingWhitespaceOfTheContextMovesToTheContinuation() {
        ModelAdapter m = new ModelAdapter(Stories260K.model(), TOK, 4);
        ModelAdapter.Pair moved = m.encodePair(new Request("The dog ran \n ", "home"));
        assertArrayEquals(TOK.encode("The dog ran", false, false), moved.context());
        int[] whole = TOK.encode("The dog ran \n home", false, false);
        assertArrayEquals(Arrays.copyOfRange(whole, moved.context().length, whole.length), moved.continuation());
    }

    @Test
    void emptyContextIsBos() {
        ModelAdapter m = new ModelAdapter(Stories260K.model(), TOK, 4);
        ModelAdapter.Pair p = m.encodePair(new Request("", "Once upon a time"));
        assertArrayEquals(new int[] {TOK.bosId()}, p.context());
        assertArrayEquals(TOK.encode("Once upon a time", false, false), p.continuation());
    }

    @Test
    void leftTruncationKeepsTheLastMaxLenPlusOneTokens() {
        ModelAdapter.Pair p = new ModelAdapter.Pair(new int[] {10, 11, 12, 13, 14, 15}, new int[] {20, 21});
        BatchScorer.Span s = ModelAdapter.span(p, 4); // all = 10..15 20 21; keep the last 5 = 13 14 15 20 21; feed 4
        assertArrayEquals(new int[] {13, 14, 15, 20}, s.tokens());
        assertArrayEquals(new int[] {20, 21}, s.targets());
        assertEquals(2, s.from()); // position 2 (token 15) predicts 20, position 3 (token 20) predicts 21
        BatchScorer.Span whole = ModelAdapter.span(p, 100);
        assertArrayEquals(new int[] {10, 11, 12, 13, 14, 15, 20}, whole.tokens());
        assertEquals(5, whole.from());
    }

    @Test
    void batchedScoresEqualOneAtATimeLogSoftmax() {
        LlamaModel model = Stories260K.model();
        List<Request> reqs = List.of(new Request("Once upon a time, there was a", " little girl"),
                new Request("Lily liked to play", " with her ball in the park."), new Request("", "The end."),
                new Request("Tom saw a big dog. The dog was", " happy"), new Request("She said,", " \"Hello!\""));
        ModelAdapter adapter = new ModelAdapter(model, TOK, 3);
        List<LogLikelihood> got = adapter.loglikelihood(reqs);
        for (int i = 0; i < reqs.size(); i++) {
            ModelAdapter.Pair p = adapter.encodePair(reqs.get(i));
            double[] want = reference(model, p.context(), p.continuation());
            assertEquals(want[0], got.get(i).logProb(), 1e-4 * Math.abs(want[0]), "request " + i);
            assertEquals(want[1] == 1, got.get(i).greedy(), "greedy flag of request " + i);
        }
        assertTrue(adapter.throughput().scoredTokens() > 0);
    }

    @Test
    void greedyContinuationIsFlaggedGreedy() {
        // the first 8 ids of llama2.c's greedy story after BOS, scored after the empty context
        int[] greedy = {403, 407, 261, 378, 432, 383, 286, 261};
        ModelAdapter.Pair p = new ModelAdapter.Pair(new int[] {1}, greedy);
        BatchScorer.Score s = new BatchScorer(Stories260K.model(), 2).score(List.of(ModelAdapter.span(p, 512))).get(0);
        assertTrue(s.greedy());
        int[] other = greedy.clone();
        other[5] = 300;
        BatchScorer.Score o = new BatchScorer(Stories260K.model(), 2).score(List.of(ModelAdapter.span(new ModelAdapter.Pair(new int[] {1}, other), 512))).get(0);
        assertTrue(!o.greedy() && o.logProb() < s.logProb());
    }

    @Test
    void generateUntilCutsAtTheFirstStopString() {
        ModelAdapter m = new ModelAdapter(Stories260K.model(), TOK, 4);
        List<String> out = m.generateUntil(List.of("", "Once upon a time"), List.of(",", "\n"), 40);
        assertEquals(" Once upon a time", out.get(0)); // llama2.c's greedy story starts "Once upon a time, there was"
        assertTrue(!out.get(1).contains(",") && !out.get(1).contains("\n"), out.get(1));
        assertTrue(m.throughput().generatedTokens() > 0);
    }

    @Test
    void moeModelScoresThroughTheSameDoor() {
        LlamaModel moe = Converter.convert(Stories260K.model(), Converter.Options.of(Converter.Method.RANDOM, 4, 2), null);
        moe.eval();
        ModelAdapter adapter = new ModelAdapter(moe, TOK, 2);
        List<Request> reqs = List.of(new Request("Once upon a time", " there"), new Request("The cat", " sat on the mat"));
        List<LogLikelihood> got = adapter.loglikelihood(reqs);
        for (int i = 0; i < reqs.size(); i++) {
            ModelAdapter.Pair p = adapter.encodePair(reqs.get(i));
            assertEquals(reference(moe, p.context(), p.continuation())[0], got.get(i).logProb(), 1e-3, "request " + i);
        }
    }

    @Test
    void tokenizerOfAnotherVocabularyIsRefused() {
        LlamaModel other = LlamaModel.random(LlamaConfig.llama2c(16, 32, 1, 2, 2, 1000, 64, true), DType.F32, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ModelAdapter(other, TOK, 1));
        assertTrue(e.getMessage().contains("512") && e.getMessage().contains("1000"), e.getMessage());
    }

    /** {sum log P(cont | ctx), greedy ? 1 : 0} from one unbatched forward, log-softmax in double. */
    static double[] reference(LlamaModel model, int[] ctx, int[] cont) {
        int[] all = cat(ctx, cont);
        int[] in = Arrays.copyOf(all, all.length - 1);
        float[] logits;
        try (Backends.Scope s = Grad.noGrad()) {
            logits = model.forward(new int[][] {in}).data().toFloatArray();
        }
        int v = model.config().vocabSize();
        double sum = 0;
        boolean greedy = true;
        for (int i = 0; i < cont.length; i++) {
            int pos = ctx.length - 1 + i;
            double max = Double.NEGATIVE_INFINITY;
            int arg = -1;
            for (int j = 0; j < v; j++) if (logits[pos * v + j] > max) { max = logits[pos * v + j]; arg = j; }
            double z = 0;
            for (int j = 0; j < v; j++) z += Math.exp(logits[pos * v + j] - max);
            sum += logits[pos * v + cont[i]] - max - Math.log(z);
            greedy &= arg == cont[i];
        }
        return new double[] {sum, greedy ? 1 : 0};
    }
}
