package io.moe4j.data.tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A SentencePiece {@code tokenizer.model} (a serialized {@code ModelProto}) with a BPE model, as
 * shipped with LLaMA. The protobuf is read by {@link ProtoReader}, only the fields encoding needs:
 * pieces {piece, score, type}, trainer_spec {model_type, byte_fallback, unk/bos/eos}, and
 * normalizer_spec {add_dummy_prefix, remove_extra_whitespaces, escape_whitespaces}.
 *
 * <p>The "identity" normalizer is exact. A model with a precompiled NFKC charsmap is
 * approximated with {@link java.text.Normalizer.Form#NFKC}; UNIGRAM models are refused.
 * Decoding follows sentencepiece's {@code Decode}: control pieces vanish, consecutive byte pieces
 * are joined as UTF-8 (each invalid byte gives U+FFFD), and the first piece's leading U+2581 (the
 * dummy prefix) is dropped.
 */
public final class SentencePieceTokenizer implements Tokenizer {

    private static final int MODEL_TYPE_BPE = 2;

    private final SentencePieceBpe bpe;
    private final int bosId;
    private final int eosId;
    private final String unkSurface;

    private SentencePieceTokenizer(SentencePieceBpe bpe, int bosId, int eosId, String unkSurface) {
        this.bpe = bpe;
        this.bosId = bosId;
        this.eosId = eosId;
        this.unkSurface = unkSurface;
    }

    /** Reads a {@code tokenizer.model}; a file that is not one gives a one-line IllegalArgumentException. */
    public static SentencePieceTokenizer load(Path path) {
        return parse(Tokenizers.readFile(path), path.toString());
    }

