package org.ldm4j.core.optim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Updates named parameters from their gradients. The implementations are {@link AdamW}, {@link Adam} and
 * {@link Sgd}; their update rules are PyTorch's (single-tensor code path, {@code torch.optim}).
 *
 * <p>{@link #step()} updates, in place and without recording a graph, every parameter whose {@code grad()} is
 * not null; a parameter without a gradient is skipped entirely (its state and its own step count stay as they
 * are), as PyTorch skips parameters whose {@code .grad} is None. Optimizer state (moments, momentum buffers) is
 * allocated once, at construction, in each parameter's dtype and outside every {@link
 * org.ldm4j.core.tensor.MemoryScope}; a step allocates only temporaries, which it frees before returning.
 *
 * <pre>{@code
 * Optimizer opt = AdamW.builder(model.namedParameters()).lr(1e-4).weightDecay(0.0).build();
 * LrSchedule schedule = LrSchedule.linearWarmup(1e-4, 10_000);
 * for (Batch b : batches) {
 *     try (MemoryScope scope = MemoryScope.open()) {
 *         opt.zeroGrad();
 *         model.loss(b).backward();
 *         GradClip.clipGlobalNorm(opt.params().values(), 1.0);
 *         schedule.applyTo(opt);      // lr for step opt.stepCount()
 *         opt.step();
 *     }
 * }
 * Map<String, Tensor> checkpoint = opt.stateDict();   // save with the model's weights
 * }</pre>
 *
 * <h2>State dict</h2>
 * {@link #stateDict()} holds rank-0 float64 scalars {@code step} (calls of {@code step()}), {@code lr} and the
 * optimizer's other hyperparameters (e.g. {@code beta1}, {@code weight_decay}), and for each parameter
 * {@code <name>.step} (updates that parameter received, which drives Adam's bias correction and SGD's
 * momentum initialisation, as PyTorch's per-parameter {@code state["step"]}) plus its buffers
 * ({@code <name>.exp_avg}, {@code <name>.exp_avg_sq}, {@code <name>.momentum_buffer}). {@link
 * #loadStateDict(Map)} requires exactly these keys and shapes, restores the step counts, {@code lr} and the
 * buffers, and requires the other hyperparameters to equal this optimizer's, so that a resumed run cannot
 * change them silently; to change one deliberately, replace its entry in the map before loading.
 *
 * <p>Not thread-safe: use an optimizer from one thread at a time.
 */
public abstract class Optimizer {
    private final String[] names;
    private final Tensor[] params;
    private final Map<String, Tensor> paramView;
    private final String[] bufferNames;
    private final INDArray[][] buffers;       // [param][buffer], in the parameter's dtype and shape
    private final long[] paramSteps;
    private double lr;
    private long stepCount;

    /** Validates the parameters and allocates zeroed state buffers named {@code bufferNames} for each. */
    Optimizer(Map<String, Tensor> params, double lr, String... bufferNames) {
        if (params == null || params.isEmpty()) {
            throw new IllegalArgumentException("params: expected at least one named parameter, found "
                    + (params == null ? "null" : "none"));
        }
        this.lr = Check.nonNegative("lr", lr);
        int n = params.size();
        this.names = new String[n];
        this.params = new Tensor[n];
        this.bufferNames = bufferNames.clone();
        this.buffers = new INDArray[n][bufferNames.length];
        this.paramSteps = new long[n];
        Map<Tensor, String> seen = new IdentityHashMap<>();
        Map<String, Tensor> view = new LinkedHashMap<>();
        int i = 0;
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            String name = e.getKey();
            Tensor p = e.getValue();
            checkParam(name, p);
            String other = seen.put(p, name);
            if (other != null) {
                throw new IllegalArgumentException("params: '" + other + "' and '" + name + "' are the same tensor; "
                        + "expected each parameter once");
            }
            names[i] = name;
            this.params[i] = p;
            view.put(name, p);
            INDArray data = p.array();
            for (int j = 0; j < bufferNames.length; j++) {
                buffers[i][j] = Nd4j.zeros(data.dataType(), data.shape());   // persistent: no scope tracks it
            }
            i++;
        }
        this.paramView = Collections.unmodifiableMap(view);
    }

    private static void checkParam(String name, Tensor p) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("params: expected a non-empty name, found "
                    + (name == null ? "null" : "\"\""));
        }
        if (p == null) {
            throw new IllegalArgumentException("params: '" + name + "': expected a tensor, found null");
        }
        if (!p.dtype().isFloating()) {
            throw new IllegalArgumentException("params: '" + name + "': expected a floating-point tensor, found "
                    + p.dtype());
        }
        if (!p.isLeaf()) {
            throw new IllegalArgumentException("params: '" + name + "': expected a leaf tensor (a parameter), found "
                    + "the output of '" + p.node().op() + "'");
        }
        p.array();   // fails now, with a clear message, if its memory was released
    }

    // ---------------------------------------------------------------- the update, per subclass

    /**
     * Updates one parameter in place. {@code step} is the number of updates this parameter has received,
     * including this one (1 on its first). {@code buffers} are this parameter's state, in the order of the
     * constructor's {@code bufferNames}. Frees every temporary it allocates; never writes into {@code grad}.
     */
    abstract void update(INDArray param, INDArray grad, INDArray[] buffers, long step, double lr);

    /** The hyperparameters other than lr, in state-dict order; booleans as 0 and 1. */
    abstract Map<String, Double> hyperparameters();

    // ---------------------------------------------------------------- training loop API

    /** Updates every parameter that has a gradient; parameters whose {@code grad()} is null are skipped. */
    public final void step() {
        for (int i = 0; i < params.length; i++) {
            Tensor g = params[i].grad();
            if (g == null) {
                continue;
            }
            INDArray p = params[i].array();
            paramSteps[i]++;
            try {
                update(p, g.array(), buffers[i], paramSteps[i], lr);
            } catch (RuntimeException e) {
                throw new IllegalStateException("step: updating parameter '" + names[i] + "' "
                        + Shapes.str(p.shape()) + " " + params[i].dtype() + " failed: " + e.getMessage(), e);
            }
        }
        stepCount++;
    }

    /** Forgets every parameter's gradient ({@code grad()} becomes null; the buffers are kept for reuse). */
    public final void zeroGrad() {
        for (Tensor p : params) {
            p.zeroGrad();
        }
    }

    /** The learning rate the next {@link #step()} uses. */
    public final double lr() {
        return lr;
    }

    /** Sets the learning rate, e.g. from an {@link LrSchedule}; a finite number {@code >= 0}. */
    public final void setLr(double lr) {
        this.lr = Check.nonNegative("lr", lr);
    }

    /** How many times {@link #step()} has run (restored by {@link #loadStateDict}). */
    public final long stepCount() {
        return stepCount;
    }

    /** The parameters by name, in the order given at construction (unmodifiable). */
    public final Map<String, Tensor> params() {
        return paramView;
    }

    // ---------------------------------------------------------------- state dict

    /**
     * The optimizer's state by key (see the class comment), in a new mutable map. The buffer entries share
     * memory with the optimizer's state: save them before the next {@link #step()}, or {@code copy()} them. The
     * scalar entries are new rank-0 float64 tensors. No {@code MemoryScope} frees any entry, so the map can be
     * taken inside a training step's scope and written after it.
     */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> d = new LinkedHashMap<>();
        d.put("step", scalar(stepCount));
        d.put("lr", scalar(lr));
        for (Map.Entry<String, Double> h : hyperparameters().entrySet()) {
            d.put(h.getKey(), scalar(h.getValue()));
        }
        for (int i = 0; i < params.length; i++) {
            d.put(names[i] + ".step", scalar(paramSteps[i]));
            for (int j = 0; j < bufferNames.length; j++) {
                d.put(names[i] + "." + bufferNames[j], Tensor.wrapPersistent(buffers[i][j]));
            }
        }
        return d;
    }

    /** A rank-0 float64 entry that no scope frees, like the buffer entries: the map outlives a step's scope. */
    private static Tensor scalar(double v) {
        return Tensor.wrapPersistent(Nd4j.scalar(DataType.DOUBLE, v));
    }

    /**
     * Restores state saved by {@link #stateDict()} of an optimizer of the same kind over parameters of the
     * same names and shapes. Checks everything before changing anything: on any missing, unexpected or
     * mismatched key it throws an {@link IllegalArgumentException} that lists each one, and this optimizer is
     * left as it was. Buffers are copied (converted to the parameter's dtype if they differ).
     */
    public final void loadStateDict(Map<String, Tensor> dict) {
        if (dict == null) {
            throw new IllegalArgumentException("loadStateDict: expected a state dict, found null");
        }
        List<String> problems = new ArrayList<>();
        Map<String, Double> hyper = hyperparameters();
        Double newStep = scalarEntry(dict, "step", problems);
        checkCount("step", newStep, problems);
        Double newLr = scalarEntry(dict, "lr", problems);
        if (newLr != null && !(newLr >= 0 && newLr < Double.POSITIVE_INFINITY)) {
            problems.add("key 'lr': expected a finite number >= 0, found " + newLr);
        }
        for (Map.Entry<String, Double> h : hyper.entrySet()) {
            Double v = scalarEntry(dict, h.getKey(), problems);
            if (v != null && Double.compare(v, h.getValue()) != 0) {
                problems.add("key '" + h.getKey() + "': expected " + h.getValue() + " (this optimizer's), found " + v);
            }
        }
        Double[] newParamSteps = new Double[params.length];
        for (int i = 0; i < params.length; i++) {
            String key = names[i] + ".step";
            newParamSteps[i] = scalarEntry(dict, key, problems);
            checkCount(key, newParamSteps[i], problems);
            for (int j = 0; j < bufferNames.length; j++) {
                bufferEntry(dict, names[i] + "." + bufferNames[j], buffers[i][j].shape(), problems);
            }
        }
        for (String key : dict.keySet()) {
            if (!expectedKey(key, hyper)) {
                problems.add("unexpected key '" + key + "'");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("loadStateDict: " + problems.size() + " problem"
                    + (problems.size() == 1 ? "" : "s") + ": " + String.join("; ", problems));
        }
        // all checked: apply
        stepCount = newStep.longValue();
        lr = newLr;
        for (int i = 0; i < params.length; i++) {
            paramSteps[i] = newParamSteps[i].longValue();
            for (int j = 0; j < bufferNames.length; j++) {
                copyInto(buffers[i][j], dict.get(names[i] + "." + bufferNames[j]).array());
            }
        }
    }

    private boolean expectedKey(String key, Map<String, Double> hyper) {
        if (key.equals("step") || key.equals("lr") || hyper.containsKey(key)) {
            return true;
        }
        int dot = key.lastIndexOf('.');
        if (dot < 0 || !paramView.containsKey(key.substring(0, dot))) {
            return false;
        }
        String suffix = key.substring(dot + 1);
        if (suffix.equals("step")) {
            return true;
        }
        for (String b : bufferNames) {
            if (b.equals(suffix)) {
                return true;
            }
        }
        return false;
    }

    /** The value of a rank-0 entry, or null after recording why there is none. */
    private static Double scalarEntry(Map<String, Tensor> dict, String key, List<String> problems) {
        Tensor t = presentEntry(dict, key, problems);
        if (t == null) {
            return null;
        }
        if (t.rank() != 0) {
            problems.add("key '" + key + "': expected shape [], found " + Shapes.str(t.shape()));
            return null;
        }
        return t.item();
    }

    private static void bufferEntry(Map<String, Tensor> dict, String key, long[] shape, List<String> problems) {
        Tensor t = presentEntry(dict, key, problems);
        if (t == null) {
            return;
        }
        if (!Shapes.equal(t.shape(), shape)) {
            problems.add("key '" + key + "': expected shape " + Shapes.str(shape) + ", found " + Shapes.str(t.shape()));
        } else if (!t.dtype().isFloating()) {
            problems.add("key '" + key + "': expected a floating-point tensor, found " + t.dtype());
        }
    }

    private static Tensor presentEntry(Map<String, Tensor> dict, String key, List<String> problems) {
        if (!dict.containsKey(key)) {
            problems.add("missing key '" + key + "'");
            return null;
        }
        Tensor t = dict.get(key);
        if (t == null) {
            problems.add("key '" + key + "': expected a tensor, found null");
        }
        return t;
    }

    private static void checkCount(String key, Double v, List<String> problems) {
        if (v != null && !(v >= 0 && v <= 0x1p53 && v == Math.rint(v))) {
            problems.add("key '" + key + "': expected a whole number >= 0, found " + v);
        }
    }

    private static void copyInto(INDArray dst, INDArray src) {
        if (src.dataType() == dst.dataType()) {
            dst.assign(src);
        } else {
            INDArray c = src.castTo(dst.dataType());
            dst.assign(c);
            c.close();
        }
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(getClass().getSimpleName()).append("(lr=").append(lr);
        for (Map.Entry<String, Double> h : hyperparameters().entrySet()) {
            s.append(", ").append(h.getKey()).append('=').append(h.getValue());
        }
        return s.append(", params=").append(params.length).append(", step=").append(stepCount).append(')').toString();
    }
}
