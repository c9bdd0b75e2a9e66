package org.ldm4j.core.optim;

import java.util.Map;
import org.ldm4j.core.tensor.Tensor;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter, 2019), exactly as PyTorch's {@code torch.optim.AdamW}
 * (without amsgrad). For each parameter {@code p} with gradient {@code g}, on its {@code t}-th update:
 * <pre>
 * p  *= 1 - lr * weight_decay
 * m   = beta1 * m + (1 - beta1) * g
 * v   = beta2 * v + (1 - beta2) * g^2
 * p  -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 * Defaults as PyTorch: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 1e-2. State keys
 * {@code <name>.exp_avg}, {@code <name>.exp_avg_sq} (see {@link Optimizer}).
 *
 * <pre>{@code
 * AdamW opt = AdamW.builder(params).lr(1e-4).betas(0.9, 0.999).weightDecay(0.0).build();
 * }</pre>
 */
public final class AdamW extends AdamBase {
    private AdamW(Builder b) {
        super(b, true);
    }

    /** An AdamW with PyTorch's defaults over {@code params}. */
    public static AdamW create(Map<String, Tensor> params) {
        return builder(params).build();
    }

    /** A builder over the named parameters (insertion order is kept; names key the state dict). */
    public static Builder builder(Map<String, Tensor> params) {
        return new Builder(params);
    }

    /** Hyperparameters for {@link AdamW}; each setter checks its argument (see {@link AdamBase.Builder}). */
    public static final class Builder extends AdamBase.Builder<AdamW, Builder> {
        private Builder(Map<String, Tensor> params) {
            super(params, 1e-2);
        }

        @Override
        Builder self() {
            return this;
        }

        @Override
        public AdamW build() {
            return new AdamW(this);
        }
    }
}
