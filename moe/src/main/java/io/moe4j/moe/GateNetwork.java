package io.moe4j.moe;

/** The router network: "mlp" = W2·tanh(W1·x) (the released models), "linear" = W·x. */
public enum GateNetwork {
    MLP, LINEAR;

    public String configName() {
        return name().toLowerCase();
    }

    public static GateNetwork parse(String s) {
        return switch (s.toLowerCase()) {
            case "mlp" -> MLP;
            case "linear" -> LINEAR;
            default -> throw new IllegalArgumentException("unknown gate network '" + s + "' (expected mlp or linear)");
        };
    }
}
