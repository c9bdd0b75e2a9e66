package org.ldm4j.training;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * An exponential moving average of a model's trainable parameters, as the reference's {@code LitEma}
 * (CompVis/latent-diffusion {@code ldm/modules/ema.py}): the EMA weights that the paper samples with.
 *
 * <p>The EMA is itself a {@link Module} whose persistent buffers are its state, under the reference's names:
 * {@code decay} (float32), {@code num_updates} (int32; -1 when the warm-up is off) and one shadow per trainable
 * parameter, named by the parameter's name with every {@code '.'} removed (the reference cannot register dotted
 * buffer names). In a full LDM checkpoint these sit under {@link #STATE_PREFIX} ({@code model_ema.}), and the
 * names are relative to the module the reference wraps ({@code DiffusionWrapper}), so the UNet's
 * {@code input_blocks.0.0.weight} becomes {@code model_ema.diffusion_modelinput_blocks00weight}: pass
 * {@code "diffusion_model."} as {@code paramPrefix} when tracking a bare UNet.
 *
 * <p>Each {@link #update()} (the reference's {@code forward}), without recording a graph:
 * <pre>
 *   n     = num_updates + 1                                 (when num_updates >= 0, i.e. warm-up on)
 *   d     = min(decay, (1 + n) / (10 + n))                  (else d = decay)
 *   s    -= (1 - d) * (s - p)                               for every shadow s of parameter p
 * </pre>
 * {@code d} and {@code 1 - d} are computed in float32, as the reference's float32 buffers make them; the update
 * itself runs in the shadow's dtype.
 *
 * <pre>{@code
 * Ema ema = new Ema(unet, "diffusion_model.", 0.9999, true);
 * for (...) {
 *     ... optimizer.step();
 *     ema.update();
 * }
 * try (Ema.Swap swap = ema.swapIn()) {          // the reference's store(); copy_to(); ...; restore()
 *     samples = sampler.sample(unet, ...);       // with the EMA weights
 * }                                              // training weights back, bit for bit
 * checkpoint.ema(ema.state());                   // keys "decay", "num_updates", "diffusion_modelout2weight", ...
 * ema.load(saved.group("ema"));                  // resume (Module.load, strict)
 * }</pre>
 *
 * <p>Not thread-safe. The shadows keep the dtype the parameters had when the EMA was made.
 */
@SuppressWarnings("try")   // GradMode and MemoryScope scopes are used for their effect, not referenced
public final class Ema extends Module {
    /** Where a full LDM checkpoint keeps the EMA's state: {@code model_ema.decay}, ... */
    public static final String STATE_PREFIX = "model_ema.";
    /** The reference's default decay. */
    public static final double DEFAULT_DECAY = 0.9999;

    private static final String DECAY = "decay";
    /** The state-dict key of the update count (int32; -1 when the decay does not warm up). */
    public static final String NUM_UPDATES = "num_updates";

    private final Module model;
    private final Map<String, String> shadowNames;     // model parameter name -> shadow buffer name
    private boolean swapped;

    /** The reference's defaults: decay 0.9999 with warm-up, names as the model's own. */
    public Ema(Module model) {
        this(model, "", DEFAULT_DECAY, true);
    }

    /**
     * An EMA of {@code model}'s trainable parameters (those that require grad now), starting at their current
     * values.
     *
     * @param paramPrefix   put before each parameter name to form the reference's name: {@code ""} when
     *                      {@code model} is the module the reference wraps, {@code "diffusion_model."} for a bare
     *                      UNet of an LDM
     * @param decay         in [0, 1]
     * @param useNumUpdates the warm-up {@code min(decay, (1 + n) / (10 + n))}
     */
    public Ema(Module model, String paramPrefix, double decay, boolean useNumUpdates) {
        if (model == null) {
            throw new IllegalArgumentException("model: expected a module, got null");
        }
        if (paramPrefix == null) {
            throw new IllegalArgumentException("paramPrefix: expected a string (\"\" for none), got null");
        }
        if (!(decay >= 0 && decay <= 1)) {
            throw new IllegalArgumentException("decay: expected a value in [0, 1], got " + decay);
        }
        this.model = model;
        Map<String, Tensor> trainable = model.trainableParameters();
        if (trainable.isEmpty()) {
            throw new IllegalArgumentException("model: expected trainable parameters to average, found none in "
                    + model.getClass().getSimpleName() + " (" + model.namedParameters().size()
                    + " parameters, all frozen)");
        }
        registerBuffer(DECAY, Tensor.scalar(DType.FLOAT32, decay));
        registerBuffer(NUM_UPDATES, Tensor.scalar(DType.INT32, useNumUpdates ? 0 : -1));
        Map<String, String> names = new LinkedHashMap<>();
        Map<String, String> owners = new LinkedHashMap<>();
        owners.put(DECAY, "the decay buffer");
        owners.put(NUM_UPDATES, "the num_updates buffer");
        for (Map.Entry<String, Tensor> p : trainable.entrySet()) {
            String shadow = (paramPrefix + p.getKey()).replace(".", "");
            String clash = owners.putIfAbsent(shadow, "parameter '" + p.getKey() + "'");
            if (clash != null) {
                throw new IllegalArgumentException("model: parameter '" + p.getKey() + "' and " + clash
                        + " both map to the EMA name '" + shadow + "' once the dots are removed");
            }
            registerBuffer(shadow, p.getValue().detach());
            names.put(p.getKey(), shadow);
        }
        this.shadowNames = Collections.unmodifiableMap(names);
    }

    // ---------------------------------------------------------------- state

    /** The configured decay (as its float32 buffer holds it). */
    public double decay() {
        return buffer(DECAY).item();
    }

    /** Updates so far, or -1 when the warm-up is off (the reference's sentinel). */
    public long numUpdates() {
        return (long) buffer(NUM_UPDATES).item();
    }

    /** Whether the decay warms up with the number of updates. */
    public boolean usesNumUpdates() {
        return numUpdates() >= 0;
    }

    /**
     * The decay that update number {@code update} (1 for the first) uses: {@code min(decay, (1 + n) / (10 + n))}
     * in float32 with the warm-up, else the decay.
     */
    public double decayFor(long update) {
        if (update < 1) {
            throw new IllegalArgumentException("update: expected an update number >= 1, got " + update);
        }
        return effectiveDecay(update);
    }

    private float effectiveDecay(long update) {
        float decay = (float) decay();
        if (!usesNumUpdates()) {
            return decay;
        }
        float warm = (float) (1 + update) / (float) (10 + update);
        return Math.min(decay, warm);
    }

    /** Tracked parameter name (as in the model) to shadow name (as in {@link #stateDict()}), in order. */
    public Map<String, String> shadowNames() {
        return shadowNames;
    }

    /** The shadow (EMA value) of the model's parameter {@code paramName}; shares memory with the EMA. */
    public Tensor shadow(String paramName) {
        String s = shadowNames.get(paramName);
        if (s == null) {
            throw new IllegalArgumentException("paramName: the EMA tracks no parameter '" + paramName + "'; it tracks "
                    + shadowNames.size() + " parameters, e.g. " + shadowNames.keySet().iterator().next());
        }
        return buffer(s).detach();
    }

    /**
     * {@link #stateDict()}, for a checkpoint (under {@link #STATE_PREFIX} in a full LDM file). Refused while the
     * EMA weights are swapped in, when the shadows hold the training weights.
     */
    public Map<String, Tensor> state() {
        checkNotSwapped("state");
        return stateDict();
    }

    /** Whether {@link #swapIn()} is in effect. */
    public boolean isSwapped() {
        return swapped;
    }

    // ---------------------------------------------------------------- update

    /** One EMA step towards the model's current parameters (see the class comment), in place, without a graph. */
    public void update() {
        checkNotSwapped("update");
        Map<String, Tensor> params = trackedParameters("update");
        long n = numUpdates();
        if (n >= Integer.MAX_VALUE) {
            throw new IllegalStateException("update: num_updates is an int32 buffer (as in the reference) and has "
                    + "reached " + n);
        }
        long next = n >= 0 ? n + 1 : n;
        float oneMinusDecay = 1.0f - effectiveDecay(next);
        try (GradMode.Scope g = GradMode.disabled()) {
            for (Map.Entry<String, String> e : shadowNames.entrySet()) {
                try (MemoryScope scope = MemoryScope.open()) {
                    Tensor shadow = buffer(e.getValue());
                    Tensor p = params.get(e.getKey()).detach();
                    if (p.dtype() != shadow.dtype()) {
                        p = p.to(shadow.dtype());
                    }
                    // s -= (1 - d) * (s - p)
                    shadow.assign(shadow.sub(shadow.sub(p).mul(oneMinusDecay)));
                }
            }
            if (next != n) {
                try (MemoryScope scope = MemoryScope.open()) {
                    buffer(NUM_UPDATES).assign(Tensor.scalar(DType.INT32, next));
                }
            }
        }
    }

    // ---------------------------------------------------------------- using the EMA weights

    /**
     * Copies the EMA weights into {@code target}'s parameters of the same names (the reference's
     * {@code copy_to}), e.g. a model built for export or sampling. Every tracked parameter must exist in
     * {@code target} with the same shape (dtypes are converted); {@code target}'s other parameters are left as
     * they are. Checks everything before copying anything.
     */
    public void copyTo(Module target) {
        if (target == null) {
            throw new IllegalArgumentException("target: expected a module, got null");
        }
        checkNotSwapped("copyTo");
        Map<String, Tensor> params = target.namedParameters();
        List<String> problems = new ArrayList<>();
        for (String name : shadowNames.keySet()) {
            Tensor p = params.get(name);
            Tensor s = buffer(shadowNames.get(name));
            if (p == null) {
                problems.add("no parameter '" + name + "'");
            } else if (!Shapes.equal(p.shape(), s.shape())) {
                problems.add("parameter '" + name + "': expected shape " + Shapes.str(s.shape()) + ", found "
                        + Shapes.str(p.shape()));
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("target: " + target.getClass().getSimpleName() + " does not fit the "
                    + "EMA (nothing was copied): " + summary(problems));
        }
        try (GradMode.Scope g = GradMode.disabled()) {
            for (Map.Entry<String, String> e : shadowNames.entrySet()) {
                try (MemoryScope scope = MemoryScope.open()) {
                    params.get(e.getKey()).assign(buffer(e.getValue()));
                }
            }
        }
    }

    /**
     * Puts the EMA weights into the model and keeps its training weights in the shadows, until the returned
     * {@link Swap} is closed: the reference's {@code store(params); copy_to(model)} ... {@code restore(params)},
     * without a second copy of the weights in memory. Both directions are exact copies. While swapped,
     * {@link #update()}, {@link #copyTo}, {@link #state()} and another {@code swapIn()} are refused; do not
     * {@code load} the EMA or take its {@code stateDict()} then either (the shadows hold the training weights).
     */
    public Swap swapIn() {
        checkNotSwapped("swapIn");
        Map<String, Tensor> params = trackedParameters("swapIn");
        for (Map.Entry<String, String> e : shadowNames.entrySet()) {
            Tensor p = params.get(e.getKey());
            Tensor s = buffer(e.getValue());
            if (p.dtype() != s.dtype()) {
                throw new IllegalStateException("swapIn: parameter '" + e.getKey() + "' is " + p.dtype() + " but its "
                        + "EMA is " + s.dtype() + "; a swap would lose precision (use copyTo on a separate model)");
            }
        }
        exchange(params);
        swapped = true;
        return new Swap();
    }

    /** Restores the training weights that {@link #swapIn()} set aside; closing it twice does nothing. */
    public final class Swap implements AutoCloseable {
        private boolean open = true;

        private Swap() {
        }

        /** Puts the training weights back into the model and the EMA weights back into the shadows. */
        @Override
        public void close() {
            if (open) {
                open = false;
                exchange(model.namedParameters());
                swapped = false;
            }
        }
    }

    /** Exchanges the values of every tracked parameter and its shadow (same dtypes, checked by the caller). */
    private void exchange(Map<String, Tensor> params) {
        try (GradMode.Scope g = GradMode.disabled()) {
            for (Map.Entry<String, String> e : shadowNames.entrySet()) {
                try (MemoryScope scope = MemoryScope.open()) {
                    Tensor p = params.get(e.getKey());
                    Tensor s = buffer(e.getValue());
                    Tensor held = p.detach().copy();
                    p.assign(s);
                    s.assign(held);
                }
            }
        }
    }

    // ---------------------------------------------------------------- checks

    /**
     * The model's parameters, after checking that its trainable ones are exactly those tracked (the reference
     * asserts the same): a parameter frozen or added since the EMA was made is an error.
     */
    private Map<String, Tensor> trackedParameters(String op) {
        Map<String, Tensor> params = model.namedParameters();
        List<String> problems = new ArrayList<>();
        for (String name : shadowNames.keySet()) {
            Tensor p = params.get(name);
            if (p == null) {
                problems.add("parameter '" + name + "' is gone");
            } else if (!p.requiresGrad()) {
                problems.add("parameter '" + name + "' is frozen now");
            } else if (!Shapes.equal(p.shape(), buffer(shadowNames.get(name)).shape())) {
                problems.add("parameter '" + name + "' has shape " + Shapes.str(p.shape()) + ", its EMA "
                        + Shapes.str(buffer(shadowNames.get(name)).shape()));
            }
        }
        for (Map.Entry<String, Tensor> p : params.entrySet()) {
            if (p.getValue().requiresGrad() && !shadowNames.containsKey(p.getKey())) {
                problems.add("parameter '" + p.getKey() + "' is trainable but has no EMA");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException(op + ": the model's trainable parameters changed since the EMA was made: "
                    + summary(problems));
        }
        return params;
    }

    private void checkNotSwapped(String op) {
        if (swapped) {
            throw new IllegalStateException(op + ": the EMA weights are swapped into the model; close the Swap that "
                    + "swapIn() returned first");
        }
    }

    private static String summary(List<String> problems) {
        int k = Math.min(5, problems.size());
        return String.join("; ", problems.subList(0, k)) + (problems.size() > k ? "; and " + (problems.size() - k)
                + " more" : "");
    }

    @Override
    protected String extraRepr() {
        return "decay=" + decay() + ", num_updates=" + numUpdates() + ", params=" + shadowNames.size();
    }
}
