package org.ldm4j.diffusion.sampling;

import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.NoiseSchedule;
import org.ldm4j.diffusion.Prediction;

/**
 * Euler's method on the probability-flow ODE in sigma (Karras et al. 2022, Algorithm 1 without the second-order
 * correction; k-diffusion's {@code sample_euler} without churn): {@code x <- x + (sigma_next - sigma) (x - D(x)) / sigma}.
 *
 * <pre>{@code
 * Sampler euler = new EulerSampler(NoiseSchedule.linear(1000, 0.00085, 0.012), Prediction.EPSILON);
 * Tensor z = euler.sample(denoiser, cond, new long[] {1, 4, 32, 32}, 50, new Rng(5), null);
 * }</pre>
 */
public final class EulerSampler extends SigmaSampler {
    public EulerSampler(NoiseSchedule schedule, Prediction prediction) {
        this(schedule, prediction, false);
    }

    /** @param karras use Karras et al.'s rho-7 sigmas instead of uniformly spaced timesteps */
    public EulerSampler(NoiseSchedule schedule, Prediction prediction, boolean karras) {
        super(schedule, prediction, karras);
    }

    @Override
    SamplerRun newRun(SamplerOptions o, SamplerRun.Plan plan, boolean fromNoise, double noiseScale, double[] s, int first) {
        return new Run(prediction(), o, plan, fromNoise, noiseScale, s, first);
    }

    private static final class Run extends SamplerRun {
        private final double[] s;
        private final int first;

        Run(Prediction p, SamplerOptions o, Plan plan, boolean fromNoise, double noiseScale, double[] s, int first) {
            super(p, o, plan, fromNoise, noiseScale);
            this.s = s;
            this.first = first;
        }

        @Override
        void allocate(Tensor like) {
            // one-step: no history
        }

        @Override
        Tensor advance(int e, Tensor x, Tensor out, Rng rng) {
            int i = first + e;
            double sigma = s[i];
            double next = s[i + 1];
            Tensor x0 = Predictions.x0(prediction(), out, x, alphaCumprod(e));
            setDenoised(x0);
            Tensor xs = toSigmaForm(x, sigma);
            // Euler: x_{i+1} = x_i + (sigma_{i+1} - sigma_i) d_i
            Tensor d = derivative(xs, x0, sigma);
            return fromSigmaForm(xs.add(d.mul(next - sigma)), next);
        }
    }
}
