package org.ldm4j.diffusion;

import java.util.Arrays;

/**
 * A discrete noise schedule: betas and everything derived from them, computed in double precision as the
 * reference does ({@code make_beta_schedule} and {@code register_schedule}), for any number of steps.
 *
 * <pre>{@code
 * NoiseSchedule s = NoiseSchedule.linear(1000, 0.00085, 0.012);       // LDM and Stable Diffusion
 * double abar = s.alphaCumprod(999);
 * }</pre>
 */
public final class NoiseSchedule {
    /** The reference's schedule kinds (diffusers' {@code scaled_linear} is {@link #LINEAR}). */
    public enum Kind {
        /** {@code linspace(sqrt(start), sqrt(end), n)^2} (LDM's "linear", diffusers' "scaled_linear"). */
        LINEAR,
        /** Nichol and Dhariwal's cosine schedule with offset {@code s}, betas clipped at 0.999. */
        COSINE,
        /** {@code linspace(start, end, n)} (the reference's "sqrt_linear", named after its alphas). */
        SQRT_LINEAR,
        /** {@code linspace(start, end, n)^0.5} (the reference's "sqrt"). */
        SQRT
    }

    private final Kind kind;
    private final double[] betas;
    private final double[] alphasCumprod;
    private final boolean zeroTerminalSnr;

    private NoiseSchedule(Kind kind, double[] betas, boolean zeroTerminalSnr) {
        for (int t = 0; t < betas.length; t++) {
            if (!(betas[t] > 0 && betas[t] <= 1)) {
                throw new IllegalArgumentException("betas: expected values in (0, 1], got " + betas[t] + " at t=" + t);
            }
        }
        this.kind = kind;
        this.betas = betas;
        this.zeroTerminalSnr = zeroTerminalSnr;
        this.alphasCumprod = new double[betas.length];
        double acc = 1;
        for (int t = 0; t < betas.length; t++) {
            acc *= 1 - betas[t];
            alphasCumprod[t] = acc;
        }
    }

