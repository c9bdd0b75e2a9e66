package org.ldm4j.core.optim;

import java.util.LinkedHashMap;
import java.util.Map;
import org.ldm4j.core.tensor.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.floating.Sqrt;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The update shared by {@link AdamW} (decoupled weight decay) and {@link Adam} (L2 penalty in the gradient):
 * PyTorch's {@code _single_tensor_adam}, without amsgrad, maximize or capturable.
 */
abstract class AdamBase extends Optimizer {
    static final String EXP_AVG = "exp_avg";
    static final String EXP_AVG_SQ = "exp_avg_sq";

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final boolean decoupled;

    /**
     * The hyperparameters of {@link Adam} and {@link AdamW} (which differ only in their weight decay's default
     * and meaning); each setter checks its argument.
     *
     * @param <O> the optimizer built
     * @param <B> the concrete builder, returned by the setters
     */
    public abstract static class Builder<O extends AdamBase, B extends Builder<O, B>> {
        final Map<String, Tensor> params;
        double lr = 1e-3;
        double beta1 = 0.9;
        double beta2 = 0.999;
        double eps = 1e-8;
        double weightDecay;

        Builder(Map<String, Tensor> params, double defaultWeightDecay) {
            this.params = params;
            this.weightDecay = defaultWeightDecay;
        }

        abstract B self();

        /** Learning rate, {@code >= 0}; default 1e-3. */
        public B lr(double lr) {
            this.lr = Check.nonNegative("lr", lr);
            return self();
        }

        /** Moment decay rates, each in [0, 1); default (0.9, 0.999). */
        public B betas(double beta1, double beta2) {
            this.beta1 = Check.halfOpenUnit("beta1", beta1);
            this.beta2 = Check.halfOpenUnit("beta2", beta2);
            return self();
        }

        /** Denominator term, {@code >= 0}; default 1e-8. */
        public B eps(double eps) {
            this.eps = Check.nonNegative("eps", eps);
            return self();
        }

        /** Weight decay, {@code >= 0} (AdamW: decoupled, default 1e-2; Adam: L2 in the gradient, default 0). */
        public B weightDecay(double weightDecay) {
            this.weightDecay = Check.nonNegative("weightDecay", weightDecay);
            return self();
        }

        /** The optimizer, with zeroed state for every parameter. */
        public abstract O build();
    }

    AdamBase(Builder<?, ?> b, boolean decoupled) {
        this(b.params, b.lr, b.beta1, b.beta2, b.eps, b.weightDecay, decoupled);
    }

    AdamBase(Map<String, Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay,
             boolean decoupled) {
        super(params, lr, EXP_AVG, EXP_AVG_SQ);
        this.beta1 = Check.halfOpenUnit("beta1", beta1);
        this.beta2 = Check.halfOpenUnit("beta2", beta2);
        this.eps = Check.nonNegative("eps", eps);
        this.weightDecay = Check.nonNegative("weightDecay", weightDecay);
        this.decoupled = decoupled;
    }

    /** The first moment's decay rate. */
    public final double beta1() {
        return beta1;
    }

    /** The second moment's decay rate. */
    public final double beta2() {
        return beta2;
    }

    /** The term added to the denominator for numerical stability. */
    public final double eps() {
        return eps;
    }

    /** The weight decay: decoupled for {@link AdamW}, an L2 penalty for {@link Adam}. */
    public final double weightDecay() {
        return weightDecay;
    }

    @Override
    final Map<String, Double> hyperparameters() {
        Map<String, Double> h = new LinkedHashMap<>();
        h.put("beta1", beta1);
        h.put("beta2", beta2);
        h.put("eps", eps);
        h.put("weight_decay", weightDecay);
        h.put("decoupled_weight_decay", decoupled ? 1.0 : 0.0);
        return h;
    }

    @Override
    final void update(INDArray p, INDArray g, INDArray[] state, long t, double lr) {
        INDArray m = state[0];
        INDArray v = state[1];
        INDArray tmp = Nd4j.createUninitialized(p.dataType(), p.shape(), 'c');
        try {
            INDArray grad = g;
            if (weightDecay != 0) {
                if (decoupled) {
                    p.muli(1 - lr * weightDecay);                 // AdamW: p *= 1 - lr * wd
                } else {
                    Updates.axpy(weightDecay, p, tmp.assign(g));   // Adam: g' = g + wd * p (not into p.grad)
                    grad = tmp;
                }
            }
            // m = b1 * m + (1 - b1) * g
            Updates.axpy(1 - beta1, grad, m.muli(beta1));
            // v = b2 * v + (1 - b2) * g^2
            INDArray gg = grad == tmp ? tmp.muli(tmp) : tmp.assign(g).muli(g);
            Updates.axpy(1 - beta2, gg, v.muli(beta2));
            // bias corrections bc1 = 1 - b1^t, bc2 = 1 - b2^t
            double bc1 = 1 - Math.pow(beta1, t);
            double bc2 = 1 - Math.pow(beta2, t);
            // denom = sqrt(v) / sqrt(bc2) + eps
            Nd4j.exec(new Sqrt(v, tmp));
            tmp.divi(Math.sqrt(bc2)).addi(eps);
            // p -= lr / bc1 * m / denom
            Updates.axpy(-lr / bc1, tmp.rdivi(m), p);
        } finally {
            tmp.close();
        }
    }
}
