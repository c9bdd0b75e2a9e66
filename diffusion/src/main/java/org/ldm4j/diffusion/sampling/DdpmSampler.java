package org.ldm4j.diffusion.sampling;

import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.NoiseSchedule;
import org.ldm4j.diffusion.Prediction;

/**
 * Ancestral DDPM sampling (Ho, Jain and Abbeel 2020), the reference's {@code p_sample}: x_0 estimated from the
 * model output (optionally clipped to [-1, 1], the reference's {@code clip_denoised}), the posterior mean
 * q(x_{t-1} | x_t, x_0), and noise with the posterior's clipped log-variance; no noise on the last step.
 * With {@code steps} equal to the schedule length it walks every timestep T-1, ..., 0; with fewer it walks
 * {@code round(j (T - 1) / (steps - 1))} and uses the respaced betas {@code 1 - abar_t / abar_prev}.
 *
 * <pre>{@code
 * Sampler ddpm = new DdpmSampler(NoiseSchedule.linear(1000, 0.00085, 0.012), Prediction.EPSILON);
 * Tensor z = ddpm.sample(denoiser, cond, new long[] {1, 4, 32, 32}, 1000, new Rng(3), null);
 * }</pre>
 */
public final class DdpmSampler implements Sampler {
    private final NoiseSchedule schedule;
    private final Prediction prediction;
    private final boolean clipDenoised;

    public DdpmSampler(NoiseSchedule schedule, Prediction prediction) {
        this(schedule, prediction, false);
    }

    /** @param clipDenoised clamp the x_0 estimate to [-1, 1] (the reference's default for pixel-space models) */
    public DdpmSampler(NoiseSchedule schedule, Prediction prediction, boolean clipDenoised) {
        this.schedule = DdimSampler.checkSchedule(schedule);
        this.prediction = DdimSampler.checkPrediction(prediction);
        this.clipDenoised = clipDenoised;
    }

    @Override
    public NoiseSchedule schedule() {
        return schedule;
    }

    @Override
    public Prediction prediction() {
        return prediction;
    }

    /** The timesteps of a run of {@code steps} steps, descending. */
    public int[] timesteps(int steps) {
        int n = schedule.length();
        if (steps < 1 || steps > n) {
            throw new IllegalArgumentException("steps: expected 1 to " + n + " DDPM steps, got " + steps);
        }
        int[] ts = new int[steps];
        for (int j = 0; j < steps; j++) {
            int up = steps == 1 ? n - 1 : (int) Math.round((double) j * (n - 1) / (steps - 1));
            ts[steps - 1 - j] = up;
        }
        return ts;
    }

    @Override
    public SamplerRun start(int steps, SamplerOptions options) {
        DdimSampler.checkOptions(options);
        int[] all = timesteps(steps);
        int k = options.stepsToRun(all.length);
        int[] ts = new int[k];
        System.arraycopy(all, all.length - k, ts, 0, k);
        double[] coef1 = new double[k];
        double[] coef2 = new double[k];
        double[] logVar = new double[k];
        SamplerRun.Plan plan = new SamplerRun.Plan();
        for (int j = 0; j < k; j++) {
            int t = ts[j];
            int prev = j + 1 < k ? ts[j + 1] : -1;
            double a = schedule.alphaCumprod(t);
            double aPrev = prev < 0 ? 1.0 : schedule.alphaCumprod(prev);
            if (prev == t - 1) {
                coef1[j] = schedule.posteriorMeanCoef1(t);
                coef2[j] = schedule.posteriorMeanCoef2(t);
                logVar[j] = schedule.posteriorLogVarianceClipped(t);
            } else {
                // the same posterior over a respaced chain: beta' = 1 - abar_t / abar_prev
                double beta = 1 - a / aPrev;
                coef1[j] = beta * Math.sqrt(aPrev) / (1 - a);
                coef2[j] = (1 - aPrev) * Math.sqrt(1 - beta) / (1 - a);
                logVar[j] = Math.log(Math.max(beta * (1 - aPrev) / (1 - a), 1e-20));
            }
            plan.eval(t, a).endStep(aPrev);
        }
        return new Run(prediction, options, plan, k == all.length, clipDenoised, coef1, coef2, logVar);
    }

    @Override
    public String toString() {
        return "DdpmSampler[" + prediction + (clipDenoised ? ", clipped" : "") + "]";
    }

    private static final class Run extends SamplerRun {
        private final boolean clip;
        private final double[] coef1;
        private final double[] coef2;
        private final double[] logVar;

        Run(Prediction p, SamplerOptions o, Plan plan, boolean fromNoise, boolean clip, double[] coef1,
            double[] coef2, double[] logVar) {
            super(p, o, plan, fromNoise, 1.0);
            this.clip = clip;
            this.coef1 = coef1;
            this.coef2 = coef2;
            this.logVar = logVar;
        }

        @Override
        void allocate(Tensor like) {
            // one-step: no history
        }

        @Override
        Tensor advance(int j, Tensor x, Tensor out, Rng rng) {
            Tensor x0 = Predictions.x0(prediction(), out, x, alphaCumprod(j));
            if (clip) {
                x0 = x0.clamp(-1, 1);
            }
            setDenoised(x0);
            // DDPM eq. (7): mu~(x_t, x_0) = beta_t sqrt(abar_{t-1}) / (1 - abar_t) x_0
            //                             + sqrt(alpha_t) (1 - abar_{t-1}) / (1 - abar_t) x_t
            Tensor mean = x0.mul(coef1[j]).add(x.mul(coef2[j]));
            if (j == coef1.length - 1) {
                return mean;     // the reference's nonzero_mask: no noise at t = 0
            }
            // x_{t-1} = mu~ + exp(0.5 log(beta~_t)) z
            Tensor z = need(rng, "DDPM adds noise at every step but the last").normal(x.dtype(), x.shape());
            return mean.add(z.mul(Math.exp(0.5 * logVar[j])));
        }
    }
}
