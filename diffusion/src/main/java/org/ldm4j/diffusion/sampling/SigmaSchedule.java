package org.ldm4j.diffusion.sampling;

import org.ldm4j.diffusion.NoiseSchedule;

/**
 * A discrete schedule seen as noise levels {@code sigma_t = sqrt((1 - abar_t) / abar_t)}, as k-diffusion's
 * {@code DiscreteSchedule} sees it (Karras et al. 2022, "Elucidating the Design Space of Diffusion-Based
 * Generative Models"): sigmas for n steps (timesteps spaced uniformly, or Karras' rho spacing), and the
 * conversions between fractional timesteps and sigmas by linear interpolation of log sigma. In double precision.
 *
 * <pre>{@code
 * SigmaSchedule s = SigmaSchedule.of(NoiseSchedule.linear(1000, 0.00085, 0.012));
 * double[] sig = s.karras(30, 7.0);        // 30 sigmas from sigma_max down to sigma_min, then 0
 * double t = s.timestep(sig[5]);           // fractional timestep the model is evaluated at
 * }</pre>
 */
public final class SigmaSchedule {
    private final double[] logSigmas;

    private SigmaSchedule(double[] logSigmas) {
        this.logSigmas = logSigmas;
    }

    public static SigmaSchedule of(NoiseSchedule schedule) {
        DdimSampler.checkSchedule(schedule);
        int n = schedule.length();
        if (n < 2) {
            throw new IllegalArgumentException("schedule: expected at least 2 timesteps to interpolate, got " + n);
        }
        double[] ls = new double[n];
        for (int t = 0; t < n; t++) {
            double a = schedule.alphaCumprod(t);
            if (!(a > 0 && a < 1)) {
                throw new IllegalArgumentException("schedule: sigmas need alphas_cumprod in (0, 1), got " + a + " at t="
                        + t + " (a zero-terminal-SNR schedule has an infinite last sigma)");
            }
            ls[t] = 0.5 * Math.log((1 - a) / a);
        }
        return new SigmaSchedule(ls);
    }

    /** Number of training timesteps. */
    public int length() {
        return logSigmas.length;
    }

    public double sigmaMin() {
        return Math.exp(logSigmas[0]);
    }

    public double sigmaMax() {
        return Math.exp(logSigmas[logSigmas.length - 1]);
    }

    /** k-diffusion's {@code t_to_sigma}: log sigma interpolated linearly between the neighbouring timesteps. */
    public double sigma(double t) {
        if (!(t >= 0 && t <= logSigmas.length - 1)) {
            throw new IllegalArgumentException("t: expected a timestep in [0, " + (logSigmas.length - 1) + "], got " + t);
        }
        int lo = (int) Math.floor(t);
        int hi = (int) Math.ceil(t);
        double w = t - lo;
        return Math.exp((1 - w) * logSigmas[lo] + w * logSigmas[hi]);
    }

    /** {@code abar} at a fractional timestep: {@code 1 / (1 + sigma(t)^2)}. */
    public double alphaCumprod(double t) {
        double s = sigma(t);
        return 1 / (1 + s * s);
    }

    /**
     * k-diffusion's {@code sigma_to_t}: the fractional timestep whose interpolated sigma is {@code sigma}, clamped
     * to [0, T-1] outside the schedule's range.
     */
    public double timestep(double sigma) {
        if (!(sigma > 0) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException("sigma: expected a finite positive noise level, got " + sigma);
        }
        double ls = Math.log(sigma);
        int n = logSigmas.length;
        // low = the last index whose log sigma is <= log(sigma) (0 when none is), at most n - 2
        int low = 0;
        for (int i = 0; i < n && ls - logSigmas[i] >= 0; i++) {
            low = i;
        }
        low = Math.min(low, n - 2);
        int high = low + 1;
        double w = (logSigmas[low] - ls) / (logSigmas[low] - logSigmas[high]);
        w = Math.min(Math.max(w, 0), 1);
        return (1 - w) * low + w * high;
    }

    /** k-diffusion's {@code get_sigmas(n)}: sigmas at timesteps {@code linspace(T-1, 0, n)}, then 0 ({@code n + 1} values). */
    public double[] uniform(int n) {
        checkSteps(n);
        double[] s = new double[n + 1];
        int tMax = logSigmas.length - 1;
        for (int i = 0; i < n; i++) {
            double t = n == 1 ? tMax : tMax - (double) tMax * i / (n - 1);
            s[i] = sigma(Math.max(0, t));
        }
        return s;
    }

    /**
     * Karras et al. (2022) eq. (5): {@code sigma_i = (sigma_max^(1/rho) + i/(n-1) (sigma_min^(1/rho) - sigma_max^(1/rho)))^rho},
     * then 0 ({@code n + 1} values); k-diffusion's {@code get_sigmas_karras} with the schedule's sigma range.
     */
    public double[] karras(int n, double rho) {
        checkSteps(n);
        if (!(rho > 0) || Double.isInfinite(rho)) {
            throw new IllegalArgumentException("rho: expected a finite positive value (7 in Karras et al.), got " + rho);
        }
        double minInv = Math.pow(sigmaMin(), 1 / rho);
        double maxInv = Math.pow(sigmaMax(), 1 / rho);
        double[] s = new double[n + 1];
        for (int i = 0; i < n; i++) {
            double ramp = n == 1 ? 0 : (double) i / (n - 1);
            s[i] = Math.pow(maxInv + ramp * (minInv - maxInv), rho);
        }
        return s;
    }

    private static void checkSteps(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("n: expected at least one step, got " + n);
        }
    }
}
