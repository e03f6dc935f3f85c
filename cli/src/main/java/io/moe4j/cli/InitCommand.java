package io.moe4j.cli;

import io.moe4j.moe.Models;
import io.moe4j.moe.MoeConfig;
import io.moe4j.nn.LlamaModel;
import io.moe4j.train.init.ModelInit;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code moe4j init}: a freshly initialised dense or MoE model, for the from-scratch comparison. */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = "Create a randomly initialised model (weights N(0, 0.02), unit norms) from an HF-style config.json; "
                + "with --moe-experts (or LLaMA-MoE fields in the config) every FFN becomes an MoE layer. Saved in HF format.")
public final class InitCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "HF-style config.json (hidden_size, intermediate_size, ...).")
    Path config;

    @Option(names = "--out", required = true, description = "Output folder (must be new or empty).")
    Path out;

    @Option(names = "--moe-experts", defaultValue = "0", description = "Experts per layer; 0 = dense (default: ${DEFAULT-VALUE}).")
    int experts;

    @Option(names = "--top-k", defaultValue = "2", description = "Experts selected per token (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--scale", description = "Score scale factor (default: experts / top-k).")
    Double scale;

    @Option(names = "--seed", defaultValue = "1227", description = "Initialisation seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--tokenizer", description = "Tokenizer file to copy beside the weights.")
    Path tokenizer;

    @Override
    public Integer call() {
        if (tokenizer != null) Files2.existing(tokenizer, "--tokenizer");
        LlamaModel m = ModelInit.createAndSave(config, out, experts, topK, scale, seed, tokenizer);
        MoeConfig moe = Models.moeConfigOf(m);
        System.out.printf(Locale.ROOT, "initialised %s model: %d layers, dim %d, %,d parameters -> %s%n",
                moe == null ? "dense" : "MoE " + moe.numExperts() + "x top-" + moe.topK() + " (sf " + moe.layer(0).scale() + ")",
                m.numLayers(), m.config().dim(), m.parameterCount(), out);
        return 0;
    }
}
