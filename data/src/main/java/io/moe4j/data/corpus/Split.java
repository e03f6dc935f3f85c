package io.moe4j.data.corpus;

import java.util.Locale;

/** The two corpus splits: training text, and held-out text for per-domain validation loss. */
public enum Split {
    TRAIN("train"),
    VALIDATION("validation");

    private final String dirName;

    Split(String dirName) {
        this.dirName = dirName;
    }

    /** Lower-case name used for folders and in {@code manifest.json}. */
    public String dirName() {
        return dirName;
    }

    /** Parses "train" / "validation" (case-insensitive). */
    public static Split parse(String s) {
        for (Split v : values()) if (v.dirName.equalsIgnoreCase(s) || v.name().equalsIgnoreCase(s)) return v;
        throw new IllegalArgumentException("unknown split '" + s + "', expected train or validation");
    }

    /**
     * The split a file or folder name denotes, or null: the name is cut into words at every
     * non-alphanumeric character, and a word "train" means TRAIN, "validation", "valid", "val" or
     * "dev" means VALIDATION (so "train.jsonl.gz", "example_train_0.jsonl.zst" and "valid-00.jsonl"
     * all work). A name with both kinds of word, or neither, gives null.
     */
    public static Split fromName(String name) {
        boolean train = false;
        boolean val = false;
        for (String w : name.toLowerCase(Locale.ROOT).split("[^a-z0-9]+")) {
            if (w.equals("train")) train = true;
            if (w.equals("validation") || w.equals("valid") || w.equals("val") || w.equals("dev")) val = true;
        }
        if (train == val) return null;
        return train ? TRAIN : VALIDATION;
    }
}
