package org.ldm4j.diffusion.sampling;

import java.util.concurrent.atomic.AtomicInteger;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.Conditioning;
import org.ldm4j.diffusion.Denoiser;
import org.ldm4j.diffusion.NoiseSchedule;
import org.ldm4j.diffusion.Prediction;

/**
 * The optimal denoiser for data whose every element is drawn from N(mu, sigma^2) (sigma = 0: the point mass at
 * mu). With x_t = sqrt(a) x_0 + sqrt(1 - a) eps, E[eps | x_t] = sqrt(1 - a) (x_t - sqrt(a) mu) / (a sigma^2 + 1 - a),
 * and the x_0 and v predictions follow from it. Fractional timesteps (the sigma-space samplers) are read through
 * {@link SigmaSchedule#alphaCumprod(double)}, integer ones straight from the schedule.
 */
final class AnalyticGaussian implements Denoiser {
    final double mu;
    final double sigma;
    final Prediction prediction;
    final NoiseSchedule schedule;
    final SigmaSchedule sigmas;
    final AtomicInteger calls = new AtomicInteger();

    AnalyticGaussian(double mu, double sigma, Prediction prediction, NoiseSchedule schedule) {
        this.mu = mu;
        this.sigma = sigma;
        this.prediction = prediction;
        this.schedule = schedule;
        this.sigmas = SigmaSchedule.of(schedule);
    }

    double alphaCumprod(double t) {
        return t == Math.rint(t) ? schedule.alphaCumprod((int) t) : sigmas.alphaCumprod(t);
    }

    @Override
    public Tensor apply(Tensor xt, Tensor t, Conditioning cond) {
        calls.incrementAndGet();
        double[] ts = t.toDoubleArray();
        int b = ts.length;
        double[] slope = new double[b];
        double[] offset = new double[b];
        for (int i = 0; i < b; i++) {
            double a = alphaCumprod(ts[i]);
            double c = Math.sqrt(1 - a) / (a * sigma * sigma + 1 - a);
            // eps* = c x - c sqrt(a) mu
            double ea = c;
            double eb = -c * Math.sqrt(a) * mu;
            // x0* = (x - sqrt(1 - a) eps*) / sqrt(a)
            double xa = (1 - Math.sqrt(1 - a) * ea) / Math.sqrt(a);
            double xb = -Math.sqrt(1 - a) * eb / Math.sqrt(a);
            switch (prediction) {
                case EPSILON:
                    slope[i] = ea;
                    offset[i] = eb;
                    break;
                case SAMPLE:
                    slope[i] = xa;
                    offset[i] = xb;
                    break;
                default:
                    // v = sqrt(a) eps - sqrt(1 - a) x0
                    slope[i] = Math.sqrt(a) * ea - Math.sqrt(1 - a) * xa;
                    offset[i] = Math.sqrt(a) * eb - Math.sqrt(1 - a) * xb;
            }
        }
        long[] col = new long[xt.rank()];
        java.util.Arrays.fill(col, 1);
        col[0] = b;
        Tensor s = Tensor.of(slope, col).to(xt.dtype());
        Tensor o = Tensor.of(offset, col).to(xt.dtype());
        return xt.mul(s).add(o);
    }

    /** Mean and (biased) variance of all elements, in double. */
    static double[] moments(Tensor x) {
        float[] v = x.toFloatArray();
        double m = 0;
        for (float f : v) {
            m += f;
        }
        m /= v.length;
        double var = 0;
        for (float f : v) {
            var += (f - m) * (f - m);
        }
        return new double[] {m, var / v.length};
    }
}
