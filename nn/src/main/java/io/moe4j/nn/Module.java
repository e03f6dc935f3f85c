package io.moe4j.nn;

import io.moe4j.autograd.Var;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.Shape;
import io.moe4j.tensor.Storage;
import io.moe4j.tensor.Tensor;
import java.util.*;

/**
 * A layer or model: named parameters and named sub-modules, both kept in registration order.
 *
 * <p>Full parameter names join the path with dots, own parameters first, then each child depth
 * first, so {@link #namedParams()} (and everything built on it: {@link #parameters()},
 * {@link #stateDict()}, {@link ParameterBuffer}) has one stable order. Local names may themselves
 * contain dots ({@code "model.layers.0"}), which lets {@link LlamaModel} produce Hugging Face names
 * without empty wrapper modules.
 *
 * <p>The train/eval flag is not used by the dense LLaMA (it has no dropout) but MoE gates add noise
 * only in training, so it is kept here and propagated to children.
 */
public abstract class Module {
    private final LinkedHashMap<String, Param> params = new LinkedHashMap<>();
    private final LinkedHashMap<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    // ---------------------------------------------------------------- registration

    /** Registers a parameter initialised to {@code init} (copied if not contiguous). */
    protected final Param addParam(String name, Tensor init) {
        checkName(name);
        if (params.containsKey(name) || children.containsKey(name))
            throw new IllegalArgumentException(getClass().getSimpleName() + ": name '" + name + "' is already registered");
        Param p = new Param(name, init);
        params.put(name, p);
        return p;
    }

    /**
     * Registers {@code m} under {@code name}, or replaces the child already there (keeping its
     * position in the order). Replacing is how an FFN is swapped for an MoE layer; parameters
     * change, so a {@link ParameterBuffer} made before must be made again.
     */
    protected final <M extends Module> M setModule(String name, M m) {
        checkName(name);
        Objects.requireNonNull(m, "module");
        if (params.containsKey(name))
            throw new IllegalArgumentException(getClass().getSimpleName() + ": name '" + name + "' is a parameter");
        m.train(training);
        children.put(name, m);
        return m;
    }

    private static void checkName(String name) {
        if (name == null || name.isEmpty() || name.startsWith(".") || name.endsWith("."))
            throw new IllegalArgumentException("module/parameter name must be non-empty and not start or end with '.', got '" + name + "'");
    }

    /** The direct children by local name, in order. */
    public final Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    // ---------------------------------------------------------------- parameters

    /** Every parameter slot under its full dotted name, in the stable order. */
    public final LinkedHashMap<String, Param> namedParams() {
        LinkedHashMap<String, Param> out = new LinkedHashMap<>();
        collect("", out, Collections.newSetFromMap(new IdentityHashMap<>()));
        return out;
    }

    private void collect(String prefix, LinkedHashMap<String, Param> out, Set<Param> seen) {
        for (Map.Entry<String, Param> e : params.entrySet())
            if (seen.add(e.getValue())) out.put(prefix + e.getKey(), e.getValue());
        for (Map.Entry<String, Module> e : children.entrySet()) e.getValue().collect(prefix + e.getKey() + ".", out, seen);
    }

    /** The parameter Vars in the stable order. */
    public final List<Var> parameters() {
        List<Var> out = new ArrayList<>();
        for (Param p : namedParams().values()) out.add(p.var());
        return out;
    }

    /** The parameter Vars under their full names. */
    public final LinkedHashMap<String, Var> namedParameters() {
        LinkedHashMap<String, Var> out = new LinkedHashMap<>();
        namedParams().forEach((k, p) -> out.put(k, p.var()));
        return out;
    }

    public final long parameterCount() {
        long n = 0;
        for (Param p : namedParams().values()) n += p.data().numel();
        return n;
    }

    /** The dtype of the parameters (F32 for training and inference, F64 for gradient checks). */
    public final DType dtype() {
        Iterator<Param> it = namedParams().values().iterator();
        return it.hasNext() ? it.next().data().dtype() : DType.F32;
    }

