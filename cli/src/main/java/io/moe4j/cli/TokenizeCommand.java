package io.moe4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.moe4j.data.tokenizer.Tokenizer;
import io.moe4j.data.tokenizer.Tokenizers;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code moe4j tokenize}: ids, pieces and the decoded round trip of a text. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Encode a text with a tokenizer (SentencePiece tokenizer.model, llama2.c tokenizer.bin or HF tokenizer.json) and show ids, pieces and the decoded round trip.")
public final class TokenizeCommand implements Callable<Integer> {
    @Option(names = "--tokenizer", required = true, description = "Tokenizer file, or a model directory holding one.")
    Path tokenizer;

    @Option(names = "--text", required = true, description = "Text to encode.")
    String text;

    @Option(names = "--bos", negatable = true, defaultValue = "true", fallbackValue = "true", description = "Prepend BOS (default: true).")
    boolean bos;

    @Option(names = "--eos", description = "Append EOS.")
    boolean eos;

    @Option(names = "--json", description = "Print JSON: {\"ids\": [...], \"pieces\": [...], \"decoded\": \"...\"}.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Tokenizer tok = Tokenizers.load(Files2.existing(tokenizer, "--tokenizer"));
        int[] ids = tok.encode(text, bos, eos);
        String decoded = tok.decode(ids);
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("ids", ids);
            out.put("pieces", tok.pieces(ids));
            out.put("decoded", decoded);
            System.out.println(new ObjectMapper().writeValueAsString(out));
        } else {
            System.out.println("ids (" + ids.length + "): " + Arrays.toString(ids));
            System.out.println("pieces: " + tok.pieces(ids));
            System.out.println("decoded: " + decoded);
            System.out.println("round trip: " + (decoded.equals(text) ? "exact" : "differs"));
        }
        return 0;
    }
}
