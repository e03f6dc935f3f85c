package io.moe4j.autograd;

import io.moe4j.tensor.Backends;
import io.moe4j.tensor.Ops;
import io.moe4j.tensor.ShapeException;
import io.moe4j.tensor.Tensor;
import java.util.*;

/**
 * The tape engine and grad mode. The two invariants live here: backward visits nodes in reverse
 * topological order, and gradients are accumulated ({@code +=}), never overwritten.
 */
public final class Grad {
    private static final ThreadLocal<Boolean> ENABLED = ThreadLocal.withInitial(() -> true);
    private static final ThreadLocal<Set<String>> RECORDER = new ThreadLocal<>();

    private Grad() {}

    public static boolean isEnabled() {
        return ENABLED.get();
    }

    /** {@code try (var s = Grad.noGrad()) { ... }}: ops inside record nothing. */
    public static Backends.Scope noGrad() {
        boolean prev = ENABLED.get();
        ENABLED.set(false);
        return () -> ENABLED.set(prev);
    }

    /** Starts recording the keys of every Function applied on this thread (for coverage checks). */
    public static Set<String> startRecording() {
        Set<String> s = new TreeSet<>();
        RECORDER.set(s);
        return s;
    }

    public static void stopRecording() {
        RECORDER.remove();
    }

    static void record(Function f) {
        Set<String> s = RECORDER.get();
        if (s != null) s.add(f.key());
    }

    /** Reverse-mode sweep from {@code root}, seeded with {@code seed} (same shape as root). */
    static void backward(Var root, Tensor seed) {
        backward(List.of(root), List.of(seed));
    }

    /** One backward pass from several outputs at once, each with its seed (nodes they share run once). */
    static void backward(List<Var> roots, List<Tensor> seeds) {
        if (roots.size() != seeds.size()) throw new IllegalArgumentException("backward: " + roots.size() + " outputs but " + seeds.size() + " seeds");
        Map<Var, Tensor> grads = new IdentityHashMap<>();
        for (int r = 0; r < roots.size(); r++) {
            Var root = roots.get(r);
            Tensor seed = seeds.get(r);
            if (!root.requiresGrad()) throw new IllegalStateException("backward: the output does not require grad (no input needs a gradient, or it was computed under noGrad)");
            if (!Arrays.equals(seed.shape(), root.data().shape()))
                throw ShapeException.of("backward", "seed gradient must match the output", seed.shape(), root.data().shape());
            Tensor prev = grads.get(root);
            grads.put(root, prev == null ? seed : Ops.add(prev, seed));
        }
        List<Var> order = topoOrder(roots);
        Set<Tensor> owned = Collections.newSetFromMap(new IdentityHashMap<>()); // sums and fresh gradients: ours to change
        for (int n = order.size() - 1; n >= 0; n--) {
            Var v = order.get(n);
            Tensor g = grads.remove(v);
            if (g == null) continue;
            if (v.creator == null || v.retainsGrad()) v.accumulateGrad(g, v.creator == null && owned.contains(g));
            if (v.creator == null) continue;
            Function f = v.creator;
            long t0 = OpProfile.on() ? System.nanoTime() : 0;
            f.held = i -> { // looked up only by a backward that asks
                Tensor p = grads.get(f.inputs[i]);
                return p != null && owned.contains(p) ? p : null;
            };
            Tensor[] gs;
            try {
                gs = f.backward(g);
            } finally {
                f.held = null;
            }
            if (t0 != 0) OpProfile.add(f.key(), true, System.nanoTime() - t0);
            Tensor ownedView = owned.remove(g) ? ownedView(g, gs) : null; // g is spent: only a single view of it stays ours
            for (int i = 0; i < f.inputs.length; i++) {
                Var in = f.inputs[i];
                if (!in.requiresGrad() || gs[i] == null) continue;
                if (!Arrays.equals(gs[i].shape(), in.data().shape()))
                    throw ShapeException.of(f.key() + " backward", "gradient shape differs from input " + i, gs[i].shape(), in.data().shape());
                grads.put(in, sum(grads.get(in), gs[i], f.isFresh(gs[i]) || gs[i] == ownedView, owned));
            }
        }
    }

    /**
     * The one gradient in {@code gs} that is or views the storage of {@code g}, an owned gradient just spent (a
     * reshape's or a transpose's backward): it inherits the ownership. Null when none does, or when several do (an
     * add hands one tensor to both inputs, and neither may then add into it in place).
     */
    private static Tensor ownedView(Tensor g, Tensor[] gs) {
        Tensor view = null;
        for (Tensor t : gs) {
            if (t == null || t.storage() != g.storage()) continue;
            if (view != null) return null;
            view = t;
        }
        return view;
    }

    /**
     * prev + g (g alone when prev is null). An owned operand takes the other in place (one pass, no new tensor; the
     * sum is the same either way round); otherwise the sum is a new tensor, owned from then on.
     */
    private static Tensor sum(Tensor prev, Tensor g, boolean gFresh, Set<Tensor> owned) {
        if (gFresh) owned.add(g);
        if (prev == null) return g;
        Tensor into = owned.contains(prev) ? prev : gFresh ? g : null;
        if (into == null) {
            Tensor s = Ops.add(prev, g);
            owned.add(s);
            return s;
        }
        Backends.current().accumulate(into, into == prev ? g : prev);
        return into;
    }

    /** Nodes reachable from root, each after all of its inputs (iterative DFS, no recursion limit). */
    static List<Var> topoOrder(Var root) {
        return topoOrder(List.of(root));
    }

    /** Nodes reachable from any of the roots, each after all of its inputs. */
    static List<Var> topoOrder(List<Var> roots) {
        List<Var> order = new ArrayList<>();
        Set<Var> done = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Var> stack = new ArrayDeque<>();
        Deque<Integer> next = new ArrayDeque<>();
        for (Var root : roots) {
            if (!done.add(root)) continue;
            stack.push(root);
            next.push(0);
            walk(stack, next, done, order);
        }
        return order;
    }

    private static void walk(Deque<Var> stack, Deque<Integer> next, Set<Var> done, List<Var> order) {
        while (!stack.isEmpty()) {
            Var v = stack.peek();
            int i = next.pop();
            Var[] ins = v.creator == null ? new Var[0] : v.creator.inputs;
            if (i < ins.length) {
                next.push(i + 1);
                Var c = ins[i];
                if (c.requiresGrad() && done.add(c)) {
                    stack.push(c);
                    next.push(0);
                }
            } else {
                stack.pop();
                order.add(v);
            }
        }
    }
}
