package org.ldm4j.core.optim;

/**
 * The PyTorch update rules written out element by element on plain double arrays, independent of ND4J and of
 * the code under test: {@code torch.optim.Adam}/{@code AdamW} ({@code _single_tensor_adam}, no amsgrad) and
 * {@code torch.optim.SGD} ({@code _single_tensor_sgd}). One instance holds one parameter's state.
 */
final class PyTorchReference {
    private PyTorchReference() {
    }

    /** One parameter's Adam/AdamW state; {@code decoupled} selects AdamW. */
    static final class AdamState {
        final double beta1;
        final double beta2;
        final double eps;
        final double weightDecay;
        final boolean decoupled;
        final double[] expAvg;
        final double[] expAvgSq;
        long step;

        AdamState(int n, double beta1, double beta2, double eps, double weightDecay, boolean decoupled) {
            this.beta1 = beta1;
            this.beta2 = beta2;
            this.eps = eps;
            this.weightDecay = weightDecay;
            this.decoupled = decoupled;
            this.expAvg = new double[n];
            this.expAvgSq = new double[n];
        }

        void step(double[] param, double[] grad, double lr) {
            step++;
            double biasCorrection1 = 1 - Math.pow(beta1, step);
            double biasCorrection2 = 1 - Math.pow(beta2, step);
            double stepSize = lr / biasCorrection1;
            double biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
            for (int i = 0; i < param.length; i++) {
                double g = grad[i];
                if (decoupled) {
                    param[i] *= 1 - lr * weightDecay;          // param.mul_(1 - lr * weight_decay)
                } else if (weightDecay != 0) {
                    g = g + weightDecay * param[i];            // grad = grad.add(param, alpha=weight_decay)
                }
                expAvg[i] = beta1 * expAvg[i] + (1 - beta1) * g;
                expAvgSq[i] = beta2 * expAvgSq[i] + (1 - beta2) * g * g;
                double denom = Math.sqrt(expAvgSq[i]) / biasCorrection2Sqrt + eps;
                param[i] = param[i] - stepSize * expAvg[i] / denom;   // addcdiv_(exp_avg, denom, value=-step_size)
            }
        }
    }

    /** One parameter's SGD state. */
    static final class SgdState {
        final double momentum;
        final double dampening;
        final double weightDecay;
        final boolean nesterov;
        double[] momentumBuffer;            // None until the first step, as in PyTorch

        SgdState(double momentum, double dampening, double weightDecay, boolean nesterov) {
            this.momentum = momentum;
            this.dampening = dampening;
            this.weightDecay = weightDecay;
            this.nesterov = nesterov;
        }

        void step(double[] param, double[] grad, double lr) {
            double[] d = grad.clone();
            if (weightDecay != 0) {
                for (int i = 0; i < d.length; i++) {
                    d[i] = d[i] + weightDecay * param[i];
                }
            }
            if (momentum != 0) {
                if (momentumBuffer == null) {
                    momentumBuffer = d.clone();
                } else {
                    for (int i = 0; i < d.length; i++) {
                        momentumBuffer[i] = momentum * momentumBuffer[i] + (1 - dampening) * d[i];
                    }
                }
                for (int i = 0; i < d.length; i++) {
                    d[i] = nesterov ? d[i] + momentum * momentumBuffer[i] : momentumBuffer[i];
                }
            }
            for (int i = 0; i < param.length; i++) {
                param[i] = param[i] - lr * d[i];
            }
        }
    }
}
