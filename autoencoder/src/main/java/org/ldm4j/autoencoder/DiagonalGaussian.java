package org.ldm4j.autoencoder;

import java.util.List;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * The KL autoencoder's posterior {@code q(z|x)}, a Gaussian with diagonal covariance
 * ({@code ldm.modules.distributions.DiagonalGaussianDistribution}), built from the moments [B, 2C, H, W] that
 * {@code quant_conv} produces: channels {@code 0..C-1} are the mean, {@code C..2C-1} the log-variance, which is
 * clamped to [-30, 20]. Everything is differentiable: {@link #sample(Rng)} reparameterises
 * ({@code mean + std * eps}), so gradients reach the encoder through the sample and through {@link #kl()}.
 *
 * <pre>{@code
 * DiagonalGaussian post = vae.encode(x);        // mean, logvar [B, 4, 32, 32]
 * Tensor z = post.sample(rng);                  // mean + std * N(0, I)
 * Tensor kl = post.kl();                        // [B]: 0.5 * sum_{C,H,W}(mean^2 + var - 1 - logvar)
 * }</pre>
 */
public final class DiagonalGaussian {
    /** The reference's clamp of the log-variance. */
    public static final double LOGVAR_MIN = -30.0;
    public static final double LOGVAR_MAX = 20.0;
    private static final double LOG_TWO_PI = Math.log(2 * Math.PI);

    private final Tensor mean;
    private final Tensor logvar;
    private final Tensor std;
    private final Tensor var;

    /** From moments [B, 2C, H, W]: {@code mean, logvar = chunk(moments, 2, dim=1)}, logvar clamped. */
    public DiagonalGaussian(Tensor moments) {
        Shapes.checkRank("moments", moments, 4);
        if (moments.size(1) % 2 != 0) {
            throw new IllegalArgumentException("moments: expected an even channel count (mean and log-variance), got "
                    + Shapes.str(moments.shape()));
        }
        Shapes.checkFloating("moments", moments);
        List<Tensor> parts = moments.chunk(2, 1);                            // 2 x (B, C, H, W)
        this.mean = parts.get(0);
        this.logvar = parts.get(1).clamp(LOGVAR_MIN, LOGVAR_MAX);
        this.std = logvar.mul(0.5).exp();
        this.var = logvar.exp();
    }

    /** The mean [B, C, H, W]. */
    public Tensor mean() {
        return mean;
    }

    /** The clamped log-variance [B, C, H, W]. */
    public Tensor logvar() {
        return logvar;
    }

    /** {@code exp(0.5 * logvar)} [B, C, H, W]. */
    public Tensor std() {
        return std;
    }

    /** {@code exp(logvar)} [B, C, H, W]. */
    public Tensor var() {
        return var;
    }

    /** The latent shape [B, C, H, W]. */
    public long[] shape() {
        return mean.shape();
    }

    /** A reparameterised draw {@code mean + std * eps}, {@code eps ~ N(0, I)} from {@code rng}. */
    public Tensor sample(Rng rng) {
        if (rng == null) {
            throw new IllegalArgumentException("rng: expected a generator to draw the posterior noise, got null "
                    + "(use mode() for the deterministic latent)");
        }
        return sample(rng.normal(mean.dtype(), mean.shape()));
    }

    /**
     * A reparameterised draw whose noise for example {@code i} comes from {@code perExample[i]} alone (shape
     * [1, C, H, W] each), so that an example's latent does not depend on which batch it is drawn in: the streams
     * of data-parallel training, where a global batch is split across replicas.
     */
    public Tensor sample(Rng[] perExample) {
        if (perExample == null || perExample.length != mean.size(0)) {
            throw new IllegalArgumentException("perExample: expected " + mean.size(0) + " generators (one per example), "
                    + "got " + (perExample == null ? "null" : perExample.length));
        }
        long[] one = mean.shape().clone();
        one[0] = 1;
        Tensor[] noise = new Tensor[perExample.length];
        for (int i = 0; i < noise.length; i++) {
            noise[i] = perExample[i].normal(mean.dtype(), one);
        }
        return sample(noise.length == 1 ? noise[0] : org.ldm4j.core.autograd.ShapeOps.concat(0, noise));
    }

    /** {@code mean + std * noise} for given standard-normal {@code noise} of the latent's shape. */
    public Tensor sample(Tensor noise) {
        Shapes.checkShape("noise", noise, mean.shape());
        return mean.add(std.mul(noise));
    }

    /** The mode, which is the mean. */
    public Tensor mode() {
        return mean;
    }

    /** KL divergence to N(0, I) per sample [B]: {@code 0.5 * sum_{C,H,W}(mean^2 + var - 1 - logvar)}. */
    public Tensor kl() {
        return mean.square().add(var).sub(1.0).sub(logvar).sum(1, 2, 3).mul(0.5);
    }

    /**
     * KL divergence to another diagonal Gaussian of the same shape, per sample [B]:
     * {@code 0.5 * sum((mean - m2)^2 / var2 + var / var2 - 1 - logvar + logvar2)}.
     */
    public Tensor kl(DiagonalGaussian other) {
        Shapes.checkShape("other", other.mean, mean.shape());
        Tensor d = mean.sub(other.mean);
        return d.square().div(other.var).add(var.div(other.var)).sub(1.0).sub(logvar).add(other.logvar)
                .sum(1, 2, 3).mul(0.5);
    }

    /** Negative log-likelihood of {@code sample} per sample [B]: {@code 0.5 * sum(log 2pi + logvar + (x-mean)^2/var)}. */
    public Tensor nll(Tensor sample) {
        Shapes.checkShape("sample", sample, mean.shape());
        return sample.sub(mean).square().div(var).add(logvar).add(LOG_TWO_PI).sum(1, 2, 3).mul(0.5);
    }

    @Override
    public String toString() {
        return "DiagonalGaussian" + Shapes.str(mean.shape());
    }
}