    private static void checkLength(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("n: expected at least one timestep, got " + n);
        }
    }

    private static void checkRange(double start, double end) {
        if (!(start > 0 && end > 0 && start <= 1 && end <= 1)) {
            throw new IllegalArgumentException("linear schedule: expected start and end in (0, 1], got " + start
                    + " and " + end);
        }
    }

    /**
     * {@code torch.linspace(a, b, n, dtype=torch.float64)} on the CPU, bit for bit (PyTorch 1.13's AVX2 kernel, which
     * produced the reference fixtures): {@code step = (b - a) / (n - 1)}; the first half counts up from {@code a},
     * the second half down from {@code b}, and the values come in 4-lane vectors (two per iteration while at least
     * 8 remain, then one by one) whose lanes are {@code base + j * step}, where the whole vector takes the half of
     * its first index. The compiler contracts {@code a + step * i} into a fused multiply-add. A plain
     * {@code a + (b - a) * i / (n - 1)} differs in the last bit for about a third of the values of a 1000-step
     * schedule.
     */
    static double[] linspace(double a, double b, int n) {
        double[] v = new double[n];
        if (n == 1) {
            v[0] = a;                                      // torch fills with start
            return v;
        }
        double step = (b - a) / (n - 1);
        int half = n / 2;
        int i = 0;
        for (; i <= n - 8; i += 8) {                       // vectorized: two blocks of 4 lanes per iteration
            for (int k = i; k < i + 8; k += 4) {
                double base = k < half ? Math.fma(step, k, a) : Math.fma(-step, n - k - 1, b);
                for (int j = 0; j < 4; j++) {
                    v[k + j] = Math.fma(j, step, base);
                }
            }
        }
        for (; i < n; i++) {                               // scalar tail
            v[i] = i < half ? Math.fma(step, i, a) : Math.fma(-step, n - i - 1, b);
        }
        return v;
    }

    /** LDM's "linear" schedule: {@code linspace(sqrt(start), sqrt(end), n)^2}. */
    public static NoiseSchedule linear(int n, double start, double end) {
        checkLength(n);
        checkRange(start, end);
        double[] b = linspace(Math.sqrt(start), Math.sqrt(end), n);
        for (int i = 0; i < n; i++) {
            b[i] = b[i] * b[i];
        }
        return new NoiseSchedule(Kind.LINEAR, b, false);
    }

    /** diffusers' name for {@link #linear}. */
    public static NoiseSchedule scaledLinear(int n, double start, double end) {
        return linear(n, start, end);
    }

    /** The reference's "sqrt_linear": {@code linspace(start, end, n)}. */
    public static NoiseSchedule sqrtLinear(int n, double start, double end) {
        checkLength(n);
        checkRange(start, end);
        return new NoiseSchedule(Kind.SQRT_LINEAR, linspace(start, end, n), false);
    }

    /** The reference's "sqrt": {@code linspace(start, end, n)^0.5}. */
    public static NoiseSchedule sqrt(int n, double start, double end) {
        checkLength(n);
        checkRange(start, end);
        double[] b = linspace(start, end, n);
        for (int i = 0; i < n; i++) {
            b[i] = Math.sqrt(b[i]);
        }
        return new NoiseSchedule(Kind.SQRT, b, false);
    }

    /** The cosine schedule with offset {@code s} (the reference's default 8e-3), betas clipped at 0.999. */
    public static NoiseSchedule cosine(int n, double s) {
        checkLength(n);
        if (!(s >= 0)) {
            throw new IllegalArgumentException("s: expected a non-negative offset, got " + s);
        }
        double[] f = new double[n + 1];
        for (int i = 0; i <= n; i++) {
            double c = Math.cos(((double) i / n + s) / (1 + s) * Math.PI / 2);
            f[i] = c * c;
        }
        double[] b = new double[n];
        for (int i = 0; i < n; i++) {
            double a0 = f[i] / f[0];
            double a1 = f[i + 1] / f[0];
            b[i] = Math.min(Math.max(1 - a1 / a0, 0), 0.999);
        }
        return new NoiseSchedule(Kind.COSINE, b, false);
    }

    /** The same kind of schedule, of the given kind and parameters ({@code s} is used by COSINE only). */
    public static NoiseSchedule of(Kind kind, int n, double start, double end, double s) {
        switch (kind) {
            case LINEAR:
                return linear(n, start, end);
            case SQRT_LINEAR:
                return sqrtLinear(n, start, end);
            case SQRT:
                return sqrt(n, start, end);
            default:
                return cosine(n, s);
        }
    }

    /**
     * The schedule rescaled to zero terminal SNR (Lin et al. 2023, "Common Diffusion Noise Schedules and Sample
     * Steps are Flawed"): sqrt(alphas_cumprod) shifted so that its last value is 0 and scaled so that its first
     * is unchanged. The last beta becomes 1; use it with v-prediction.
     */
    public NoiseSchedule rescaledToZeroTerminalSnr() {
        int n = betas.length;
        double[] a = new double[n];
        for (int t = 0; t < n; t++) {
            a[t] = Math.sqrt(alphasCumprod[t]);
        }
        double first = a[0];
        double last = a[n - 1];
        if (!(first > last)) {
            throw new IllegalStateException("rescaledToZeroTerminalSnr: needs at least two distinct steps");
        }
        double[] b = new double[n];
        double prev = 1;
        for (int t = 0; t < n; t++) {
            double r = (a[t] - last) * (first / (first - last));      // diffusers' order of operations
            double ac = r * r;
            b[t] = t == n - 1 ? 1.0 : 1 - ac / prev;
            prev = ac;
        }
        return new NoiseSchedule(kind, b, true);
    }

    public Kind kind() {
        return kind;
    }

    public boolean isZeroTerminalSnr() {
        return zeroTerminalSnr;
    }

    /** Number of timesteps T (t runs over 0..T-1). */
    public int length() {
        return betas.length;
    }

    public double beta(int t) {
        return betas[check(t)];
    }

    public double[] betas() {
        return betas.clone();
    }

    /** {@code prod_{s <= t} (1 - beta_s)}. */
    public double alphaCumprod(int t) {
        return alphasCumprod[check(t)];
    }

    public double[] alphasCumprod() {
        return alphasCumprod.clone();
    }

    /** {@code alphas_cumprod[t - 1]}, 1 at t = 0. */
    public double alphaCumprodPrev(int t) {
        return check(t) == 0 ? 1.0 : alphasCumprod[t - 1];
    }

    public double[] alphasCumprodPrev() {
        double[] p = new double[betas.length];
        p[0] = 1;
        System.arraycopy(alphasCumprod, 0, p, 1, betas.length - 1);
        return p;
    }

    /** Signal-to-noise ratio {@code abar / (1 - abar)}. */
    public double snr(int t) {
        double a = alphaCumprod(t);
        return a / (1 - a);
    }

    /** Variance of q(x_{t-1} | x_t, x_0): {@code beta_t (1 - abar_{t-1}) / (1 - abar_t)}. */
    public double posteriorVariance(int t) {
        return beta(t) * (1 - alphaCumprodPrev(t)) / (1 - alphaCumprod(t));
    }

    /** {@code log(max(posterior variance, 1e-20))}, the reference's clipped log-variance. */
    public double posteriorLogVarianceClipped(int t) {
        return Math.log(Math.max(posteriorVariance(t), 1e-20));
    }

    /** Coefficient of x_0 in the posterior mean: {@code beta_t sqrt(abar_{t-1}) / (1 - abar_t)}. */
    public double posteriorMeanCoef1(int t) {
        return beta(t) * Math.sqrt(alphaCumprodPrev(t)) / (1 - alphaCumprod(t));
    }

    /** Coefficient of x_t in the posterior mean: {@code (1 - abar_{t-1}) sqrt(alpha_t) / (1 - abar_t)}. */
    public double posteriorMeanCoef2(int t) {
        return (1 - alphaCumprodPrev(t)) * Math.sqrt(1 - beta(t)) / (1 - alphaCumprod(t));
    }

    private int check(int t) {
        if (t < 0 || t >= betas.length) {
            throw new IndexOutOfBoundsException("t: expected a timestep in [0, " + betas.length + "), got " + t);
        }
        return t;
    }

    @Override
    public String toString() {
        return "NoiseSchedule[" + kind + ", T=" + betas.length + (zeroTerminalSnr ? ", zero terminal SNR" : "")
                + ", beta " + betas[0] + " .. " + betas[betas.length - 1] + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NoiseSchedule s && s.kind == kind && Arrays.equals(s.betas, betas)
                && s.zeroTerminalSnr == zeroTerminalSnr;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(betas);
    }
}
