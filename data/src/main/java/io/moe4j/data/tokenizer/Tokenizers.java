package io.moe4j.data.tokenizer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * Opens whichever tokenizer file a model came with. The format is chosen by file name
 * ({@code .model}: SentencePiece, {@code .bin}: llama2.c, {@code .json} or {@code .json.gz}:
 * Hugging Face), else by content. A directory is searched for {@code tokenizer.model},
 * {@code tokenizer.json}, {@code tokenizer.json.gz} and {@code tokenizer.bin}, in that order
 * (SentencePiece first because it is the reference the others reproduce).
 *
 * <p>Every malformed file fails with a one-line {@link IllegalArgumentException} that names the
 * file and the problem; lengths read from a file are checked against its size before use.
 */
public final class Tokenizers {

    /** Tokenizer files are a few MB; anything far larger is not one, so never buffer it. */
    static final long MAX_FILE_BYTES = 256L << 20;

    private static final String[] DIR_NAMES = {
        "tokenizer.model", "tokenizer.json", "tokenizer.json.gz", "tokenizer.bin"};

    private Tokenizers() {
    }

    /** Loads a tokenizer file (or a directory holding one). */
    public static Tokenizer load(Path path) {
        if (!Files.exists(path)) throw new IllegalArgumentException(path + ": no such tokenizer file");
        if (Files.isDirectory(path)) {
            for (String name : DIR_NAMES) {
                Path p = path.resolve(name);
                if (Files.isRegularFile(p)) return load(p);
            }
            throw new IllegalArgumentException(path + ": directory has none of " + String.join(", ", DIR_NAMES));
        }
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".json") || name.endsWith(".json.gz")) return HfTokenizerJson.load(path);
        if (name.endsWith(".model")) return SentencePieceTokenizer.load(path);
        if (name.endsWith(".bin")) return Llama2cTokenizer.load(path);
        return sniff(readFile(path), path.toString());
    }

    /** Guesses the format of bytes whose file name told nothing. */
    private static Tokenizer sniff(byte[] data, String source) {
        int i = 0;
        while (i < data.length && Character.isWhitespace(data[i])) i++;
        if (i < data.length && data[i] == '{') return HfTokenizerJson.parse(data, null, source);
        String asModel;
        try {
            return SentencePieceTokenizer.parse(data, source);
        } catch (IllegalArgumentException e) {
            asModel = e.getMessage().substring(source.length() + 2);
        }
        try {
            return Llama2cTokenizer.parse(data, source, -1);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": not a tokenizer file (" + asModel + "; "
                    + e.getMessage().substring(source.length() + 2) + ")", e);
        }
    }

    /**
     * Reads a whole tokenizer file, gunzipping names ending in {@code .gz}, refusing files (or
     * decompressed contents) over {@link #MAX_FILE_BYTES}.
     */
    static byte[] readFile(Path path) {
        try {
            long size = Files.size(path);
            if (size > MAX_FILE_BYTES) {
                throw new IllegalArgumentException(path + ": " + size + " bytes is too large for a tokenizer file");
            }
            if (!path.getFileName().toString().endsWith(".gz")) return Files.readAllBytes(path);
            try (InputStream in = new GZIPInputStream(Files.newInputStream(path))) {
                return readBounded(in, path);
            } catch (java.util.zip.ZipException | java.io.EOFException e) {
                throw bad(path.toString(), "not valid gzip: " + e.getMessage(), e);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": cannot read: " + TokText.oneLine(e.getMessage()), e);
        }
    }

    private static byte[] readBounded(InputStream in, Path path) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) > 0; ) {
            out.write(buf, 0, n);
            if (out.size() > MAX_FILE_BYTES) {
                throw new IllegalArgumentException(path + ": decompresses to more than "
                        + MAX_FILE_BYTES + " bytes, too large for a tokenizer file");
            }
        }
        return out.toByteArray();
    }

    /** A one-line error naming the source. */
    static IllegalArgumentException bad(String source, String problem, Throwable cause) {
        return new IllegalArgumentException(source + ": " + TokText.oneLine(problem), cause);
    }

    /** ids with BOS before and EOS after when asked; asking for one the vocabulary lacks is an error. */
    static int[] wrap(int[] ids, boolean addBos, int bosId, boolean addEos, int eosId) {
        if (addBos && bosId < 0) throw new IllegalArgumentException("addBos: this tokenizer has no BOS token");
        if (addEos && eosId < 0) throw new IllegalArgumentException("addEos: this tokenizer has no EOS token");
        if (!addBos && !addEos) return ids;
        int off = addBos ? 1 : 0;
        int[] out = new int[ids.length + off + (addEos ? 1 : 0)];
        if (addBos) out[0] = bosId;
        System.arraycopy(ids, 0, out, off, ids.length);
        if (addEos) out[out.length - 1] = eosId;
        return out;
    }
}