    /**
     * Rebinds every parameter, in {@link #parameters()} order, to the given Vars (same shapes).
     * A gradient check uses this to run the model on its own float64 leaves.
     */
    public final void bindParameters(List<Var> vars) {
        List<Param> ps = new ArrayList<>(namedParams().values());
        if (vars.size() != ps.size())
            throw new IllegalArgumentException("bindParameters: got " + vars.size() + " Vars for " + ps.size() + " parameters");
        for (int i = 0; i < ps.size(); i++) ps.get(i).bind(vars.get(i));
    }

    // ---------------------------------------------------------------- state dict

    /**
     * The weights under their full names. F32 parameters are returned as they are (contiguous
     * views of the live weights, not copies: copy before changing them); other dtypes as F32 copies.
     */
    public final LinkedHashMap<String, Tensor> stateDict() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        namedParams().forEach((k, p) -> out.put(k, p.data().dtype() == DType.F32 ? p.data() : p.data().to(DType.F32)));
        return out;
    }

    /**
     * Copies every tensor of {@code sd} into the parameter of the same name, converting the dtype.
     * The names must match exactly (no missing, no extra) and each shape must equal the
     * parameter's; otherwise nothing is copied and the exception names the offending tensors.
     */
    public final void loadStateDict(Map<String, Tensor> sd) {
        LinkedHashMap<String, Param> mine = namedParams();
        List<String> missing = new ArrayList<>(), extra = new ArrayList<>();
        for (String k : mine.keySet()) if (!sd.containsKey(k)) missing.add(k);
        for (String k : sd.keySet()) if (!mine.containsKey(k)) extra.add(k);
        if (!missing.isEmpty() || !extra.isEmpty())
            throw new IllegalArgumentException("state dict does not match " + getClass().getSimpleName() + ": missing "
                    + names(missing) + ", unexpected " + names(extra));
        for (Map.Entry<String, Param> e : mine.entrySet()) {
            Tensor t = sd.get(e.getKey());
            if (t == null) throw new IllegalArgumentException("state dict: tensor '" + e.getKey() + "' is null");
            if (!Arrays.equals(t.shape(), e.getValue().shape()))
                throw new IllegalArgumentException("state dict: '" + e.getKey() + "' has shape " + Shape.str(t.shape())
                        + ", expected " + Shape.str(e.getValue().shape()));
            if (!t.dtype().isFloating())
                throw new IllegalArgumentException("state dict: '" + e.getKey() + "' has dtype " + t.dtype() + ", expected F32 or F64");
        }
        for (Map.Entry<String, Param> e : mine.entrySet()) copyValues(sd.get(e.getKey()), e.getValue().data());
    }

    private static String names(List<String> ks) {
        if (ks.isEmpty()) return "none";
        List<String> head = ks.subList(0, Math.min(6, ks.size()));
        return ks.size() + " " + head + (ks.size() > head.size() ? " ..." : "");
    }

    /** dst (contiguous) = src, element by element, converting dtype. */
    static void copyValues(Tensor src, Tensor dst) {
        Tensor s = src.contiguous();
        Storage a = s.storage(), b = dst.storage();
        int n = dst.numel(), so = s.offset(), d0 = dst.offset();
        if (a.dtype == DType.F32 && b.dtype == DType.F32) System.arraycopy(a.f, so, b.f, d0, n);
        else if (a.dtype == DType.F64 && b.dtype == DType.F64) System.arraycopy(a.d, so, b.d, d0, n);
        else for (int k = 0; k < n; k++) b.set(d0 + k, a.get(so + k));
    }

    // ---------------------------------------------------------------- mode

    /** Sets training mode here and in every descendant. */
    public final void train(boolean on) {
        training = on;
        for (Module m : children.values()) m.train(on);
    }

    public final void eval() {
        train(false);
    }

    public final boolean isTraining() {
        return training;
    }
}
