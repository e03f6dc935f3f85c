package io.moe4j.nn;

import io.moe4j.autograd.Var;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.Shape;
import io.moe4j.tensor.Storage;
import io.moe4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * All parameters of a module in ONE flat array, and all their gradients in a second one, as in
 * llm.c: each parameter becomes a contiguous view into the data buffer, its gradient a view into
 * the gradient buffer at the same offset. Backward then accumulates straight into the flat
 * gradient array, {@link #zeroGrad()} is one fill, and an optimizer is one loop over two arrays.
 *
 * <p>Making a buffer copies the current values in and rebinds every {@link Param} of the module.
 * After a structural change (an FFN swapped for an MoE layer) make a new buffer.
 */
public final class ParameterBuffer {
    /** One parameter's place in the buffers: elements [offset, offset + numel) of both. */
    public record Slice(String name, int offset, int[] shape, Param param) {
        public int numel() {
            return Shape.numel(shape);
        }

        /** True for matrices and embeddings (the tensors weight decay applies to, as in nanoGPT). */
        public boolean isMatrix() {
            return shape.length >= 2;
        }
    }

    private final Storage data, grad;
    private final List<Slice> slices;

    private ParameterBuffer(Storage data, Storage grad, List<Slice> slices) {
        this.data = data;
        this.grad = grad;
        this.slices = Collections.unmodifiableList(slices);
    }

    /** Moves every parameter of {@code m} into a new pair of flat buffers (its dtype, F32 or F64). */
    public static ParameterBuffer of(Module m) {
        Map<String, Param> named = m.namedParams();
        DType dtype = null;
        long total = 0;
        for (Map.Entry<String, Param> e : named.entrySet()) {
            DType d = e.getValue().data().dtype();
            if (dtype == null) dtype = d;
            else if (d != dtype)
                throw new IllegalArgumentException("ParameterBuffer: '" + e.getKey() + "' is " + d + " but earlier parameters are " + dtype);
            total += e.getValue().data().numel();
        }
        if (total > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException("ParameterBuffer: " + total + " parameters do not fit in one Java array (max " + (Integer.MAX_VALUE - 8) + ")");
        if (dtype == null) dtype = DType.F32;
        Storage data = Storage.allocate(dtype, (int) total), grad = Storage.allocate(dtype, (int) total);
        List<Slice> slices = new ArrayList<>();
        int off = 0;
        for (Map.Entry<String, Param> e : named.entrySet()) {
            Param p = e.getValue();
            int[] shape = p.shape();
            int[] strides = Shape.contiguousStrides(shape);
            Tensor view = new Tensor(data, shape, strides, off);
            Module.copyValues(p.data(), view);
            Var v = Var.param(view);
            v.setGradBuffer(new Tensor(grad, shape.clone(), strides.clone(), off));
            p.bind(v);
            slices.add(new Slice(e.getKey(), off, shape, p));
            off += view.numel();
        }
        return new ParameterBuffer(data, grad, slices);
    }

    public DType dtype() {
        return data.dtype;
    }

    /** Number of parameters (elements). */
    public int size() {
        return data.size();
    }

    public Storage dataStorage() {
        return data;
    }

    public Storage gradStorage() {
        return grad;
    }

    /** The flat parameter array (F32 buffers only). */
    public float[] data() {
        requireF32();
        return data.f;
    }

    /** The flat gradient array (F32 buffers only). */
    public float[] grad() {
        requireF32();
        return grad.f;
    }

    private void requireF32() {
        if (data.dtype != DType.F32) throw new IllegalStateException("ParameterBuffer holds " + data.dtype + ", not F32; use dataStorage()/gradStorage()");
    }

    public List<Slice> slices() {
        return slices;
    }

    /** Sets every gradient to zero (one fill of the flat array). */
    public void zeroGrad() {
        grad.fill(0);
    }
}
