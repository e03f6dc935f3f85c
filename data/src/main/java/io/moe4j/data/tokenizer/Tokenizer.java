package io.moe4j.data.tokenizer;

import java.util.List;

/**
 * Text to token ids and back. Implementations: SentencePiece {@code tokenizer.model}, llama2.c
 * {@code tokenizer.bin}, Hugging Face {@code tokenizer.json}. The rest of moe4j talks only to this
 * interface, so it never cares which file a model came with. Implementations are immutable
 * apart from internal caches and safe to share between encoding threads.
 */
public interface Tokenizer {

    /** Number of ids, V. Every id returned by {@link #encode} is in [0, V). */
    int vocabSize();

    /** Id of the beginning-of-sequence token, or -1 if the vocabulary has none. */
    int bosId();

    /** Id of the end-of-sequence token, or -1 if the vocabulary has none. */
    int eosId();

    /**
     * Encodes text. BOS/EOS are added only when asked; the SentencePiece leading-space rule
     * ("add_dummy_prefix") is applied by implementations that define it.
     */
    int[] encode(String text, boolean addBos, boolean addEos);

    /** Decodes ids to text: byte-fallback pieces are joined into UTF-8, BOS/EOS are dropped. */
    String decode(int[] ids);

    /**
     * The text of one token as it should be printed while streaming; {@link #decodePiece} adds
     * the previous-id rule (llama2.c strips the leading space of the first piece after BOS).
     * Byte-fallback pieces come back as the raw byte in a Latin-1 string of length 1.
     */
    String piece(int id);

    /** The pieces of an encoding, as stored in the vocabulary (for display). */
    default List<String> pieces(int[] ids) {
        java.util.ArrayList<String> out = new java.util.ArrayList<>(ids.length);
        for (int id : ids) out.add(vocabPiece(id));
        return out;
    }

    /**
     * One piece exactly as stored in the vocabulary (SentencePiece keeps U+2581 for spaces, byte
     * pieces stay {@code <0xHH>}), for display and for comparing against reference tokenizers.
     */
    default String vocabPiece(int id) {
        return piece(id);
    }

    /** Whether {@link #piece} of this id is one raw byte (byte fallback) rather than text. */
    default boolean isBytePiece(int id) {
        return false;
    }

    /**
     * Streaming text of {@code id} generated after {@code prevId}: {@link #piece} with one
     * leading space removed right after BOS (llama2.c's rule; it drops the dummy-prefix space).
     */
    default String decodePiece(int prevId, int id) {
        String p = piece(id);
        boolean afterBos = bosId() >= 0 && prevId == bosId();
        return afterBos && !isBytePiece(id) && p.startsWith(" ") ? p.substring(1) : p;
    }

    /**
     * {@link #decodePiece} as bytes: the raw byte for byte pieces, UTF-8 otherwise. A streaming
     * printer concatenates these and decodes UTF-8 (a character may span several byte pieces,
     * which a per-piece String cannot tell apart from a Latin-1 character).
     */
    default byte[] decodePieceBytes(int prevId, int id) {
        String p = decodePiece(prevId, id);
        if (isBytePiece(id) && p.length() == 1) return new byte[] {(byte) p.charAt(0)};
        return p.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
