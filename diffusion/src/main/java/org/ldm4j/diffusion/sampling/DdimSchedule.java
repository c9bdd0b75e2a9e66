package org.ldm4j.diffusion.sampling;

import org.ldm4j.diffusion.NoiseSchedule;

/**
 * The DDIM sampling parameters exactly as the reference computes them ({@code make_ddim_timesteps} and
 * {@code make_ddim_sampling_parameters} in CompVis {@code ldm/modules/diffusionmodules/util.py}), in the
 * reference's precisions: the schedule's alphas_cumprod rounded to float32 (the sampler's buffer), alphas and
 * alphas_prev picked from it, sigmas computed in float64 from those float32 values (with the reference's float32
 * {@code 1 / (1 - a)}) and then rounded to float32, and {@code sqrt(1 - alphas)} in float32. Index {@code i} is the i-th timestep in ascending order; the sampler
 * walks from the last index to 0.
 *
 * <pre>{@code
 * DdimSchedule d = DdimSchedule.of(NoiseSchedule.linear(1000, 0.00085, 0.012), 50, TimestepSpacing.UNIFORM, 0.0);
 * int[] ts = d.timesteps();           // 1, 21, ..., 981
 * float aPrev0 = d.alphasPrev()[0];   // alphas_cumprod[0], not 1: the last step ends at t = 0
 * }</pre>
 */
public final class DdimSchedule {
    private final int[] timesteps;
    private final float[] alphas;
    private final float[] alphasPrev;
    private final double[] sigmasF64;
    private final float[] sigmas;
    private final float[] sqrtOneMinusAlphas;
    private final double eta;

    private DdimSchedule(int[] timesteps, float[] alphas, float[] alphasPrev, double[] sigmasF64, double eta) {
        this.timesteps = timesteps;
        this.alphas = alphas;
        this.alphasPrev = alphasPrev;
        this.sigmasF64 = sigmasF64;
        this.eta = eta;
        int n = timesteps.length;
        this.sigmas = new float[n];
        this.sqrtOneMinusAlphas = new float[n];
        for (int i = 0; i < n; i++) {
            sigmas[i] = (float) sigmasF64[i];
            // float32: sqrt(1 - a); a double sqrt rounded once to float is the correctly rounded float sqrt
            sqrtOneMinusAlphas[i] = (float) Math.sqrt(1f - alphas[i]);
        }
    }

    /**
     * The reference's {@code make_ddim_timesteps(method, steps, T)}: UNIFORM is {@code range(0, T, T // steps)},
     * QUAD is {@code int(linspace(0, sqrt(0.8 T), steps)^2)}; both plus one ("to get the final alpha values
     * right"). UNIFORM gives more than {@code steps} values when {@code steps} does not divide T (30 of 1000 gives
     * 31, as in the reference), and QUAD can repeat small timesteps (50 of 1000 starts 1, 1, 2): both kept as the
     * reference has them. Where the shift puts UNIFORM's last timestep at T ({@code T // steps} divides T - 1:
     * 3, 9 or 27 steps of 1000), the reference fails with an index error; here that timestep is dropped.
     */
    public static int[] timesteps(TimestepSpacing spacing, int steps, int numTrainTimesteps) {
        if (spacing == null) {
            throw new IllegalArgumentException("spacing: expected UNIFORM or QUAD, got null");
        }
        if (steps < 1 || steps > numTrainTimesteps) {
            throw new IllegalArgumentException("steps: expected 1 to " + numTrainTimesteps + " DDIM steps, got " + steps);
        }
        int[] ts;
        if (spacing == TimestepSpacing.UNIFORM) {
            int c = numTrainTimesteps / steps;
            int n = (numTrainTimesteps + c - 1) / c;
            if ((n - 1) * c + 1 >= numTrainTimesteps) {
                n--;      // the reference would index alphas_cumprod[T]
            }
            ts = new int[n];
            for (int i = 0; i < n; i++) {
                ts[i] = i * c + 1;
            }
        } else {
            // numpy linspace: start + i * step, with the last value set to stop exactly
            double stop = Math.sqrt(numTrainTimesteps * .8);
            double step = steps > 1 ? stop / (steps - 1) : 0;
            ts = new int[steps];
            for (int i = 0; i < steps; i++) {
                double v = steps > 1 && i == steps - 1 ? stop : i * step;
                ts[i] = (int) (v * v) + 1;
            }
        }
        if (ts.length == 0 || ts[ts.length - 1] >= numTrainTimesteps) {
            throw new IllegalArgumentException("steps: " + steps + " " + spacing + " steps do not fit a schedule of "
                    + numTrainTimesteps + " timesteps after the reference's +1 shift");
        }
        return ts;
    }

