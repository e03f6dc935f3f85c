package io.moe4j.train.sft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moe4j.data.sampling.SplitMix64;
import io.moe4j.train.BatchSource;
import io.moe4j.train.MicroBatch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Instruction-tuning micro-batches: the rows of each epoch in a seeded random order (a new order every epoch),
 * {@code B} at a time, right-padded to the longest row of the micro-batch (padding predicts nothing; with causal
 * attention it does not change the real positions). Epochs follow one another without a gap, so any step count
 * works. The state is the epoch and the position in it: the order is recomputed from the seed.
 */
public final class SftLoader implements BatchSource {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FORMAT = "moe4j-sft-loader";

    private final List<SftEncoder.Encoded> rows;
    private final int batch;
    private final long seed;
    private final int pad;
    private int epoch;
    private int pos;
    private int[] order;

    /** @param pad id written into padded input positions (their targets are ignored) */
    public SftLoader(List<SftEncoder.Encoded> rows, int batch, long seed, int pad) {
        if (rows.isEmpty()) throw new IllegalArgumentException("no training rows");
        if (batch < 1) throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
        this.rows = rows;
        this.batch = batch;
        this.seed = seed;
        this.pad = pad;
        this.order = order(0);
    }

    private int[] order(int e) {
        int[] o = new int[rows.size()];
        for (int i = 0; i < o.length; i++) o[i] = i;
        new SplitMix64(SplitMix64.mix(seed, e)).shuffle(o);
        return o;
    }

    /** Completed epochs. */
    public int epoch() {
        return epoch;
    }

    @Override
    public MicroBatch next() {
        SftEncoder.Encoded[] take = new SftEncoder.Encoded[batch];
        for (int b = 0; b < batch; b++) {
            if (pos == rows.size()) {
                epoch++;
                pos = 0;
                order = order(epoch);
            }
            take[b] = rows.get(order[pos++]);
        }
        return padded(List.of(take), pad);
    }

    /** Rows right-padded to the longest: inputs (B, T) with {@code pad}, targets (B, T) with IGNORE; T = longest - 1. */
    public static MicroBatch padded(List<SftEncoder.Encoded> take, int pad) {
        int t = 0;
        for (SftEncoder.Encoded e : take) t = Math.max(t, e.tokens().length - 1);
        int n = take.size();
        int[][] in = new int[n][t], out = new int[n][t];
        for (int b = 0; b < n; b++) {
            int[] x = take.get(b).inputs(), y = take.get(b).targets();
            java.util.Arrays.fill(in[b], pad);
            java.util.Arrays.fill(out[b], MicroBatch.IGNORE);
            System.arraycopy(x, 0, in[b], 0, x.length);
            System.arraycopy(y, 0, out[b], 0, y.length);
        }
        return new MicroBatch(in, out, new int[n]);
    }

    @Override
    public byte[] saveState() {
        ObjectNode o = JSON.createObjectNode();
        o.put("format", FORMAT);
        o.put("rows", rows.size());
        o.put("seed", seed);
        o.put("epoch", epoch);
        o.put("pos", pos);
        return o.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A loader over the same rows that continues where the saved one stopped. */
    public static SftLoader restore(List<SftEncoder.Encoded> rows, int batch, int pad, byte[] state) {
        JsonNode o;
        try {
            o = JSON.readTree(state);
        } catch (IOException e) {
            throw new IllegalArgumentException("SFT loader state is not valid JSON: " + e.getMessage());
        }
        if (!FORMAT.equals(o.path("format").asText())) throw new IllegalArgumentException("not an SFT loader state: " + o.path("format"));
        if (o.path("rows").asInt() != rows.size())
            throw new IllegalArgumentException("SFT loader state is for " + o.path("rows").asInt() + " rows, the data now gives " + rows.size()
                    + " (the data file or tokenizer changed)");
        SftLoader l = new SftLoader(rows, batch, o.path("seed").asLong(), pad);
        l.epoch = o.path("epoch").asInt();
        l.pos = o.path("pos").asInt();
        l.order = l.order(l.epoch);
        return l;
    }
}
