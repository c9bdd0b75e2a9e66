package org.ldm4j.core.optim;

import java.util.LinkedHashMap;
import java.util.Map;
import org.ldm4j.core.tensor.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and weight decay, exactly
 * as PyTorch's {@code torch.optim.SGD}. For each parameter {@code p} with gradient {@code g}:
 * <pre>
 * d = g + weight_decay * p
 * if momentum != 0:
 *     buf = d                                          on the parameter's first update
 *     buf = momentum * buf + (1 - dampening) * d       afterwards
 *     d   = nesterov ? d + momentum * buf : buf
 * p -= lr * d
 * </pre>
 * The parameter's {@code grad()} is not modified. Defaults as PyTorch 2.x: lr 1e-3, no momentum, dampening 0,
 * weight decay 0, no Nesterov. With momentum the state key is {@code <name>.momentum_buffer} (see {@link
 * Optimizer}); without it there is no buffer.
 *
 * <pre>{@code
 * Sgd opt = Sgd.builder(params).lr(0.1).momentum(0.9).nesterov(true).build();
 * }</pre>
 */
public final class Sgd extends Optimizer {
    static final String MOMENTUM_BUFFER = "momentum_buffer";

    private final double momentum;
    private final double dampening;
    private final double weightDecay;
    private final boolean nesterov;

    private Sgd(Builder b) {
        super(b.params, b.lr, b.momentum != 0 ? new String[] {MOMENTUM_BUFFER} : new String[0]);
        this.momentum = b.momentum;
        this.dampening = b.dampening;
        this.weightDecay = b.weightDecay;
        this.nesterov = b.nesterov;
    }

    /** A builder over the named parameters (insertion order is kept; names key the state dict). */
    public static Builder builder(Map<String, Tensor> params) {
        return new Builder(params);
    }

    /** The momentum factor (0: none). */
    public double momentum() {
        return momentum;
    }

    /** The dampening applied to the gradient's contribution to the momentum buffer. */
    public double dampening() {
        return dampening;
    }

    /** The L2 penalty added to the gradient. */
    public double weightDecay() {
        return weightDecay;
    }

    /** Whether Nesterov momentum is used. */
    public boolean nesterov() {
        return nesterov;
    }

    @Override
    Map<String, Double> hyperparameters() {
        Map<String, Double> h = new LinkedHashMap<>();
        h.put("momentum", momentum);
        h.put("dampening", dampening);
        h.put("weight_decay", weightDecay);
        h.put("nesterov", nesterov ? 1.0 : 0.0);
        return h;
    }

    @Override
    void update(INDArray p, INDArray g, INDArray[] state, long t, double lr) {
        INDArray tmp = null;
        try {
            INDArray d = g;
            if (weightDecay != 0) {
                tmp = Nd4j.createUninitialized(p.dataType(), p.shape(), 'c');
                d = Updates.axpy(weightDecay, p, tmp.assign(g));      // d = g + wd * p (not into p.grad)
            }
            if (momentum != 0) {
                INDArray buf = state[0];
                if (t == 1) {
                    buf.assign(d);                                    // PyTorch: buf = clone(d) on first use
                } else {
                    Updates.axpy(1 - dampening, d, buf.muli(momentum));
                }
                if (nesterov) {
                    if (tmp == null) {
                        tmp = Nd4j.createUninitialized(p.dataType(), p.shape(), 'c');
                        d = tmp.assign(g);
                    }
                    Updates.axpy(momentum, buf, d);                   // d = d + momentum * buf
                } else {
                    d = buf;
                }
            }
            Updates.axpy(-lr, d, p);                                  // p -= lr * d
        } finally {
            if (tmp != null) {
                tmp.close();
            }
        }
    }

    /** Hyperparameters for {@link Sgd}; each setter checks its argument, {@link #build()} their combination. */
    public static final class Builder {
        private final Map<String, Tensor> params;
        private double lr = 1e-3;
        private double momentum;
        private double dampening;
        private double weightDecay;
        private boolean nesterov;

        private Builder(Map<String, Tensor> params) {
            this.params = params;
        }

        /** Learning rate, {@code >= 0}; default 1e-3. */
        public Builder lr(double lr) {
            this.lr = Check.nonNegative("lr", lr);
            return this;
        }

        /** Momentum factor, {@code >= 0}; default 0 (none). */
        public Builder momentum(double momentum) {
            this.momentum = Check.nonNegative("momentum", momentum);
            return this;
        }

        /** Dampening of the gradient's contribution to the momentum buffer, in [0, 1]; default 0. */
        public Builder dampening(double dampening) {
            this.dampening = Check.closedUnit("dampening", dampening);
            return this;
        }

        /** L2 penalty added to the gradient, {@code >= 0}; default 0. */
        public Builder weightDecay(double weightDecay) {
            this.weightDecay = Check.nonNegative("weightDecay", weightDecay);
            return this;
        }

        /** Nesterov momentum; needs momentum > 0 and dampening 0. Default false. */
        public Builder nesterov(boolean nesterov) {
            this.nesterov = nesterov;
            return this;
        }

        /** The optimizer, with zeroed state for every parameter. */
        public Sgd build() {
            if (nesterov && (momentum <= 0 || dampening != 0)) {
                throw new IllegalArgumentException("nesterov: expected momentum > 0 and dampening 0, found momentum "
                        + momentum + " and dampening " + dampening);
            }
            return new Sgd(this);
        }
    }
}
