package org.ldm4j.diffusion.sampling;

import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.NoiseSchedule;
import org.ldm4j.diffusion.Prediction;

/**
 * DDIM (Song, Meng and Ermon 2021) as the CompVis {@code DDIMSampler} runs it: timesteps and parameters from
 * {@link DdimSchedule} (so the last step goes to alphas_cumprod[0], not to 1), float32 coefficients, and
 * {@code eta} scaling the per-step noise (0: deterministic; 1: the DDPM posterior's variance).
 *
 * <pre>{@code
 * Sampler ddim = new DdimSampler(NoiseSchedule.linear(1000, 0.00085, 0.012), Prediction.EPSILON, 0.0);
 * Tensor z = ddim.sample(denoiser, cond, new long[] {1, 4, 32, 32}, 50, new Rng(1), null);
 * }</pre>
 */
public final class DdimSampler implements Sampler {
    private final NoiseSchedule schedule;
    private final Prediction prediction;
    private final double eta;
    private final TimestepSpacing spacing;

    /** Deterministic DDIM (eta 0) with uniform timesteps. */
    public DdimSampler(NoiseSchedule schedule, Prediction prediction) {
        this(schedule, prediction, 0.0, TimestepSpacing.UNIFORM);
    }

    public DdimSampler(NoiseSchedule schedule, Prediction prediction, double eta) {
        this(schedule, prediction, eta, TimestepSpacing.UNIFORM);
    }

    public DdimSampler(NoiseSchedule schedule, Prediction prediction, double eta, TimestepSpacing spacing) {
        this.schedule = checkSchedule(schedule);
        this.prediction = checkPrediction(prediction);
        if (!(eta >= 0) || Double.isInfinite(eta)) {
            throw new IllegalArgumentException("eta: expected a finite value >= 0, got " + eta);
        }
        if (spacing == null) {
            throw new IllegalArgumentException("spacing: expected UNIFORM or QUAD, got null");
        }
        this.eta = eta;
        this.spacing = spacing;
    }

    static NoiseSchedule checkSchedule(NoiseSchedule s) {
        if (s == null) {
            throw new IllegalArgumentException("schedule: expected a NoiseSchedule, got null");
        }
        return s;
    }

    static Prediction checkPrediction(Prediction p) {
        if (p == null) {
            throw new IllegalArgumentException("prediction: expected EPSILON, SAMPLE or V, got null");
        }
        return p;
    }

    static SamplerOptions checkOptions(SamplerOptions o) {
        if (o == null) {
            throw new IllegalArgumentException("options: expected SamplerOptions (SamplerOptions.DEFAULT), got null");
        }
        return o;
    }

    @Override
    public NoiseSchedule schedule() {
        return schedule;
    }

    @Override
    public Prediction prediction() {
        return prediction;
    }

    public double eta() {
        return eta;
    }

    public TimestepSpacing spacing() {
        return spacing;
    }

    /** The parameters of a run of {@code steps} steps. */
    public DdimSchedule parameters(int steps) {
        return DdimSchedule.of(schedule, steps, spacing, eta);
    }

    @Override
    public SamplerRun start(int steps, SamplerOptions options) {
        checkOptions(options);
        DdimSchedule d = parameters(steps);
        int n = d.length();
        int k = options.stepsToRun(n);
        SamplerRun.Plan plan = new SamplerRun.Plan();
        for (int i = k - 1; i >= 0; i--) {
            plan.eval(d.timestep(i), d.alpha(i)).endStep(d.alphaPrev(i));
        }
        return new Run(prediction, options, plan, k == n, d, k);
    }

    @Override
    public String toString() {
        return "DdimSampler[eta=" + eta + ", " + spacing + ", " + prediction + "]";
    }

    /** The reference's {@code pred_x0 = (x - sqrt(1 - a_t) e_t) / sqrt(a_t)}, with its float32 coefficients. */
    static Tensor x0FromEps(DdimSchedule d, int i, Tensor x, Tensor eps) {
        float sqrtA = (float) Math.sqrt(d.alpha(i));
        return x.sub(eps.mul(d.sqrtOneMinusAlpha(i))).div(sqrtA);
    }

    /**
     * DDIM eq. (12): {@code x_prev = sqrt(a_prev) x0 + sqrt(1 - a_prev - sigma^2) eps + sigma z}, in the reference's
     * float32 arithmetic ({@code (1 - a_prev - sigma^2)} clamped at 0 against rounding); no noise when sigma is 0.
     */
    static Tensor update(DdimSchedule d, int i, Tensor x0, Tensor eps, Rng rng) {
        float aPrev = d.alphaPrev(i);
        float sigma = d.sigma(i);
        float dir = (float) Math.sqrt(Math.max(0f, 1f - aPrev - sigma * sigma));
        Tensor out = x0.mul((float) Math.sqrt(aPrev)).add(eps.mul(dir));
        if (sigma > 0) {
            Tensor z = need(rng, "DDIM with eta > 0 adds noise").normal(x0.dtype(), x0.shape());
            out = out.add(z.mul(sigma));
        }
        return out;
    }

    private static Rng need(Rng rng, String why) {
        return SamplerRun.need(rng, why);
    }

    private static final class Run extends SamplerRun {
        private final DdimSchedule d;
        private final int k;

        Run(Prediction p, SamplerOptions o, Plan plan, boolean fromNoise, DdimSchedule d, int k) {
            super(p, o, plan, fromNoise, 1.0);
            this.d = d;
            this.k = k;
        }

        @Override
        void allocate(Tensor like) {
            // DDIM is one-step: no history
        }

        @Override
        Tensor advance(int e, Tensor x, Tensor out, Rng rng) {
            int i = k - 1 - e;
            Tensor eps = Predictions.eps(prediction(), out, x, d.alpha(i));
            Tensor x0 = prediction() == Prediction.EPSILON ? x0FromEps(d, i, x, eps)
                    : Predictions.x0(prediction(), out, x, d.alpha(i));
            setDenoised(x0);
            return update(d, i, x0, eps, rng);
        }
    }
}
