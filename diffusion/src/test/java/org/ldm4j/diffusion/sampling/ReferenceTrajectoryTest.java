package org.ldm4j.diffusion.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.diffusion.Conditioning;
import org.ldm4j.diffusion.NoiseSchedule;
import org.ldm4j.diffusion.Prediction;

/**
 * Each sampler against a scalar float64 transcription of its reference algorithm (CompVis {@code p_sample},
 * {@code p_sample_ddim}, {@code p_sample_plms}; k-diffusion {@code sample_euler}, {@code sample_euler_ancestral},
 * {@code sample_heun}, {@code sample_dpmpp_2m}), run element by element with the analytic Gaussian denoiser
 * and the same noise (the initial draw, then one draw per noisy step, in the samplers' order). The moment tests
 * cannot see a wrong warm-up or multistep coefficient; this one does. Tolerance 2e-4 absolute (float32 tensors
 * against float64 scalars over up to 25 steps); measured: below 1e-6 for every sampler.
 */
@SuppressWarnings("try")   // scopes free what the test allocates
class ReferenceTrajectoryTest {
    static final NoiseSchedule SD = NoiseSchedule.linear(1000, 0.00085, 0.012);
    static final double MU = 0.3;
    static final double S2 = 0.36;
    static final SigmaSchedule SIG = SigmaSchedule.of(SD);
    static final long[] SHAPE = {1, 2, 3, 3};
    static final int N = 18;

    /** The analytic optimal eps at noise level abar. */
    static double eps(double x, double abar) {
        return Math.sqrt(1 - abar) * (x - Math.sqrt(abar) * MU) / (abar * S2 + 1 - abar);
    }

    /** k-diffusion's CompVisDenoiser around it: D(x, sigma) = x - sigma eps(x / sqrt(1 + sigma^2), t(sigma)). */
    static double denoise(double x, double sigma) {
        double abar = 1 / (1 + sigma * sigma);
        return x - sigma * eps(x * Math.sqrt(abar), abar);
    }

