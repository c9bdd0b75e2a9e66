package org.ldm4j.diffusion.sampling;

import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.NoiseSchedule;
import org.ldm4j.diffusion.Prediction;

/**
 * Ancestral Euler (k-diffusion's {@code sample_euler_ancestral}): an Euler step down to {@code sigma_down}, then
 * fresh noise of scale {@code sigma_up}, with {@code sigma_up = min(sigma_next, eta sqrt(sigma_next^2 (sigma^2 -
 * sigma_next^2) / sigma^2))} and {@code sigma_down = sqrt(sigma_next^2 - sigma_up^2)}; eta 1 by default.
 *
 * <pre>{@code
 * Sampler ea = new EulerAncestralSampler(NoiseSchedule.linear(1000, 0.00085, 0.012), Prediction.EPSILON);
 * Tensor z = ea.sample(denoiser, cond, new long[] {1, 4, 32, 32}, 100, new Rng(5), null);
 * }</pre>
 */
public final class EulerAncestralSampler extends SigmaSampler {
    private final double eta;

    public EulerAncestralSampler(NoiseSchedule schedule, Prediction prediction) {
        this(schedule, prediction, 1.0, false);
    }

    /**
     * @param eta    the share of ancestral noise (0 gives Euler)
     * @param karras use Karras et al.'s rho-7 sigmas instead of uniformly spaced timesteps
     */
    public EulerAncestralSampler(NoiseSchedule schedule, Prediction prediction, double eta, boolean karras) {
        super(schedule, prediction, karras);
        if (!(eta >= 0) || Double.isInfinite(eta)) {
            throw new IllegalArgumentException("eta: expected a finite value >= 0, got " + eta);
        }
        this.eta = eta;
    }

    public double eta() {
        return eta;
    }

    @Override
    SamplerRun newRun(SamplerOptions o, SamplerRun.Plan plan, boolean fromNoise, double noiseScale, double[] s, int first) {
        return new Run(prediction(), o, plan, fromNoise, noiseScale, s, first, eta);
    }

    private static final class Run extends SamplerRun {
        private final double[] s;
        private final int first;
        private final double eta;

        Run(Prediction p, SamplerOptions o, Plan plan, boolean fromNoise, double noiseScale, double[] s, int first,
            double eta) {
            super(p, o, plan, fromNoise, noiseScale);
            this.s = s;
            this.first = first;
            this.eta = eta;
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
            // k-diffusion get_ancestral_step
            double up = Math.min(next, eta * Math.sqrt(next * next * (sigma * sigma - next * next) / (sigma * sigma)));
            double down = Math.sqrt(next * next - up * up);
            Tensor xs = toSigmaForm(x, sigma);
            Tensor d = derivative(xs, x0, sigma);
            Tensor y = xs.add(d.mul(down - sigma));
            if (next > 0 && up > 0) {
                Tensor z = need(rng, "ancestral sampling adds noise").normal(x.dtype(), x.shape());
                y = y.add(z.mul(up));
            }
            return fromSigmaForm(y, next);
        }
    }
}
