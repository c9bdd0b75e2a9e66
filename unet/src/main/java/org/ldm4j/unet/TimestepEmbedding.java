package org.ldm4j.unet;

import org.ldm4j.core.autograd.ShapeOps;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * The sinusoidal timestep embedding of the U-Net ({@code ldm.modules.diffusionmodules.util.timestep_embedding}):
 * with {@code half = dim / 2} and {@code freqs[i] = exp(-ln(maxPeriod) * i / half)},
 * {@code emb = [cos(t * freqs), sin(t * freqs)]} (cosine first), plus a zero column when {@code dim} is odd.
 *
 * <p>Everything is computed in the requested dtype, as the reference does for a model of that dtype: in float32 the
 * frequencies are bit-identical to PyTorch's (its vectorised {@code exp}, see {@link #expf}); in float64 they are
 * computed in double, as in the float64 reference run (half-precision types use the float32 frequencies).
 * Timesteps may be fractional; they are converted to the dtype first ({@code timesteps.float()}).
 *
 * <pre>{@code
 * Tensor t = Tensor.of(new float[] {10, 900}, 2);
 * Tensor emb = TimestepEmbedding.timestepEmbedding(t, 32, DType.FLOAT32);   // [2, 32]
 * }</pre>
 */
public final class TimestepEmbedding {
    /** The reference's default {@code max_period}. */
    public static final double MAX_PERIOD = 10000;

    private TimestepEmbedding() {
    }

    /** {@link #timestepEmbedding(Tensor, int, double, DType)} with {@code maxPeriod = 10000}. */
    public static Tensor timestepEmbedding(Tensor timesteps, int dim, DType dtype) {
        return timestepEmbedding(timesteps, dim, MAX_PERIOD, dtype);
    }

    /**
     * timesteps [N] (integer or floating) -> [N, dim] in {@code dtype}.
     */
    public static Tensor timestepEmbedding(Tensor timesteps, int dim, double maxPeriod, DType dtype) {
        Shapes.checkRank("timesteps", timesteps, 1);
        if (dim < 1) {
            throw new IllegalArgumentException("dim: expected a positive embedding width, got " + dim);
        }
        if (!(maxPeriod > 0)) {
            throw new IllegalArgumentException("maxPeriod: expected a positive period, got " + maxPeriod);
        }
        if (dtype == null || !dtype.isFloating()) {
            throw new IllegalArgumentException("dtype: expected a floating-point type, got " + dtype);
        }
        long n = timesteps.size(0);
        int half = dim / 2;
        Tensor t = timesteps.to(dtype).reshape(n, 1);                                   // (N, 1)
        Tensor freqs = dtype == DType.FLOAT64 ? Tensor.of(frequencies64(half, maxPeriod), 1, half)
                : Tensor.of(frequencies(half, maxPeriod), 1, half).to(dtype);              // (1, half)
        Tensor args = t.mul(freqs);                                                     // (N, half)
        Tensor emb = ShapeOps.concat(1, args.cos(), args.sin());                        // (N, 2 * half)
        if (dim % 2 == 1) {
            emb = ShapeOps.concat(1, emb, Tensor.zeros(dtype, n, 1));
        }
        return emb;
    }

    /**
     * The float32 frequencies with the reference's float32 arithmetic, {@code exp(float32(-ln(maxPeriod)) * i / half)},
     * each step rounded to float32 and the exponential evaluated as PyTorch's CPU kernel does (SLEEF's
     * {@code expf_u10}, see {@link #expf}), so that the frequencies are bit-identical to the reference's.
     */
    static float[] frequencies(int half, double maxPeriod) {
        float[] f = new float[half];
        float scale = (float) -Math.log(maxPeriod);
        for (int i = 0; i < half; i++) {
            float exponent = scale * (float) i / (float) half;
            f[i] = expf(exponent);
        }
        return f;
    }

    /** The frequencies in float64: {@code exp(-ln(maxPeriod) * i / half)}. */
    static double[] frequencies64(int half, double maxPeriod) {
        double[] f = new double[half];
        double scale = -Math.log(maxPeriod);
        for (int i = 0; i < half; i++) {
            f[i] = Math.exp(scale * i / half);
        }
        return f;
    }

    private static final float R_LN2 = 1.442695040888963407359924681001892137f;
    private static final float L2U = 0.693145751953125f;
    private static final float L2L = 1.428606765330187045e-06f;

    /**
     * {@code exp} in float32 as PyTorch's vectorised CPU kernel computes it (the SLEEF library's {@code xexpf}, 1-ulp
     * accuracy, with fused multiply-adds): {@code q = rint(d / ln 2)}; {@code s = d - q ln 2} in two parts; a
     * degree-7 polynomial in {@code s}; times {@code 2^q}. It differs from the correctly rounded value by one ulp
     * for some arguments, which at {@code t = 900} moves the embedding by ~1e-6: exactly what parity needs.
     */
    static float expf(float d) {
        if (d < -104f) {
            return 0f;
        }
        if (d > 100f) {
            return Float.POSITIVE_INFINITY;
        }
        int q = (int) Math.rint(d * R_LN2);
        float s = Math.fma((float) q, -L2U, d);
        s = Math.fma((float) q, -L2L, s);
        float u = 0.000198527617612853646278381f;
        u = Math.fma(u, s, 0.00139304355252534151077271f);
        u = Math.fma(u, s, 0.00833336077630519866943359f);
        u = Math.fma(u, s, 0.0416664853692054748535156f);
        u = Math.fma(u, s, 0.166666671633720397949219f);
        u = Math.fma(u, s, 0.5f);
        u = 1.0f + Math.fma(s * s, u, s);
        return Math.scalb(u, q);
    }
}
