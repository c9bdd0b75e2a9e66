package org.ldm4j.training.distributed;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.ldm4j.core.optim.AdamW;
import org.ldm4j.core.optim.GradClip;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.training.Ema;

/**
 * Parameters that one optimizer updates, as the driver holds them: their AdamW, the global-norm clipping
 * ({@code 0}: none, the norm is still checked to be finite) and optionally an {@link Ema} over some of them.
 * The EMA's parameter names are those of the module it averages; {@code emaPrefix} + that name is the
 * parameter's name in the group.
 */
public final class TrainGroup {
    private final String name;
    private final Map<String, Tensor> params;
    private final AdamW optimizer;
    private final double gradClip;
    private final Ema ema;
    private final String emaPrefix;
    private final FlatLayout layout;

    public TrainGroup(String name, Map<String, Tensor> params, AdamW optimizer, double gradClip, Ema ema,
            String emaPrefix) {
        if (name == null || params == null || params.isEmpty() || optimizer == null) {
            throw new IllegalArgumentException("name, params, optimizer: expected a name, parameters and their AdamW, "
                    + "got " + name + ", " + (params == null ? null : params.size() + " parameters") + ", "
                    + optimizer);
        }
        if (!(gradClip >= 0)) {
            throw new IllegalArgumentException("gradClip: expected a norm >= 0 (0: none), got " + gradClip);
        }
        this.name = name;
        this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        this.optimizer = optimizer;
        this.gradClip = gradClip;
        this.ema = ema;
        this.emaPrefix = emaPrefix == null ? "" : emaPrefix;
        this.layout = FlatLayout.of(params);
        if (ema != null) {
            for (String n : ema.shadowNames().keySet()) {
                if (!params.containsKey(this.emaPrefix + n)) {
                    throw new IllegalArgumentException("ema: tracks '" + n + "', expected '" + this.emaPrefix + n
                            + "' among the group's parameters");
                }
            }
        }
    }

    public String name() {
        return name;
    }

    public Map<String, Tensor> params() {
        return params;
    }

    public AdamW optimizer() {
        return optimizer;
    }

    public double gradClip() {
        return gradClip;
    }

    /** The EMA, or null. */
    public Ema ema() {
        return ema;
    }

    public String emaPrefix() {
        return emaPrefix;
    }

    public FlatLayout layout() {
        return layout;
    }

    /** Gives every parameter without a gradient a zero one, so that every parameter is stepped alike. */
    void fillGrads() {
        for (Tensor p : params.values()) {
            if (p.grad() == null) {
                p.setGrad(Tensor.zeros(p.dtype(), p.shape()));
            }
        }
    }

    /**
     * Clips (or measures) the gradients held in the parameters and steps the optimizer and the EMA, unless the
     * norm is not finite; returns the norm before clipping.
     */
    double apply() {
        fillGrads();
        double norm = gradClip > 0 ? GradClip.clipGlobalNorm(params.values(), gradClip)
                : GradClip.globalNorm(params.values());
        if (Double.isFinite(norm)) {
            optimizer.step();
            if (ema != null) {
                ema.update();
            }
        }
        optimizer.zeroGrad();
        return norm;
    }
}
