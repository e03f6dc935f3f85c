package io.moe4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Small file helpers shared by commands. */
final class Files2 {
    private Files2() {}

    /** SHA-256 of a file, or of every regular file under a directory in name order, as hex. */
    static String sha256(Path path) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        if (Files.isDirectory(path)) {
            try (var s = Files.walk(path)) {
                for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile).sorted()::iterator) digest(md, p);
            }
        } else digest(md, path);
        return HexFormat.of().formatHex(md.digest());
    }

    private static void digest(MessageDigest md, Path p) throws IOException {
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(p)) {
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
    }

    /** Fails with a one-line message naming the option when a path does not exist. */
    static Path existing(Path p, String option) {
        if (!Files.exists(p)) throw new IllegalArgumentException(option + " " + p + ": no such file or directory");
        return p;
    }
}
