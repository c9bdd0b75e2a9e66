package org.ldm4j.diffusion.sampling;

import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.NoiseSchedule;
import org.ldm4j.diffusion.Prediction;

/**
 * The common part of k-diffusion's samplers: sigmas for a run (uniform timesteps or Karras' rho 7), model
 * evaluations at the fractional timesteps of those sigmas, and the conversion between the run's
 * variance-preserving latent and k-diffusion's {@code x = x_0 + sigma eps} (k-diffusion's
 * {@code CompVisDenoiser}: {@code c_in = 1 / sqrt(sigma^2 + 1)}).
 */
abstract class SigmaSampler implements Sampler {
    /** Karras et al.'s rho. */
    static final double RHO = 7.0;

    private final NoiseSchedule schedule;
    private final Prediction prediction;
    private final boolean karras;
    private final SigmaSchedule sigmaSchedule;

    SigmaSampler(NoiseSchedule schedule, Prediction prediction, boolean karras) {
        this.schedule = DdimSampler.checkSchedule(schedule);
        this.prediction = DdimSampler.checkPrediction(prediction);
        this.karras = karras;
        this.sigmaSchedule = SigmaSchedule.of(schedule);
    }

    @Override
    public final NoiseSchedule schedule() {
        return schedule;
    }

    @Override
    public final Prediction prediction() {
        return prediction;
    }

    /** Whether sigmas follow Karras et al.'s rho-7 spacing rather than uniformly spaced timesteps. */
    public final boolean karras() {
        return karras;
    }

    /** The {@code steps + 1} sigmas of a full run, descending, ending with 0. */
    public final double[] sigmas(int steps) {
        return karras ? sigmaSchedule.karras(steps, RHO) : sigmaSchedule.uniform(steps);
    }

    /** Whether a step evaluates the model again at the next sigma (Heun), except on the last step. */
    boolean secondOrder() {
        return false;
    }

    abstract SamplerRun newRun(SamplerOptions options, SamplerRun.Plan plan, boolean fromNoise, double noiseScale,
                               double[] sigmas, int first);

    @Override
    public final SamplerRun start(int steps, SamplerOptions options) {
        DdimSampler.checkOptions(options);
        double[] s = sigmas(steps);
        int k = options.stepsToRun(steps);
        int first = steps - k;
        SamplerRun.Plan plan = new SamplerRun.Plan();
        for (int i = first; i < steps; i++) {
            plan.eval(sigmaSchedule.timestep(s[i]), abar(s[i]));
            if (secondOrder() && s[i + 1] > 0) {
                plan.eval(sigmaSchedule.timestep(s[i + 1]), abar(s[i + 1]));
            }
            plan.endStep(abar(s[i + 1]));
        }
        // a full run starts from x = sigma_max z, whose variance-preserving form is sigma_max z / sqrt(1 + sigma_max^2)
        return newRun(options, plan, k == steps, s[0] / Math.sqrt(1 + s[0] * s[0]), s, first);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + (karras ? "Karras sigmas, " : "") + prediction + "]";
    }

    /** {@code abar = 1 / (1 + sigma^2)}. */
    static double abar(double sigma) {
        return 1 / (1 + sigma * sigma);
    }

    /** k-diffusion's form of a latent at noise level sigma: {@code x_0 + sigma eps = x_t sqrt(1 + sigma^2)}. */
    static Tensor toSigmaForm(Tensor x, double sigma) {
        return x.mul(Math.sqrt(1 + sigma * sigma));
    }

    /** Back to the variance-preserving form: {@code x_t = (x_0 + sigma eps) / sqrt(1 + sigma^2)}. */
    static Tensor fromSigmaForm(Tensor x, double sigma) {
        return sigma == 0 ? x : x.div(Math.sqrt(1 + sigma * sigma));
    }

    /** k-diffusion's {@code to_d}: the ODE derivative {@code dx/dsigma = (x - D(x)) / sigma}. */
    static Tensor derivative(Tensor xSigma, Tensor denoised, double sigma) {
        return xSigma.sub(denoised).div(sigma);
    }
}
