package io.moe4j.tensor;

/** A shape or dtype mismatch, with a message that names the op and the shapes involved. */
public class ShapeException extends IllegalArgumentException {
    public ShapeException(String message) {
        super(message);
    }

    /** "op: message (shapes [2, 3] and [4])" */
    public static ShapeException of(String op, String message, int[]... shapes) {
        StringBuilder sb = new StringBuilder(op).append(": ").append(message);
        if (shapes.length > 0) {
            sb.append(shapes.length == 1 ? " (shape " : " (shapes ");
            for (int k = 0; k < shapes.length; k++) {
                if (k > 0) sb.append(k == shapes.length - 1 ? " and " : ", ");
                sb.append(Shape.str(shapes[k]));
            }
            sb.append(')');
        }
        return new ShapeException(sb.toString());
    }
}
