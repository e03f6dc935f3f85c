package io.moe4j.train.sft;

import io.moe4j.data.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/** A whitespace tokenizer over a fixed word list (ids 0, 1, 2 = unk, BOS, EOS), so expected ids can be written by hand. */
final class WordTokenizer implements Tokenizer {
    private final List<String> words;

    WordTokenizer(String... words) {
        this.words = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        this.words.addAll(List.of(words));
    }

    @Override
    public int vocabSize() {
        return words.size();
    }

    @Override
    public int bosId() {
        return 1;
    }

    @Override
    public int eosId() {
        return 2;
    }

    @Override
    public int[] encode(String text, boolean addBos, boolean addEos) {
        List<Integer> ids = new ArrayList<>();
        if (addBos) ids.add(1);
        for (String w : text.trim().split("\\s+")) if (!w.isEmpty()) ids.add(Math.max(0, words.indexOf(w)));
        if (addEos) ids.add(2);
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public String decode(int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) sb.append(sb.length() == 0 ? "" : " ").append(words.get(id));
        return sb.toString();
    }

    @Override
    public String piece(int id) {
        return words.get(id);
    }
}
