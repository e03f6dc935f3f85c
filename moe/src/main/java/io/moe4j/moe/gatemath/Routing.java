package io.moe4j.moe.gatemath;

/**
 * Routing decision for a batch of T tokens.
 *
 * @param indices [T][k] chosen experts per token, in descending logit (or probability) order
 * @param scores  [T][k] the weight of each chosen expert (before the scale factor); float32 variants
 *                store their float results exactly as doubles
 */
public record Routing(int[][] indices, double[][] scores) {

    public Routing {
        if (indices.length != scores.length) {
            throw new IllegalArgumentException("Routing: " + indices.length + " index rows but " + scores.length + " score rows");
        }
        for (int t = 0; t < indices.length; t++) {
            if (indices[t].length != scores[t].length) {
                throw new IllegalArgumentException("Routing: token " + t + " has " + indices[t].length
                        + " indices but " + scores[t].length + " scores");
            }
        }
    }

    /** T, the number of tokens. */
    public int tokens() {
        return indices.length;
    }
}