    /** Parses a serialized ModelProto; {@code source} names it in error messages. */
    public static SentencePieceTokenizer parse(byte[] data, String source) {
        try {
            return fromProto(data);
        } catch (IllegalArgumentException e) {
            throw Tokenizers.bad(source, "not a SentencePiece BPE model: " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ protobuf

    /** The trainer_spec and normalizer_spec fields we use, with the proto defaults. */
    private static final class Spec {
        int modelType = 1; // UNIGRAM is the proto default
        boolean byteFallback;
        boolean wsSuffix;
        int unkId = 0;
        int bosId = 1;
        int eosId = 2;
        String unkPiece = "<unk>";
        String bosPiece = "<s>";
        String eosPiece = "</s>";
        String unkSurface = " \u2047 ";
        String normName = "";
        boolean hasCharsmap;
        boolean addDummyPrefix = true;
        boolean removeExtraWhitespaces = true;
        boolean escapeWhitespaces = true;
    }

    private static SentencePieceTokenizer fromProto(byte[] data) {
        List<String> pieces = new ArrayList<>();
        TokText.IntList scoreBits = new TokText.IntList(1024);
        TokText.ByteList types = new TokText.ByteList();
        Spec spec = new Spec();
        ProtoReader r = new ProtoReader(data, 0, data.length);
        while (r.hasMore()) {
            switch (r.nextField()) {
                case 1 -> readPiece(r.readMessage(), pieces, scoreBits, types);
                case 2 -> readTrainerSpec(r.readMessage(), spec);
                case 3 -> readNormalizerSpec(r.readMessage(), spec);
                default -> r.skip();
            }
        }
        if (pieces.isEmpty()) throw new IllegalArgumentException("no pieces (field 1)");
        if (spec.modelType != MODEL_TYPE_BPE) {
            throw new IllegalArgumentException("trainer_spec.model_type is " + spec.modelType
                    + ", only BPE (2) is supported");
        }
        if (spec.wsSuffix) throw new IllegalArgumentException("treat_whitespace_as_suffix is not supported");
        int v = pieces.size();
        float[] scores = new float[v];
        for (int i = 0; i < v; i++) scores[i] = Float.intBitsToFloat(scoreBits.a[i]);
        byte[] typeArr = java.util.Arrays.copyOf(types.a, v);
        String[] pieceArr = pieces.toArray(new String[0]);
        int unk = findId(pieceArr, typeArr, spec.unkPiece, spec.unkId, SentencePieceBpe.UNKNOWN);
        if (unk < 0) throw new IllegalArgumentException("no UNKNOWN piece '" + spec.unkPiece + "'");
        boolean nfkc = spec.hasCharsmap && !spec.normName.equals("identity");
        SentencePieceBpe.Options opt = new SentencePieceBpe.Options(spec.addDummyPrefix,
                spec.removeExtraWhitespaces, spec.escapeWhitespaces, nfkc, spec.byteFallback);
        SentencePieceBpe bpe = new SentencePieceBpe(pieceArr, scores, typeArr, unk, opt);
        return new SentencePieceTokenizer(bpe,
                findId(pieceArr, typeArr, spec.bosPiece, spec.bosId, SentencePieceBpe.CONTROL),
                findId(pieceArr, typeArr, spec.eosPiece, spec.eosId, SentencePieceBpe.CONTROL),
                spec.unkSurface);
    }

    private static void readPiece(ProtoReader r, List<String> pieces, TokText.IntList scoreBits,
                                  TokText.ByteList types) {
        String piece = null;
        float score = 0f;
        int type = SentencePieceBpe.NORMAL;
        while (r.hasMore()) {
            switch (r.nextField()) {
                case 1 -> piece = r.readString();
                case 2 -> score = r.readFloat();
                case 3 -> type = r.readInt32();
                default -> r.skip();
            }
        }
        if (piece == null) throw new IllegalArgumentException("piece " + pieces.size() + " has no text");
        if (type < SentencePieceBpe.NORMAL || type > SentencePieceBpe.BYTE) {
            throw new IllegalArgumentException("piece " + pieces.size() + " has unknown type " + type);
        }
        pieces.add(piece);
        scoreBits.add(Float.floatToRawIntBits(score));
        types.add(type);
    }

    private static void readTrainerSpec(ProtoReader r, Spec s) {
        while (r.hasMore()) {
            switch (r.nextField()) {
                case 3 -> s.modelType = r.readInt32();
                case 24 -> s.wsSuffix = r.readBool();
                case 35 -> s.byteFallback = r.readBool();
                case 40 -> s.unkId = r.readInt32();
                case 41 -> s.bosId = r.readInt32();
                case 42 -> s.eosId = r.readInt32();
                case 44 -> s.unkSurface = r.readString();
                case 45 -> s.unkPiece = r.readString();
                case 46 -> s.bosPiece = r.readString();
                case 47 -> s.eosPiece = r.readString();
                default -> r.skip();
            }
        }
    }

    private static void readNormalizerSpec(ProtoReader r, Spec s) {
        while (r.hasMore()) {
            switch (r.nextField()) {
                case 1 -> s.normName = r.readString();
                case 2 -> s.hasCharsmap = !r.readString().isEmpty();
                case 3 -> s.addDummyPrefix = r.readBool();
                case 4 -> s.removeExtraWhitespaces = r.readBool();
                case 5 -> s.escapeWhitespaces = r.readBool();
                default -> r.skip();
            }
        }
    }

    /** sentencepiece's bos_id() etc.: the id of the named piece if it has the right type, else the spec id. */
    private static int findId(String[] pieces, byte[] types, String name, int specId, byte type) {
        for (int i = 0; i < pieces.length; i++) if (types[i] == type && pieces[i].equals(name)) return i;
        return specId >= 0 && specId < pieces.length && types[specId] == type ? specId : -1;
    }

    // ------------------------------------------------------------------ Tokenizer

    @Override
    public int vocabSize() {
        return bpe.vocabSize();
    }

    @Override
    public int bosId() {
        return bosId;
    }

    @Override
    public int eosId() {
        return eosId;
    }

    @Override
    public int[] encode(String text, boolean addBos, boolean addEos) {
        return Tokenizers.wrap(bpe.encode(text), addBos, bosId, addEos, eosId);
    }

    @Override
    public String decode(int[] ids) {
        StringBuilder text = new StringBuilder();
        TokText.ByteList bytes = new TokText.ByteList();
        boolean isBosWs = true;   // still expecting the dummy-prefix space to strip
        boolean bosWsSeen = false;
        boolean removeExtra = bpe.options.removeExtraWhitespaces();
        boolean strip = bpe.options.addDummyPrefix() || removeExtra;
        for (int id : ids) {
            checkId(id);
            int b = bpe.byteValue(id);
            if (b >= 0) {
                bytes.add(b);
                continue;
            }
            flush(bytes, text);
            if (bosWsSeen || text.length() > 0) isBosWs = false;
            byte t = bpe.types[id];
            String p = bpe.pieces[id];
            bosWsSeen = false;
            if (t == SentencePieceBpe.CONTROL) continue;
            if (t == SentencePieceBpe.UNKNOWN) {
                text.append(unkSurface);
                continue;
            }
            if (isBosWs && strip && !p.isEmpty() && p.charAt(0) == TokText.SPACE_SYMBOL) {
                p = p.substring(1);
                bosWsSeen = !removeExtra;
            }
            text.append(p.replace(TokText.SPACE_SYMBOL, ' '));
        }
        flush(bytes, text);
        return text.toString();
    }

    private static void flush(TokText.ByteList bytes, StringBuilder text) {
        if (bytes.size == 0) return;
        TokText.appendUtf8Lenient(text, bytes.a, 0, bytes.size);
        bytes.size = 0;
    }

    /** Printable text of one id: spaces for U+2581, raw byte for byte pieces, nothing for control. */
    @Override
    public String piece(int id) {
        checkId(id);
        int b = bpe.byteValue(id);
        if (b >= 0) return String.valueOf((char) b);
        byte t = bpe.types[id];
        if (t == SentencePieceBpe.CONTROL) return "";
        if (t == SentencePieceBpe.UNKNOWN) return unkSurface;
        return bpe.pieces[id].replace(TokText.SPACE_SYMBOL, ' ');
    }

    @Override
    public String vocabPiece(int id) {
        checkId(id);
        return bpe.pieces[id];
    }

    @Override
    public boolean isBytePiece(int id) {
        checkId(id);
        return bpe.byteValue(id) >= 0;
    }

    /** The piece's score from the model (its BPE merge priority). */
    public float score(int id) {
        checkId(id);
        return bpe.scores[id];
    }

    /** The encoder, for tests in this package. */
    SentencePieceBpe bpe() {
        return bpe;
    }

    private void checkId(int id) {
        if (id < 0 || id >= bpe.vocabSize()) {
            throw new IllegalArgumentException("token id " + id + " out of range [0, " + bpe.vocabSize() + ")");
        }
    }
}
