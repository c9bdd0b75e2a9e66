package org.ldm4j.diffusion;

import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * The forward process q(x_t | x_0) of a {@link NoiseSchedule}, the conversions between the three
 * {@link Prediction} parameterisations, and the posterior q(x_{t-1} | x_t, x_0): the tensor side of the
 * reference's {@code DDPM} ({@code q_sample}, {@code predict_start_from_noise}, {@code q_posterior},
 * {@code p_mean_variance}, {@code get_v}).
 *
 * <p>Tensors are [B, ...] with the batch first (latents [B, C, H, W]); timesteps are one per sample, a tensor [B]
 * of int64, int32 or whole-number floating-point values in [0, T). Each schedule coefficient is computed in double and
 * gathered per sample as a [B, 1, ..., 1] tensor in the data's dtype (as the reference's float32 buffers and
 * {@code extract_into_tensor}), and everything else is composed of core ops, so gradients flow through every
 * tensor argument.
 *
 * <pre>{@code
 * DiffusionProcess p = new DiffusionProcess(NoiseSchedule.linear(1000, 0.00085, 0.012), Prediction.EPSILON);
 * Tensor t = Tensor.of(new long[] {10, 900}, 2);
 * Tensor xt = p.qSample(x0, t, noise);               // sqrt(abar_t) x0 + sqrt(1 - abar_t) eps
 * Tensor x0Hat = p.predictX0(xt, t, eps);            // back to x0
 * DiffusionProcess.Posterior q = p.qPosterior(x0, xt, t);
 * }</pre>
 */
public final class DiffusionProcess {
    /** The range the reference clamps x_0 predictions to when {@code clip_denoised} is set. */
    public static final double CLIP_MIN = -1;
    /** The upper end of {@link #CLIP_MIN}'s range. */
    public static final double CLIP_MAX = 1;

    /**
     * A Gaussian over x_{t-1}: {@code mean} of the data's shape, {@code variance} and its (clipped) log
     * {@code logVariance} as [B, 1, ..., 1] tensors that broadcast over it.
     *
     * <pre>{@code
     * DiffusionProcess.Posterior q = process.qPosterior(x0, xt, t);
     * Tensor sample = q.mean().add(q.logVariance().mul(0.5).exp().mul(z));
     * }</pre>
     */
    public record Posterior(Tensor mean, Tensor variance, Tensor logVariance) {
    }

    private final NoiseSchedule schedule;
    private final Prediction prediction;
    private final double[] sqrtAlphasCumprod;
    private final double[] sqrtOneMinusAlphasCumprod;
    private final double[] sqrtRecipAlphasCumprod;
    private final double[] sqrtRecipm1AlphasCumprod;
    private final double[] posteriorVariance;
    private final double[] posteriorLogVarianceClipped;
    private final double[] posteriorMeanCoef1;
    private final double[] posteriorMeanCoef2;

    public DiffusionProcess(NoiseSchedule schedule, Prediction prediction) {
        if (schedule == null || prediction == null) {
            throw new IllegalArgumentException("DiffusionProcess: expected a schedule and a prediction, got "
                    + schedule + " and " + prediction);
        }
        this.schedule = schedule;
        this.prediction = prediction;
        int n = schedule.length();
        sqrtAlphasCumprod = new double[n];
        sqrtOneMinusAlphasCumprod = new double[n];
        sqrtRecipAlphasCumprod = new double[n];
        sqrtRecipm1AlphasCumprod = new double[n];
        posteriorVariance = new double[n];
        posteriorLogVarianceClipped = new double[n];
        posteriorMeanCoef1 = new double[n];
        posteriorMeanCoef2 = new double[n];
        for (int t = 0; t < n; t++) {
            double abar = schedule.alphaCumprod(t);
            sqrtAlphasCumprod[t] = Math.sqrt(abar);
            sqrtOneMinusAlphasCumprod[t] = Math.sqrt(1 - abar);
            sqrtRecipAlphasCumprod[t] = Math.sqrt(1 / abar);              // infinite at zero terminal SNR
            sqrtRecipm1AlphasCumprod[t] = Math.sqrt(1 / abar - 1);
            posteriorVariance[t] = schedule.posteriorVariance(t);
            posteriorLogVarianceClipped[t] = schedule.posteriorLogVarianceClipped(t);
            posteriorMeanCoef1[t] = schedule.posteriorMeanCoef1(t);
            posteriorMeanCoef2[t] = schedule.posteriorMeanCoef2(t);
        }
    }

    public NoiseSchedule schedule() {
        return schedule;
    }

    public Prediction prediction() {
        return prediction;
    }

    /** T, the number of timesteps. */
    public int numTimesteps() {
        return schedule.length();
    }

    /**
     * The timesteps of {@code t} as longs, after checking that it is [B] for {@code x}'s batch B and in [0, T):
     * the validation every method here applies.
     */
    public long[] timesteps(Tensor t, Tensor x) {
        checkData("x", x);
        return Timesteps.check("t", t, x.size(0), schedule.length());
    }

    // ---------------------------------------------------------------- forward process

    /** Forward process (DDPM eq. 4): {@code x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps}. */
    public Tensor qSample(Tensor x0, Tensor t, Tensor noise) {
        long[] ts = timesteps(t, x0);
        checkLike("noise", noise, x0);
        return coef(sqrtAlphasCumprod, ts, x0).mul(x0).add(coef(sqrtOneMinusAlphasCumprod, ts, x0).mul(noise));
    }