    /** The DDIM parameters for {@code steps} steps of {@code schedule} with stochasticity {@code eta} (0 = DDIM, 1 = DDPM-like). */
    public static DdimSchedule of(NoiseSchedule schedule, int steps, TimestepSpacing spacing, double eta) {
        if (schedule == null) {
            throw new IllegalArgumentException("schedule: expected a NoiseSchedule, got null");
        }
        if (!(eta >= 0) || Double.isInfinite(eta)) {
            throw new IllegalArgumentException("eta: expected a finite value >= 0, got " + eta);
        }
        int[] ts = timesteps(spacing, steps, schedule.length());
        int n = ts.length;
        float[] a = new float[n];
        float[] aPrev = new float[n];
        double[] sig = new double[n];
        for (int i = 0; i < n; i++) {
            // alphas = alphacums[ts]; alphas_prev = [alphacums[0]] + alphacums[ts[:-1]] (float32 buffer values)
            a[i] = (float) schedule.alphaCumprod(ts[i]);
            aPrev[i] = (float) schedule.alphaCumprod(i == 0 ? 0 : ts[i - 1]);
            // DDIM eq. (16): sigma = eta sqrt((1 - a_prev) / (1 - a) * (1 - a / a_prev)), in float64 from the float32
            // values, except that the reference's numpy / torch division runs as torch's __rtruediv__,
            // reciprocal(1 - a) * (1 - a_prev), with (1 - a) and its reciprocal in float32
            double ap = aPrev[i];
            double reciprocal = 1f / (1f - a[i]);
            sig[i] = eta * Math.sqrt(reciprocal * (1 - ap) * (1 - a[i] / ap));
        }
        return new DdimSchedule(ts, a, aPrev, sig, eta);
    }

    /** Number of steps (the length of every array here). */
    public int length() {
        return timesteps.length;
    }

    public double eta() {
        return eta;
    }

    /** The timesteps in ascending order (the reference's {@code ddim_timesteps}). */
    public int[] timesteps() {
        return timesteps.clone();
    }

    /** {@code alphas_cumprod[timesteps[i]]}, float32. */
    public float[] alphas() {
        return alphas.clone();
    }

    /** {@code alphas_cumprod[timesteps[i - 1]]}, and {@code alphas_cumprod[0]} for i = 0; float32. */
    public float[] alphasPrev() {
        return alphasPrev.clone();
    }

    /** The sigmas as computed, in float64. */
    public double[] sigmasF64() {
        return sigmasF64.clone();
    }

    /** The sigmas the sampler uses: float32. */
    public float[] sigmas() {
        return sigmas.clone();
    }

    /** {@code sqrt(1 - alphas)} in float32. */
    public float[] sqrtOneMinusAlphas() {
        return sqrtOneMinusAlphas.clone();
    }

    float alpha(int i) {
        return alphas[i];
    }

    float alphaPrev(int i) {
        return alphasPrev[i];
    }

    float sigma(int i) {
        return sigmas[i];
    }

    float sqrtOneMinusAlpha(int i) {
        return sqrtOneMinusAlphas[i];
    }

    int timestep(int i) {
        return timesteps[i];
    }
}