    @ParameterizedTest(name = "{0}-{1}")
    @CsvSource({"DDIM, 25", "DDIM_ETA1, 12", "DDIM_QUAD, 20", "PLMS, 25", "PLMS, 1", "PLMS, 4", "DDPM, 20",
        "EULER, 20", "EULER_ANCESTRAL, 20", "HEUN, 12", "DPMPP_2M, 20", "DPMPP_2M_KARRAS, 20"})
    void matchesTheReferenceAlgorithm(SamplerKind kind, int steps) {
        double[][] noise;
        float[] actual;
        try (MemoryScope scope = MemoryScope.open()) {
            Sampler s = kind.make(SD, Prediction.EPSILON);
            actual = s.sample(new AnalyticGaussian(MU, Math.sqrt(S2), Prediction.EPSILON, SD), Conditioning.NONE, SHAPE,
                    steps, new Rng(21), null).toFloatArray();
            Rng r = new Rng(21);
            int draws = s.start(steps).steps() + 1;      // DDIM-12 runs the reference's 13 steps
            noise = new double[draws][];
            for (int k = 0; k < draws; k++) {
                noise[k] = toDouble(r.normal(SHAPE).toFloatArray());
            }
        }
        double max = 0;
        for (int e = 0; e < N; e++) {
            double ref = reference(kind, steps, noise, e);
            max = Math.max(max, Math.abs(ref - actual[e]));
        }
        System.out.printf("reference trajectory %-16s %3d steps: max |java - float64 reference| = %.2e%n", kind, steps, max);
        assertEquals(0, max, 2e-4, kind + "-" + steps);
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    static double reference(SamplerKind kind, int steps, double[][] z, int e) {
        switch (kind) {
            case DDIM:
            case DDIM_ETA1:
            case DDIM_QUAD:
                return ddim(DdimSchedule.of(SD, steps, kind == SamplerKind.DDIM_QUAD ? TimestepSpacing.QUAD
                        : TimestepSpacing.UNIFORM, kind == SamplerKind.DDIM_ETA1 ? 1 : 0), z, e);
            case PLMS:
                return plms(DdimSchedule.of(SD, steps, TimestepSpacing.UNIFORM, 0), z[0][e]);
            case DDPM:
                return ddpm(steps, z, e);
            case DPMPP_2M:
            case DPMPP_2M_KARRAS:
                return dpmpp2m(kind == SamplerKind.DPMPP_2M ? SIG.uniform(steps) : SIG.karras(steps, 7), z[0][e]);
            default:
                return kdiff(kind, SIG.uniform(steps), z, e);
        }
    }

    /** p_sample_ddim over time_range = flip(ddim_timesteps). */
    static double ddim(DdimSchedule d, double[][] z, int e) {
        double x = z[0][e];
        int draw = 1;
        for (int index = d.length() - 1; index >= 0; index--) {
            double a = d.alphas()[index];
            double ap = d.alphasPrev()[index];
            double sig = d.sigmas()[index];
            double et = eps(x, a);
            double x0 = (x - Math.sqrt(1 - a) * et) / Math.sqrt(a);
            x = Math.sqrt(ap) * x0 + Math.sqrt(1 - ap - sig * sig) * et + (sig > 0 ? sig * z[draw++][e] : 0);
        }
        return x;
    }

    /** p_sample_plms with its old_eps list. */
    static double plms(DdimSchedule d, double x) {
        java.util.List<Double> old = new java.util.ArrayList<>();
        int n = d.length();
        for (int i = 0; i < n; i++) {
            int index = n - i - 1;
            int nextIndex = n - Math.min(i + 1, n - 1) - 1;
            double a = d.alphas()[index];
            double ap = d.alphasPrev()[index];
            double et = eps(x, a);
            double ePrime;
            if (old.isEmpty()) {
                double xPrev = prev(x, et, a, ap);
                double etNext = eps(xPrev, d.alphas()[nextIndex]);
                ePrime = (et + etNext) / 2;
            } else if (old.size() == 1) {
                ePrime = (3 * et - old.get(0)) / 2;
            } else if (old.size() == 2) {
                ePrime = (23 * et - 16 * old.get(1) + 5 * old.get(0)) / 12;
            } else {
                ePrime = (55 * et - 59 * old.get(2) + 37 * old.get(1) - 9 * old.get(0)) / 24;
            }
            x = prev(x, ePrime, a, ap);
            old.add(et);
            if (old.size() >= 4) {
                old.remove(0);
            }
        }
        return x;
    }

    private static double prev(double x, double et, double a, double ap) {
        double x0 = (x - Math.sqrt(1 - a) * et) / Math.sqrt(a);
        return Math.sqrt(ap) * x0 + Math.sqrt(1 - ap) * et;
    }

    /** p_sample over the full chain (steps = T) or DdpmSampler's respaced one. */
    static double ddpm(int steps, double[][] z, int e) {
        int[] ts = new DdpmSampler(SD, Prediction.EPSILON).timesteps(steps);
        double x = z[0][e];
        for (int j = 0; j < ts.length; j++) {
            double a = SD.alphaCumprod(ts[j]);
            double ap = j + 1 < ts.length ? SD.alphaCumprod(ts[j + 1]) : 1;
            double beta = 1 - a / ap;
            double x0 = (x - Math.sqrt(1 - a) * eps(x, a)) / Math.sqrt(a);
            double mean = beta * Math.sqrt(ap) / (1 - a) * x0 + (1 - ap) * Math.sqrt(1 - beta) / (1 - a) * x;
            double var = beta * (1 - ap) / (1 - a);
            x = mean + (j + 1 < ts.length ? Math.sqrt(var) * z[j + 1][e] : 0);
        }
        return x;
    }

    /** sample_euler, sample_euler_ancestral (eta 1) and sample_heun, without churn, on x = x0 + sigma eps. */
    static double kdiff(SamplerKind kind, double[] s, double[][] z, int e) {
        double x = z[0][e] * s[0];
        int draw = 1;
        for (int i = 0; i + 1 < s.length; i++) {
            double den = denoise(x, s[i]);
            double d = (x - den) / s[i];
            if (kind == SamplerKind.EULER_ANCESTRAL) {
                double up = Math.min(s[i + 1], Math.sqrt(s[i + 1] * s[i + 1] * (s[i] * s[i] - s[i + 1] * s[i + 1])
                        / (s[i] * s[i])));
                double down = Math.sqrt(s[i + 1] * s[i + 1] - up * up);
                x = x + d * (down - s[i]);
                if (s[i + 1] > 0) {
                    x = x + z[draw++][e] * up;
                }
            } else if (kind == SamplerKind.HEUN && s[i + 1] > 0) {
                double dt = s[i + 1] - s[i];
                double x2 = x + d * dt;
                double d2 = (x2 - denoise(x2, s[i + 1])) / s[i + 1];
                x = x + (d + d2) / 2 * dt;
            } else {
                x = x + d * (s[i + 1] - s[i]);
            }
        }
        return x;
    }

    /** sample_dpmpp_2m. */
    static double dpmpp2m(double[] s, double x) {
        x *= s[0];
        Double old = null;
        for (int i = 0; i + 1 < s.length; i++) {
            double den = denoise(x, s[i]);
            if (s[i + 1] == 0) {
                x = den;
            } else {
                double t = -Math.log(s[i]);
                double tn = -Math.log(s[i + 1]);
                double h = tn - t;
                double dd = den;
                if (old != null) {
                    double r = (t + Math.log(s[i - 1])) / h;
                    dd = (1 + 1 / (2 * r)) * den - 1 / (2 * r) * old;
                }
                x = s[i + 1] / s[i] * x - Math.expm1(-h) * dd;
            }
            old = den;
        }
        return x;
    }
}
