package io.moe4j.data.sampling;

import java.util.List;

/**
 * One batch of packed blocks.
 *
 * @param inputs      (B, T) token ids: the first T tokens of each block
 * @param labels      (B, T) the same blocks shifted by one: labels[b][t] = block[b][t + 1]
 * @param domains     (B) index of each row's domain in {@code domainNames}
 * @param domainNames domain names of the loader (sampler order)
 */
public record Batch(int[][] inputs, int[][] labels, int[] domains, List<String> domainNames) {

    public int batchSize() {
        return inputs.length;
    }

    public int seqLen() {
        return inputs.length == 0 ? 0 : inputs[0].length;
    }

    public String domainName(int row) {
        return domainNames.get(domains[row]);
    }

    /** Inputs as one row-major (B*T) array, the layout a tensor wants. */
    public int[] flatInputs() {
        return flatten(inputs);
    }

    /** Labels as one row-major (B*T) array. */
    public int[] flatLabels() {
        return flatten(labels);
    }

    private static int[] flatten(int[][] a) {
        int t = a.length == 0 ? 0 : a[0].length;
        int[] out = new int[a.length * t];
        for (int b = 0; b < a.length; b++) System.arraycopy(a[b], 0, out, b * t, t);
        return out;
    }
}
