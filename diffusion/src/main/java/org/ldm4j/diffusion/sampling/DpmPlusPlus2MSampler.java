package org.ldm4j.diffusion.sampling;

import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.NoiseSchedule;
import org.ldm4j.diffusion.Prediction;

/**
 * DPM-Solver++(2M) (Lu et al. 2022, "DPM-Solver++: Fast Solver for Guided Sampling of Diffusion Probabilistic
 * Models", Algorithm 2; k-diffusion's {@code sample_dpmpp_2m}): a second-order multistep solver in
 * {@code lambda = -log sigma} on the data prediction, first order on its first step and exact (x = D) on the
 * step to sigma 0. Optionally over Karras et al.'s rho-7 sigmas ("DPM++ 2M Karras").
 *
 * <pre>{@code
 * Sampler dpm = new DpmPlusPlus2MSampler(NoiseSchedule.linear(1000, 0.00085, 0.012), Prediction.EPSILON, true);
 * Tensor z = dpm.sample(denoiser, cond, new long[] {1, 4, 32, 32}, 25, new Rng(9), null);
 * }</pre>
 */
public final class DpmPlusPlus2MSampler extends SigmaSampler {
    public DpmPlusPlus2MSampler(NoiseSchedule schedule, Prediction prediction) {
        this(schedule, prediction, false);
    }

    /** @param karras use Karras et al.'s rho-7 sigmas instead of uniformly spaced timesteps */
    public DpmPlusPlus2MSampler(NoiseSchedule schedule, Prediction prediction, boolean karras) {
        super(schedule, prediction, karras);
    }

    @Override
    SamplerRun newRun(SamplerOptions o, SamplerRun.Plan plan, boolean fromNoise, double noiseScale, double[] s, int first) {
        return new Run(prediction(), o, plan, fromNoise, noiseScale, s, first);
    }

    private static final class Run extends SamplerRun {
        private final double[] s;
        private final int first;
        private Tensor oldDenoised;
        private boolean hasOld;

        Run(Prediction p, SamplerOptions o, Plan plan, boolean fromNoise, double noiseScale, double[] s, int first) {
            super(p, o, plan, fromNoise, noiseScale);
            this.s = s;
            this.first = first;
        }

        @Override
        void allocate(Tensor like) {
            oldDenoised = like.zerosLike();
        }

        @Override
        Tensor advance(int e, Tensor x, Tensor out, Rng rng) {
            int i = first + e;
            double sigma = s[i];
            double next = s[i + 1];
            Tensor x0 = Predictions.x0(prediction(), out, x, alphaCumprod(e));
            setDenoised(x0);
            Tensor y;
            if (next == 0) {
                y = x0;     // lambda = infinity: x_{i+1} = D_i
            } else {
                double t = -Math.log(sigma);
                double h = -Math.log(next) - t;
                Tensor d = x0;
                if (hasOld) {
                    // D = (1 + 1/(2r)) D_i - 1/(2r) D_{i-1}, r = h_{i-1} / h_i
                    double r = (t + Math.log(s[i - 1])) / h;
                    d = x0.mul(1 + 1 / (2 * r)).sub(oldDenoised.mul(1 / (2 * r)));
                }
                // x_{i+1} = (sigma_{i+1} / sigma_i) x_i - (e^{-h} - 1) D
                y = toSigmaForm(x, sigma).mul(next / sigma).sub(d.mul(Math.expm1(-h)));
            }
            oldDenoised.assign(x0);
            hasOld = true;
            return fromSigmaForm(y, next);
        }
    }
}
