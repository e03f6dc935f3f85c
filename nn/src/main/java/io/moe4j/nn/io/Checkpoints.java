package io.moe4j.nn.io;

import io.moe4j.nn.LlamaConfig;
import io.moe4j.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;

/**
 * One entry point for dense LLaMA checkpoints: picks the reader from the path, so the CLI and the
 * tests need not care which format a model came in.
 */
public final class Checkpoints {
    private Checkpoints() {}

    /** Where a checkpoint came from. */
    public enum Format {
        /** llama2.c legacy "v0" .bin: 7 int32 header, freq_cis tables inside. */
        LLAMA2C_LEGACY,
        /** llama2.c "version 1" .bin: 256-byte header with magic "ak42". */
        LLAMA2C_V1,
        /** Hugging Face directory: config.json + model.safetensors (or shards + index). */
        HF
    }

    /**
     * A loaded checkpoint.
     *
     * @param weights state dict with HF LLaMA names (see {@link LlamaWeights}), F32 contiguous, in
     *                canonical order, q/k rows in the Meta (interleaved rotary pair) layout
     */
    public record Loaded(LlamaConfig config, LinkedHashMap<String, Tensor> weights, Format format) {}

    /** A directory loads as a Hugging Face checkpoint; a file as llama2.c (legacy or v1, told apart by magic). */
    public static Loaded load(Path path) throws IOException {
        if (Files.isDirectory(path)) return HfCheckpoint.load(path);
        if (Files.isRegularFile(path)) return Llama2cCheckpoint.load(path);
        throw new NoSuchFileException(path.toString(), null, "no checkpoint file or directory here");
    }
}
