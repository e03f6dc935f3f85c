package io.moe4j.data;

import io.moe4j.data.tokenizer.Tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * Test-only tokenizer: one token per UTF-8 byte, id = byte + 3 + offset; 0 = unk, 1 = BOS, 2 = EOS.
 * Its token count is the UTF-8 length, an oracle any test can compute without moe4j code.
 * A non-zero offset with a vocabulary above 65536 exercises the uint32 cache path.
 */
public class ByteTokenizer implements Tokenizer {
    private final int offset;
    private final int vocab;

    public ByteTokenizer() {
        this(0, 259);
    }

    public ByteTokenizer(int offset, int vocab) {
        this.offset = offset;
        this.vocab = vocab;
    }

    @Override
    public int vocabSize() {
        return vocab;
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
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        int head = addBos ? 1 : 0;
        int[] out = new int[b.length + head + (addEos ? 1 : 0)];
        if (addBos) out[0] = 1;
        for (int i = 0; i < b.length; i++) out[head + i] = (b[i] & 0xff) + 3 + offset;
        if (addEos) out[out.length - 1] = 2;
        return out;
    }

    @Override
    public String decode(int[] ids) {
        byte[] b = new byte[ids.length];
        int n = 0;
        for (int id : ids) if (id >= 3 + offset) b[n++] = (byte) (id - 3 - offset);
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    @Override
    public String piece(int id) {
        return id >= 3 + offset ? String.valueOf((char) (id - 3 - offset)) : "";
    }
}
