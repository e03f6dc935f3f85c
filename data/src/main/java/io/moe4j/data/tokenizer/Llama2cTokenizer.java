package io.moe4j.data.tokenizer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A llama2.c {@code tokenizer.bin}: int32 max_token_length, then for each id a float32 score, an
 * int32 byte length and the UTF-8 bytes, all little-endian. Pieces hold a real space where
 * SentencePiece has U+2581; ids 0, 1, 2 are unk, BOS ("\n&lt;s&gt;\n") and EOS ("\n&lt;/s&gt;\n").
 * The file has no vocabulary size: entries are read to the end of the file.
 *
 * <p>Encoding is llama2.c's (dummy-prefix space, per-character lookup with byte fallback, merge
 * the best-scoring adjacent pair until none is left), which for these vocabularies is exactly
 * SentencePiece BPE, so the vocabulary is converted back (space to U+2581) and the shared
 * {@link SentencePieceBpe} runs it in O(n log n). Decoding follows llama2.c's {@code decode}: the
 * piece after BOS loses one leading space and {@code <0xHH>} pieces are raw bytes.
 */
public final class Llama2cTokenizer implements Tokenizer {

    /** llama2.c hard-codes these. */
    private static final int UNK = 0;
    private static final int BOS = 1;
    private static final int EOS = 2;
    private static final int MAX_TOKEN_LENGTH = 1 << 16;

    private final String[] vocab; // (V) pieces as in the file
    private final int maxTokenLength;
    private final SentencePieceBpe bpe;

    private Llama2cTokenizer(String[] vocab, float[] scores, int maxTokenLength) {
        this.vocab = vocab;
        this.maxTokenLength = maxTokenLength;
        int v = vocab.length;
        String[] pieces = new String[v];
        byte[] types = new byte[v];
        boolean allBytes = true;
        int[] seen = new int[256];
        for (int id = 0; id < v; id++) {
            int b = TokText.bytePieceValue(vocab[id]);
            types[id] = id == UNK ? SentencePieceBpe.UNKNOWN
                    : id == BOS || id == EOS ? SentencePieceBpe.CONTROL
                    : b >= 0 ? SentencePieceBpe.BYTE : SentencePieceBpe.NORMAL;
            pieces[id] = types[id] == SentencePieceBpe.NORMAL
                    ? vocab[id].replace(' ', TokText.SPACE_SYMBOL) : vocab[id];
            if (b >= 0) seen[b]++;
        }
        for (int c : seen) allBytes &= c > 0;
        SentencePieceBpe.Options opt = new SentencePieceBpe.Options(true, false, true, false, allBytes);
        this.bpe = new SentencePieceBpe(pieces, scores, types, UNK, opt);
    }

    /** Reads a {@code tokenizer.bin}; a file that is not one gives a one-line IllegalArgumentException. */
    public static Llama2cTokenizer load(Path path) {
        return parse(Tokenizers.readFile(path), path.toString(), -1);
    }

    /** As {@link #load(Path)}, checking the entry count against the model's vocab_size. */
    public static Llama2cTokenizer load(Path path, int vocabSize) {
        return parse(Tokenizers.readFile(path), path.toString(), vocabSize);
    }

    /**
     * Parses tokenizer.bin bytes; {@code source} names them in errors. With {@code vocabSize >= 0}
     * exactly that many entries are read (as llama2.c does) and trailing bytes are an error.
     */
    public static Llama2cTokenizer parse(byte[] data, String source, int vocabSize) {
        try {
            return fromBytes(data, vocabSize);
        } catch (IllegalArgumentException e) {
            throw Tokenizers.bad(source, "not a llama2.c tokenizer.bin: " + e.getMessage(), e);
        }
    }