    /** The velocity (Salimans and Ho 2022): {@code v = sqrt(abar_t) eps - sqrt(1 - abar_t) x0}. */
    public Tensor v(Tensor x0, Tensor t, Tensor noise) {
        long[] ts = timesteps(t, x0);
        checkLike("noise", noise, x0);
        return coef(sqrtAlphasCumprod, ts, x0).mul(noise).sub(coef(sqrtOneMinusAlphasCumprod, ts, x0).mul(x0));
    }

    /** What the denoiser should output under this process's {@link Prediction}: eps, x0 or v. */
    public Tensor target(Tensor x0, Tensor t, Tensor noise) {
        switch (prediction) {
            case EPSILON:
                timesteps(t, x0);
                checkLike("noise", noise, x0);
                return noise;
            case SAMPLE:
                timesteps(t, x0);
                checkLike("noise", noise, x0);
                return x0;
            default:
                return v(x0, t, noise);
        }
    }

    // ---------------------------------------------------------------- conversions

    /**
     * The x_0 estimate from a model {@code output} at x_t:
     * EPSILON {@code sqrt(1/abar) x_t - sqrt(1/abar - 1) eps} (the reference's {@code predict_start_from_noise};
     * undefined where abar = 0), SAMPLE the output itself, V {@code sqrt(abar) x_t - sqrt(1 - abar) v}.
     */
    public Tensor predictX0(Tensor xt, Tensor t, Tensor output) {
        long[] ts = timesteps(t, xt);
        checkLike("output", output, xt);
        switch (prediction) {
            case EPSILON:
                return coef(sqrtRecipAlphasCumprod, ts, xt).mul(xt)
                        .sub(coef(sqrtRecipm1AlphasCumprod, ts, xt).mul(output));
            case SAMPLE:
                return output;
            default:
                return coef(sqrtAlphasCumprod, ts, xt).mul(xt).sub(coef(sqrtOneMinusAlphasCumprod, ts, xt).mul(output));
        }
    }

    /** As {@link #predictX0(Tensor, Tensor, Tensor)}, clamped to [-1, 1] when {@code clipDenoised} is set. */
    public Tensor predictX0(Tensor xt, Tensor t, Tensor output, boolean clipDenoised) {
        Tensor x0 = predictX0(xt, t, output);
        return clipDenoised ? x0.clamp(CLIP_MIN, CLIP_MAX) : x0;
    }

    /**
     * The noise estimate from a model {@code output} at x_t: EPSILON the output itself,
     * SAMPLE {@code (x_t - sqrt(abar) x0) / sqrt(1 - abar)}, V {@code sqrt(abar) v + sqrt(1 - abar) x_t}.
     */
    public Tensor predictEps(Tensor xt, Tensor t, Tensor output) {
        long[] ts = timesteps(t, xt);
        checkLike("output", output, xt);
        switch (prediction) {
            case EPSILON:
                return output;
            case SAMPLE:
                return xt.sub(coef(sqrtAlphasCumprod, ts, xt).mul(output)).div(coef(sqrtOneMinusAlphasCumprod, ts, xt));
            default:
                return coef(sqrtAlphasCumprod, ts, xt).mul(output).add(coef(sqrtOneMinusAlphasCumprod, ts, xt).mul(xt));
        }
    }

    // ---------------------------------------------------------------- posterior

    /**
     * The posterior q(x_{t-1} | x_t, x_0) (DDPM eqs. 6-7): mean {@code coef1_t x0 + coef2_t x_t}, variance
     * {@code beta_t (1 - abar_{t-1}) / (1 - abar_t)} and {@code log(max(variance, 1e-20))}.
     */
    public Posterior qPosterior(Tensor x0, Tensor xt, Tensor t) {
        long[] ts = timesteps(t, xt);
        checkLike("x0", x0, xt);
        Tensor mean = coef(posteriorMeanCoef1, ts, xt).mul(x0).add(coef(posteriorMeanCoef2, ts, xt).mul(xt));
        return new Posterior(mean, coef(posteriorVariance, ts, xt), coef(posteriorLogVarianceClipped, ts, xt));
    }

    /**
     * The model's p(x_{t-1} | x_t) (the reference's {@code p_mean_variance}): the posterior around the x_0 that
     * {@code output} predicts, clamped to [-1, 1] first when {@code clipDenoised} is set.
     */
    public Posterior pMeanVariance(Tensor xt, Tensor t, Tensor output, boolean clipDenoised) {
        return qPosterior(predictX0(xt, t, output, clipDenoised), xt, t);
    }

    // ---------------------------------------------------------------- helpers

    private static Tensor coef(double[] table, long[] t, Tensor like) {
        return Timesteps.gather(table, t, like);
    }

    private static void checkData(String arg, Tensor x) {
        if (x == null) {
            throw new IllegalArgumentException(arg + ": expected a tensor [B, ...], got null");
        }
        if (x.rank() < 1) {
            throw new IllegalArgumentException(arg + ": expected a batch [B, ...] of rank at least 1, got "
                    + Shapes.str(x.shape()));
        }
        Shapes.checkFloating(arg, x);
    }

    private static void checkLike(String arg, Tensor y, Tensor x) {
        if (y == null) {
            throw new IllegalArgumentException(arg + ": expected a tensor of shape " + Shapes.str(x.shape())
                    + ", got null");
        }
        Shapes.checkShape(arg, y, x.shape());
        Shapes.checkSameDType(arg, x, y);
    }

    @Override
    public String toString() {
        return "DiffusionProcess[" + prediction + ", " + schedule + "]";
    }
}
