package io.moe4j.data.sampling;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/** Serialises batches to bytes so runs can be compared bit for bit, across processes too. */
final class BatchTestSupport {
    private BatchTestSupport() {
    }

    static byte[] run(BatchLoader loader, int batches) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            for (int i = 0; i < batches; i++) {
                Batch b = loader.next();
                for (int r = 0; r < b.batchSize(); r++) {
                    out.writeInt(b.domains()[r]);
                    for (int v : b.inputs()[r]) out.writeInt(v);
                    for (int v : b.labels()[r]) out.writeInt(v);
                }
            }
        }
        return bytes.toByteArray();
    }
}
