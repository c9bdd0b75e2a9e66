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
        super(b.params, b.lr, b.beta1, b.beta2, b.eps, b.weightDecay, true);
    }

    /** An AdamW with PyTorch's defaults over {@code params}. */
    public static AdamW create(Map<String, Tensor> params) {
        return builder(params).build();
    }

    /** A builder over the named parameters (insertion order is kept; names key the state dict). */
    public static Builder builder(Map<String, Tensor> params) {
        return new Builder(params);
    }

    /** Hyperparameters for {@link AdamW}; each setter checks its argument. */
    public static final class Builder {
        private final Map<String, Tensor> params;
        private double lr = 1e-3;
        private double beta1 = 0.9;
        private double beta2 = 0.999;
        private double eps = 1e-8;
        private double weightDecay = 1e-2;

        private Builder(Map<String, Tensor> params) {
            this.params = params;
        }

        /** Learning rate, {@code >= 0}; default 1e-3. */
        public Builder lr(double lr) {
            this.lr = Check.nonNegative("lr", lr);
            return this;
        }

        /** Moment decay rates, each in [0, 1); default (0.9, 0.999). */
        public Builder betas(double beta1, double beta2) {
            this.beta1 = Check.halfOpenUnit("beta1", beta1);
            this.beta2 = Check.halfOpenUnit("beta2", beta2);
            return this;
        }

        /** Denominator term, {@code >= 0}; default 1e-8. */
        public Builder eps(double eps) {
            this.eps = Check.nonNegative("eps", eps);
            return this;
        }

        /** Decoupled weight decay, {@code >= 0}; default 1e-2. */
        public Builder weightDecay(double weightDecay) {
            this.weightDecay = Check.nonNegative("weightDecay", weightDecay);
            return this;
        }

        /** The optimizer, with zeroed state for every parameter. */
        public AdamW build() {
            return new AdamW(this);
        }
    }
}
