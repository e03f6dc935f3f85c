package io.moe4j.data.tokenizer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A minimal reader of the protobuf wire format over one byte array window, enough to read a
 * SentencePiece {@code ModelProto} without a protobuf dependency. Every length read from the
 * data is checked against the bytes left, so a corrupt file fails with a plain message
 * ({@link IllegalArgumentException}) instead of an out-of-bounds access or a huge allocation.
 */
final class ProtoReader {

    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LEN = 2;
    static final int FIXED32 = 5;

    private final byte[] buf;
    private int pos;
    private final int end;
    private int lastTag;

    ProtoReader(byte[] buf, int from, int to) {
        this.buf = buf;
        this.pos = from;
        this.end = to;
    }

    boolean hasMore() {
        return pos < end;
    }

    /** Reads the next tag and returns its field number; {@link #wireType()} gives its type. */
    int nextField() {
        long tag = readVarint();
        if (tag <= 0 || tag > 0xFFFFFFFFL) throw bad("invalid field tag " + tag);
        lastTag = (int) tag;
        int wt = wireType();
        if (wt != VARINT && wt != FIXED64 && wt != LEN && wt != FIXED32) {
            throw bad("unsupported wire type " + wt + " for field " + (lastTag >>> 3));
        }
        return lastTag >>> 3;
    }

    int wireType() {
        return lastTag & 7;
    }

    long readVarint() {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) throw bad("truncated varint");
            int b = buf[pos++] & 0xFF;
            result |= (long) (b & 0x7F) << shift;
            if (b < 0x80) return result;
        }
        throw bad("varint longer than 10 bytes");
    }

    /** An int32 field (negative values are sign-extended 10-byte varints on the wire). */
    int readInt32() {
        expect(VARINT);
        return (int) readVarint();
    }

    boolean readBool() {
        expect(VARINT);
        return readVarint() != 0;
    }

    float readFloat() {
        expect(FIXED32);
        need(4);
        float f = ByteBuffer.wrap(buf, pos, 4).order(ByteOrder.LITTLE_ENDIAN).getFloat();
        pos += 4;
        return f;
    }

    String readString() {
        int len = readLength();
        String s = new String(buf, pos, len, StandardCharsets.UTF_8);
        pos += len;
        return s;
    }

    /** A reader over the embedded message at the current position; this reader skips past it. */
    ProtoReader readMessage() {
        int len = readLength();
        ProtoReader sub = new ProtoReader(buf, pos, pos + len);
        pos += len;
        return sub;
    }

    void skip() {
        switch (wireType()) {
            case VARINT -> readVarint();
            case FIXED64 -> { need(8); pos += 8; }
            case FIXED32 -> { need(4); pos += 4; }
            case LEN -> {
                int len = readLength(); // not "pos += readLength()": that reads pos before the call
                pos += len;
            }
            default -> throw bad("cannot skip wire type " + wireType());
        }
    }

    private int readLength() {
        expect(LEN);
        long len = readVarint();
        if (len < 0 || len > end - pos) {
            throw bad("field " + (lastTag >>> 3) + " length " + len + " exceeds the " + (end - pos)
                    + " bytes left");
        }
        return (int) len;
    }

    private void expect(int wt) {
        if (wireType() != wt) {
            throw bad("field " + (lastTag >>> 3) + " has wire type " + wireType() + ", expected " + wt);
        }
    }

    private void need(int n) {
        if (end - pos < n) throw bad("truncated field " + (lastTag >>> 3));
    }

    private IllegalArgumentException bad(String msg) {
        return new IllegalArgumentException("protobuf " + msg + " at byte " + pos);
    }
}