    private static Llama2cTokenizer fromBytes(byte[] data, int vocabSize) {
        ByteBuffer buf = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        if (data.length < 4) throw new IllegalArgumentException("file has " + data.length + " bytes");
        int maxLen = buf.getInt();
        if (maxLen <= 0 || maxLen > MAX_TOKEN_LENGTH) {
            throw new IllegalArgumentException("max_token_length " + maxLen + " is outside [1, " + MAX_TOKEN_LENGTH + "]");
        }
        // Each entry takes at least 8 bytes, which bounds the count before allocating.
        if (vocabSize > (data.length - 4) / 8) {
            throw new IllegalArgumentException("vocab_size " + vocabSize + " needs more than the "
                    + data.length + " bytes of the file");
        }
        int cap = vocabSize >= 0 ? vocabSize : (data.length - 4) / 8;
        String[] vocab = new String[cap];
        float[] scores = new float[cap];
        int n = 0;
        while (vocabSize >= 0 ? n < vocabSize : buf.hasRemaining()) {
            if (buf.remaining() < 8) {
                throw new IllegalArgumentException("entry " + n + " is truncated at byte " + buf.position());
            }
            scores[n] = buf.getFloat();
            int len = buf.getInt();
            if (len < 0 || len > maxLen || len > buf.remaining()) {
                throw new IllegalArgumentException("entry " + n + " has length " + len + " (max_token_length "
                        + maxLen + ", " + buf.remaining() + " bytes left)");
            }
            vocab[n] = new String(data, buf.position(), len, StandardCharsets.UTF_8);
            buf.position(buf.position() + len);
            n++;
        }
        if (vocabSize >= 0 && buf.hasRemaining()) {
            throw new IllegalArgumentException(buf.remaining() + " bytes left after " + vocabSize + " entries");
        }
        if (n <= EOS) throw new IllegalArgumentException("only " + n + " entries, need unk, BOS, EOS");
        return new Llama2cTokenizer(java.util.Arrays.copyOf(vocab, n), java.util.Arrays.copyOf(scores, n), maxLen);
    }

    /** The file's max_token_length header. */
    public int maxTokenLength() {
        return maxTokenLength;
    }

    @Override
    public int vocabSize() {
        return vocab.length;
    }

    @Override
    public int bosId() {
        return BOS;
    }

    @Override
    public int eosId() {
        return EOS;
    }

    @Override
    public int[] encode(String text, boolean addBos, boolean addEos) {
        return Tokenizers.wrap(bpe.encode(text), addBos, BOS, addEos, EOS);
    }

    /**
     * Joins {@link #decodePieceBytes} over the ids (BOS/EOS dropped but still the previous id of
     * the next piece) and decodes the bytes as UTF-8, invalid bytes becoming U+FFFD.
     */
    @Override
    public String decode(int[] ids) {
        TokText.ByteList bytes = new TokText.ByteList();
        int prev = -1;
        for (int id : ids) {
            if (id != BOS && id != EOS) {
                for (byte b : decodePieceBytes(prev, id)) bytes.add(b);
            }
            prev = id;
        }
        StringBuilder sb = new StringBuilder(bytes.size);
        TokText.appendUtf8Lenient(sb, bytes.a, 0, bytes.size);
        return sb.toString();
    }

    /** The vocabulary string, except that {@code <0xHH>} is the raw byte (as one Latin-1 char). */
    @Override
    public String piece(int id) {
        checkId(id);
        int b = bpe.byteValue(id);
        return b >= 0 ? String.valueOf((char) b) : vocab[id];
    }

    /**
     * llama2.c's decode rule: {@code piece = vocab[id]}; after BOS one leading space is stripped;
     * a {@code <0xHH>} piece is the raw byte.
     */
    @Override
    public String decodePiece(int prevId, int id) {
        String p = piece(id);
        return prevId == BOS && !isBytePiece(id) && p.startsWith(" ") ? p.substring(1) : p;
    }

    @Override
    public String vocabPiece(int id) {
        checkId(id);
        return vocab[id];
    }

    @Override
    public boolean isBytePiece(int id) {
        checkId(id);
        return bpe.byteValue(id) >= 0;
    }

    /** The piece's score from the file. */
    public float score(int id) {
        checkId(id);
        return bpe.scores[id];
    }

    private void checkId(int id) {
        if (id < 0 || id >= vocab.length) {
            throw new IllegalArgumentException("token id " + id + " out of range [0, " + vocab.length + ")");
        }
    }
}
