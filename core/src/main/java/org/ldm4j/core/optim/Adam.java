package org.ldm4j.core.optim;

import java.util.Map;
import org.ldm4j.core.tensor.Tensor;

/**
 * Adam (Kingma and Ba, 2015), exactly as PyTorch's {@code torch.optim.Adam} (without amsgrad): weight decay is
 * an L2 penalty added to the gradient, so it passes through the moments (prefer {@link AdamW} for decoupled
 * decay). For each parameter {@code p} with gradient {@code g}, on its {@code t}-th update:
 * <pre>
 * g'  = g + weight_decay * p
 * m   = beta1 * m + (1 - beta1) * g'
 * v   = beta2 * v + (1 - beta2) * g'^2
 * p  -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 * The parameter's {@code grad()} is not modified. Defaults as PyTorch: lr 1e-3, betas (0.9, 0.999), eps 1e-8,
 * weight decay 0. State keys {@code <name>.exp_avg}, {@code <name>.exp_avg_sq} (see {@link Optimizer}).
 *
 * <pre>{@code
 * Adam opt = Adam.builder(params).lr(4.5e-6).betas(0.5, 0.9).build();   // the autoencoder's settings
 * }</pre>
 */
public final class Adam extends AdamBase {
    private Adam(Builder b) {
        super(b, false);
    }

    /** An Adam with PyTorch's defaults over {@code params}. */
    public static Adam create(Map<String, Tensor> params) {
        return builder(params).build();
    }

    /** A builder over the named parameters (insertion order is kept; names key the state dict). */
    public static Builder builder(Map<String, Tensor> params) {
        return new Builder(params);
    }

    /** Hyperparameters for {@link Adam}; each setter checks its argument (see {@link AdamBase.Builder}). */
    public static final class Builder extends AdamBase.Builder<Adam, Builder> {
        private Builder(Map<String, Tensor> params) {
            super(params, 0);
        }

        @Override
        Builder self() {
            return this;
        }

        @Override
        public Adam build() {
            return new Adam(this);
        }
    }
}
