package org.ldm4j.diffusion.sampling;

import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.Prediction;

/**
 * The conversions of a model output to eps and x_0 at a noise level {@code abar}, for
 * {@code x_t = sqrt(abar) x_0 + sqrt(1 - abar) eps} and {@code v = sqrt(abar) eps - sqrt(1 - abar) x_0}.
 */
final class Predictions {
    private Predictions() {
    }

    /** x_0 from the model output. */
    static Tensor x0(Prediction p, Tensor out, Tensor x, double abar) {
        double a = Math.sqrt(abar);
        double s = Math.sqrt(1 - abar);
        switch (p) {
            case EPSILON:
                // x_0 = (x_t - sqrt(1 - abar) eps) / sqrt(abar)
                return x.sub(out.mul(s)).div(a);
            case SAMPLE:
                return out;
            default:
                // x_0 = sqrt(abar) x_t - sqrt(1 - abar) v
                return x.mul(a).sub(out.mul(s));
        }
    }

    /** eps from the model output. */
    static Tensor eps(Prediction p, Tensor out, Tensor x, double abar) {
        double a = Math.sqrt(abar);
        double s = Math.sqrt(1 - abar);
        switch (p) {
            case EPSILON:
                return out;
            case SAMPLE:
                // eps = (x_t - sqrt(abar) x_0) / sqrt(1 - abar)
                return x.sub(out.mul(a)).div(s);
            default:
                // eps = sqrt(abar) v + sqrt(1 - abar) x_t
                return out.mul(a).add(x.mul(s));
        }
    }
}
