package org.ldm4j.core.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A network component with explicitly registered, ordered parameters, buffers and child modules, as PyTorch's
 * {@code nn.Module}: {@link #stateDict()} names them with the same dotted keys in the same order (own parameters,
 * then own persistent buffers, then each child's entries under {@code "<child>."}, in registration order).
 *
 * <pre>{@code
 * final class Block extends Module implements Layer {
 *     private final GroupNorm norm;
 *     private final Conv2d conv;
 *
 *     Block(int channels, Rng rng) {
 *         norm = register("norm", new GroupNorm(32, channels, 1e-6, true));
 *         conv = register("conv", new Conv2d(channels, channels, 3, 1, 1, true, rng));
 *     }
 *
 *     public Tensor forward(Tensor x) {
 *         return conv.forward(norm.forward(x).silu());
 *     }
 * }
 * Block b = new Block(64, new Rng(0));
 * b.stateDict().keySet();       // [norm.weight, norm.bias, conv.weight, conv.bias]
 * b.load(checkpoint, true);     // copies values in place; throws naming any missing/unexpected/mismatched key
 * }</pre>
 *
 * <h2>Memory</h2>
 * {@link #registerParameter} and {@link #registerBuffer} copy the given values into persistent memory that no
 * {@link MemoryScope} frees, so a module may be built inside an open scope (its initial draws are freed with
 * the scope, the registered copies survive). A subclass keeps the returned tensor or, if it supports
 * {@link #to(DType)}, looks it up with {@link #parameter(String)} / {@link #buffer(String)} at each call.
 *
 * <p>Inside a {@link SkipInit} scope parameters are registered as zeros of the scope's dtype, without drawing
 * their initial values (for a model that is about to be loaded).
 *
 * <h2>Identity</h2>
 * {@link #load} copies values into the registered tensors, so references held elsewhere (an optimizer's) stay
 * valid. {@link #to(DType)} replaces the tensors and frees the old ones: build optimizers after converting.
 * Not thread-safe; registration belongs in constructors.
 */
public abstract class Module {
    private final Map<String, Tensor> params = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Set<String> nonPersistent = new LinkedHashSet<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    protected Module() {
    }

    // ---------------------------------------------------------------- registration

    /** Registers a child module under {@code name}; returns it: {@code conv = register("conv", new Conv2d(...))}. */
    protected final <M extends Module> M register(String name, M child) {
        checkName(name);
        if (child == null) {
            throw new IllegalArgumentException("child '" + name + "': expected a module, got null");
        }
        if (child == this || ((Module) child).modulesInTree().containsKey(this)) {
            throw new IllegalArgumentException("child '" + name + "': registering it would make a cycle");
        }
        children.put(name, child);
        return child;
    }

    /**
     * Registers a trainable parameter: a persistent copy of {@code initial} (floating point) that requires grad.
     * Returns the parameter; {@code initial} itself is left to its scope.
     */
    protected final Tensor registerParameter(String name, Tensor initial) {
        checkName(name);
        if (initial == null || !initial.dtype().isFloating()) {
            throw new IllegalArgumentException("parameter '" + name + "': expected a floating-point tensor, got "
                    + (initial == null ? "null" : initial.dtype()));
        }
        SkipInit skip = SkipInit.current();
        Tensor p = (skip != null ? zeros(skip.dtype(), initial.shape()) : persistentCopy(initial)).requiresGrad(true);
        params.put(name, p);
        return p;
    }

    /**
     * Registers a trainable parameter of {@code shape} whose initial values {@code init} draws (a floating-point
     * tensor of that shape; its own memory is left to its scope). Inside a {@link SkipInit} scope {@code init} is
     * not called: the parameter is zeros of the scope's dtype. The layers of this package register their
     * parameters this way: {@code registerParameter("weight", () -> Init.fanInUniform(rng, in, out, in), out, in)}.
     */
    protected final Tensor registerParameter(String name, Supplier<Tensor> init, long... shape) {
        checkName(name);
        if (init == null || shape == null) {
            throw new IllegalArgumentException("parameter '" + name + "': expected an initialiser and a shape, got "
                    + (init == null ? "no initialiser" : "no shape"));
        }
        SkipInit skip = SkipInit.current();
        if (skip != null) {
            Tensor p = zeros(skip.dtype(), shape).requiresGrad(true);
            params.put(name, p);
            return p;
        }
        Tensor initial = init.get();
        if (initial == null || !Shapes.equal(initial.shape(), shape)) {
            throw new IllegalArgumentException("parameter '" + name + "': expected an initial value of shape "
                    + Shapes.str(shape) + ", got " + (initial == null ? "null" : Shapes.str(initial.shape())));
        }
        return registerParameter(name, initial);
    }

    /**
     * Registers a persistent buffer (saved in {@link #stateDict()}, never trained): a persistent copy of
     * {@code initial}, returned.
     */
    protected final Tensor registerBuffer(String name, Tensor initial) {
        return registerBuffer(name, initial, true);
    }

    /** As {@link #registerBuffer(String, Tensor)}; a non-persistent buffer is left out of the state dict. */
    protected final Tensor registerBuffer(String name, Tensor initial, boolean persistent) {
        checkName(name);
        if (initial == null) {
            throw new IllegalArgumentException("buffer '" + name + "': expected a tensor, got null");
        }
        SkipInit skip = SkipInit.current();
        Tensor b;
        if (skip != null && initial.dtype().isFloating() && initial.dtype() != skip.dtype()) {
            INDArray cast = initial.array().castTo(skip.dtype().nd4j());
            b = Tensor.wrapPersistent(cast.isView() ? cast.dup('c') : cast);
        } else {
            b = persistentCopy(initial);
        }
        buffers.put(name, b);
        if (!persistent) {
            nonPersistent.add(name);
        }
        return b;
    }

    private void checkName(String name) {
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("name: expected a non-empty name without '.', got "
                    + (name == null ? "null" : "'" + name + "'"));
        }
        if (params.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException("name: '" + name + "' is already registered in " + typeName());
        }
    }

    private static Tensor persistentCopy(Tensor t) {
        return Tensor.wrapPersistent(t.array().dup('c'));
    }

    /** Persistent zeros: a {@link SkipInit} scope's parameter. */
    private static Tensor zeros(DType dtype, long[] shape) {
        return Tensor.wrapPersistent(shape.length == 0 ? Nd4j.scalar(dtype.nd4j(), 0) : Nd4j.zeros(dtype.nd4j(), shape));
    }

    // ---------------------------------------------------------------- own tensors

    /** This module's own parameter {@code name} (not a descendant's). */
    public final Tensor parameter(String name) {
        Tensor p = params.get(name);
        if (p == null) {
            throw new IllegalArgumentException("parameter: " + typeName() + " has no parameter '" + name
                    + "'; it has " + params.keySet());
        }
        return p;
    }

    /** This module's own buffer {@code name} (not a descendant's). */
    public final Tensor buffer(String name) {
        Tensor b = buffers.get(name);
        if (b == null) {
            throw new IllegalArgumentException("buffer: " + typeName() + " has no buffer '" + name + "'; it has "
                    + buffers.keySet());
        }
        return b;
    }

    // ---------------------------------------------------------------- traversal

    /** The direct children, by name, in registration order. */
    public final Map<String, Module> namedChildren() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(children));
    }

    /** This module (key "") and every descendant, by dotted name, depth first; a shared module appears once. */
    public final Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        for (Map.Entry<Module, String> e : modulesInTree().entrySet()) {
            out.put(e.getValue(), e.getKey());
        }
        return Collections.unmodifiableMap(out);
    }

    /** Every module of the tree, once each, depth first, with its dotted name (Module equality is identity). */
    private Map<Module, String> modulesInTree() {
        Map<Module, String> seen = new LinkedHashMap<>();
        collectModules("", seen);
        return seen;
    }

    private void collectModules(String prefix, Map<Module, String> seen) {
        if (seen.putIfAbsent(this, prefix) != null) {
            return;
        }
        for (Map.Entry<String, Module> c : children.entrySet()) {
            c.getValue().collectModules(join(prefix, c.getKey()), seen);
        }
    }

    /** Every parameter in the tree by dotted name, in state-dict order (the optimizer's input). */
    public final Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        Map<Tensor, Boolean> seen = new IdentityHashMap<>();
        for (Map.Entry<String, Module> m : namedModules().entrySet()) {
            for (Map.Entry<String, Tensor> p : m.getValue().params.entrySet()) {
                if (seen.put(p.getValue(), Boolean.TRUE) == null) {
                    out.put(join(m.getKey(), p.getKey()), p.getValue());
                }
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * The parameters that require grad (not frozen), by dotted name: what an optimizer should get, so that frozen
     * weights cost no optimizer state.
     */
    public final Map<String, Tensor> trainableParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> p : namedParameters().entrySet()) {
            if (p.getValue().requiresGrad()) {
                out.put(p.getKey(), p.getValue());
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** Every buffer in the tree (persistent or not) by dotted name. */
    public final Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Module> m : namedModules().entrySet()) {
            for (Map.Entry<String, Tensor> b : m.getValue().buffers.entrySet()) {
                out.put(join(m.getKey(), b.getKey()), b.getValue());
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** The parameters of {@link #namedParameters()}, in order. */
    public final List<Tensor> parameters() {
        return List.copyOf(namedParameters().values());
    }

    /** Number of parameter elements in the tree. */
    public final long parameterCount() {
        long n = 0;
        for (Tensor p : namedParameters().values()) {
            n += p.numel();
        }
        return n;
    }

    private static String join(String prefix, String name) {
        return prefix.isEmpty() ? name : prefix + "." + name;
    }

    // ---------------------------------------------------------------- state dict

    /**
     * Parameters and persistent buffers by PyTorch's {@code state_dict()} keys and order. As in PyTorch, the
     * values are detached tensors sharing memory with the module's (copy them to keep a snapshot).
     */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> live = new LinkedHashMap<>();
        collectState("", live);
        Map<String, Tensor> out = new LinkedHashMap<>();
        live.forEach((k, v) -> out.put(k, v.detach()));
        return Collections.unmodifiableMap(out);
    }

    private void collectState(String prefix, Map<String, Tensor> out) {
        params.forEach((k, v) -> out.put(prefix + k, v));
        buffers.forEach((k, v) -> {
            if (!nonPersistent.contains(k)) {
                out.put(prefix + k, v);
            }
        });
        children.forEach((k, c) -> c.collectState(prefix + k + ".", out));
    }

    /** {@link #load(Map, boolean)} in strict mode. */
    public final LoadReport load(Map<String, Tensor> stateDict) {
        return load(stateDict, true);
    }

    /**
     * Copies the values of {@code stateDict} into this tree's parameters and persistent buffers, in place,
     * converting dtypes (an F16 checkpoint into F32 parameters). Strict: any missing key, unexpected key or shape
     * mismatch throws an {@link IllegalArgumentException} naming them, before anything is copied. Lenient: every
     * entry whose key and shape match is copied, and the report lists the rest (unlike PyTorch, which rejects
     * shape mismatches even when not strict).
     */
    public final LoadReport load(Map<String, Tensor> stateDict, boolean strict) {
        if (stateDict == null) {
            throw new IllegalArgumentException("stateDict: expected a map of tensors, got null");
        }
        Map<String, Tensor> targets = new LinkedHashMap<>();
        collectState("", targets);
        List<String> missing = new ArrayList<>();
        List<String> loaded = new ArrayList<>();
        List<LoadReport.ShapeMismatch> mismatched = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : targets.entrySet()) {
            Tensor src = stateDict.get(e.getKey());
            if (src == null) {
                missing.add(e.getKey());
            } else if (!Shapes.equal(src.shape(), e.getValue().shape())) {
                mismatched.add(new LoadReport.ShapeMismatch(e.getKey(), e.getValue().shape(), src.shape()));
            } else {
                loaded.add(e.getKey());
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String k : stateDict.keySet()) {
            if (!targets.containsKey(k)) {
                unexpected.add(k);
            }
        }
        LoadReport report = new LoadReport(loaded, missing, unexpected, mismatched);
        if (strict && !report.isClean()) {
            throw new IllegalArgumentException("load: the state dict does not match " + typeName() + " (nothing was "
                    + "loaded; pass strict=false to load the matching entries): " + report);
        }
        for (String k : loaded) {
            stateDict.get(k).array();             // fails before anything is copied if a source was released
        }
        for (String k : loaded) {
            targets.get(k).assign(stateDict.get(k));
        }
        return report;
    }

    // ---------------------------------------------------------------- modes

    /** Training mode for this module and every descendant (Dropout drops, BatchNorm uses batch statistics). */
    public final Module train() {
        return train(true);
    }

    /** Evaluation mode for this module and every descendant. */
    public final Module eval() {
        return train(false);
    }

    /**
     * Sets training ({@code true}) or evaluation mode on this module and, through their own {@code train}, on its
     * children; returns this. A module may override it to pin its mode (as the reference's
     * {@code disabled_train} keeps the frozen first stage in eval mode): {@code return super.train(false);}.
     */
    public Module train(boolean on) {
        training = on;
        for (Module c : children.values()) {
            c.train(on);
        }
        return this;
    }

    public final boolean isTraining() {
        return training;
    }

    /** Stops gradients to every parameter in the tree (requiresGrad false); the mode is unchanged. */
    public final Module freeze() {
        return setRequiresGrad(false);
    }

    /** Makes every parameter in the tree trainable again. */
    public final Module unfreeze() {
        return setRequiresGrad(true);
    }

    private Module setRequiresGrad(boolean on) {
        for (Tensor p : namedParameters().values()) {
            p.requiresGrad(on);
        }
        return this;
    }

    /** Forgets the gradients of every parameter in the tree. */
    public final void zeroGrad() {
        for (Tensor p : namedParameters().values()) {
            p.zeroGrad();
        }
    }

    /**
     * Converts every floating-point parameter and buffer of the tree to {@code dtype} (integer buffers such as
     * {@code num_batches_tracked} stay). The registered tensors are replaced and the old ones freed, keeping
     * {@code requiresGrad}: create optimizers (and take state dicts) after converting. Returns this.
     */
    public final Module to(DType dtype) {
        if (dtype == null || !dtype.isFloating()) {
            throw new IllegalArgumentException("dtype: expected a floating-point type, got " + dtype);
        }
        for (Module m : modulesInTree().keySet()) {
            convertAll(m.params, dtype, true);
            convertAll(m.buffers, dtype, false);
        }
        return this;
    }

    private static void convertAll(Map<String, Tensor> tensors, DType dtype, boolean trainable) {
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor old = e.getValue();
            if (!old.dtype().isFloating() || old.dtype() == dtype) {
                continue;
            }
            INDArray cast = old.array().castTo(dtype.nd4j());
            Tensor converted = Tensor.wrapPersistent(cast.isView() ? cast.dup('c') : cast);
            if (trainable) {
                converted.requiresGrad(old.requiresGrad());
            }
            e.setValue(converted);
            MemoryScope.release(old.array());
        }
    }

    // ---------------------------------------------------------------- display

    /** Modules are compared by identity (the traversal relies on it). */
    @Override
    public final boolean equals(Object o) {
        return this == o;
    }

    @Override
    public final int hashCode() {
        return System.identityHashCode(this);
    }

    /** The module's type in {@link #toString()} and error messages. */
    protected String typeName() {
        return getClass().getSimpleName();
    }

    /** Extra information for {@link #toString()}, e.g. {@code "in=4, out=8, bias=true"}. */
    protected String extraRepr() {
        return "";
    }

    /** The tree as PyTorch prints it: {@code Sequential((0): Linear(in=4, out=8, bias=true) ...)}. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(typeName()).append('(').append(extraRepr());
        if (!children.isEmpty()) {
            s.append('\n');
            children.forEach((k, c) -> s.append("  (").append(k).append("): ")
                    .append(c.toString().replace("\n", "\n  ")).append('\n'));
        }
        return s.append(')').toString();
    }
}
