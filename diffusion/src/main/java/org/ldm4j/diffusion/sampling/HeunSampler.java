package org.ldm4j.diffusion.sampling;

import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.NoiseSchedule;
import org.ldm4j.diffusion.Prediction;

/**
 * Heun's second-order method on the probability-flow ODE (Karras et al. 2022, Algorithm 1; k-diffusion's
 * {@code sample_heun} without churn): an Euler step to {@code sigma_next}, a second model evaluation there, and
 * the step redone with the average slope; the last step (to sigma 0) is a plain Euler step. A run of n steps
 * evaluates the model 2n - 1 times.
 *
 * <pre>{@code
 * Sampler heun = new HeunSampler(NoiseSchedule.linear(1000, 0.00085, 0.012), Prediction.EPSILON);
 * SamplerRun run = heun.start(30);     // 59 evaluations
 * }</pre>
 */
public final class HeunSampler extends SigmaSampler {
    public HeunSampler(NoiseSchedule schedule, Prediction prediction) {
        this(schedule, prediction, false);
    }

    /** @param karras use Karras et al.'s rho-7 sigmas instead of uniformly spaced timesteps */
    public HeunSampler(NoiseSchedule schedule, Prediction prediction, boolean karras) {
        super(schedule, prediction, karras);
    }

    @Override
    boolean secondOrder() {
        return true;
    }

    @Override
    SamplerRun newRun(SamplerOptions o, SamplerRun.Plan plan, boolean fromNoise, double noiseScale, double[] s, int first) {
        return new Run(prediction(), o, plan, fromNoise, noiseScale, s, first);
    }

    private static final class Run extends SamplerRun {
        private final double[] s;
        private int i;
        private boolean second;
        private Tensor xStart;     // x_i in sigma form, kept for the corrector
        private Tensor slope;      // d_i

        Run(Prediction p, SamplerOptions o, Plan plan, boolean fromNoise, double noiseScale, double[] s, int first) {
            super(p, o, plan, fromNoise, noiseScale);
            this.s = s;
            this.i = first;
        }

        @Override
        void allocate(Tensor like) {
            xStart = like.zerosLike();
            slope = like.zerosLike();
        }

        @Override
        Tensor advance(int e, Tensor x, Tensor out, Rng rng) {
            double sigma = s[i];
            double next = s[i + 1];
            Tensor x0 = Predictions.x0(prediction(), out, x, alphaCumprod(e));
            setDenoised(x0);
            if (!second) {
                Tensor xs = toSigmaForm(x, sigma);
                Tensor d = derivative(xs, x0, sigma);
                // Euler predictor: x~ = x_i + (sigma_{i+1} - sigma_i) d_i
                Tensor predicted = xs.add(d.mul(next - sigma));
                if (next == 0) {
                    i++;
                    return predicted;          // the last step stays first order (sigma 0: no second evaluation)
                }
                xStart.assign(xs);
                slope.assign(d);
                second = true;
                return fromSigmaForm(predicted, next);
            }
            Tensor xs2 = toSigmaForm(x, next);
            Tensor d2 = derivative(xs2, x0, next);
            // Heun corrector (Karras et al. Algorithm 1, line 8): x_{i+1} = x_i + (sigma_{i+1} - sigma_i) (d_i + d'_i) / 2
            Tensor y = xStart.add(slope.add(d2).mul(0.5 * (next - sigma)));
            second = false;
            i++;
            return fromSigmaForm(y, next);
        }
    }
}
