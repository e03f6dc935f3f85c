package io.moe4j.train.optim;

import java.util.Arrays;

/**
 * One named parameter tensor inside the model's flat parameter buffer: elements
 * {@code [offset, offset + length)} of the flat {@code float[]}, row-major with the given shape.
 *
 * <p>The same segment addresses the gradient buffer and the optimizer moments, which are all laid out like the
 * parameters (llm.c style: one contiguous block each), so the optimizer never needs per-tensor objects.
 *
 * @param name   the checkpoint name, e.g. {@code model.layers.0.mlp.gate.gate_network.0.weight}
 * @param offset first element in the flat buffer
 * @param length number of elements; must equal the product of {@code shape}
 * @param shape  tensor shape; its length is the rank used by the "decay only rank >= 2" rule
 */
public record ParamSegment(String name, int offset, int length, int[] shape) {
    public ParamSegment {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("ParamSegment: name must be non-empty");
        }
        if (shape == null) {
            throw new IllegalArgumentException("ParamSegment '" + name + "': shape must not be null");
        }
        shape = shape.clone();
        long product = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("ParamSegment '" + name + "': negative dimension in shape "
                        + Arrays.toString(shape));
            }
            product *= d;
        }
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("ParamSegment '" + name + "': offset and length must be >= 0, got offset "
                    + offset + ", length " + length);
        }
        if (product != length) {
            throw new IllegalArgumentException("ParamSegment '" + name + "': length " + length
                    + " does not match shape " + Arrays.toString(shape) + " (product " + product + ")");
        }
        if ((long) offset + length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("ParamSegment '" + name + "': offset + length exceeds int range");
        }
    }

    /** Number of dimensions (0 for a scalar). */
    public int rank() {
        return shape.length;
    }

    /** One past the last element. */
    public int end() {
        return offset + length;
    }

    /** A copy of the shape (records expose the component, which must stay immutable). */
    @Override
    public int[] shape() {
        return shape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ParamSegment s && s.name.equals(name) && s.offset == offset && s.length == length
                && Arrays.equals(s.shape, shape);
    }

    @Override
    public int hashCode() {
        return (name.hashCode() * 31 + offset) * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + "@" + offset;
    }
}
