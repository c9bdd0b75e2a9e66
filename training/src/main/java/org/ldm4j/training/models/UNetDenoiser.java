package org.ldm4j.training.models;

import org.ldm4j.core.autograd.ShapeOps;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.Conditioning;
import org.ldm4j.diffusion.Denoiser;
import org.ldm4j.unet.UNetModel;

/**
 * The U-Net as the diffusion module's {@link Denoiser}: concatenation conditioning is joined to the noisy input
 * along the channels (the reference's {@code c_concat}), the token sequence goes to cross-attention
 * ({@code c_crossattn}) and class labels to the label embedding. Timesteps pass through unchanged, fractional
 * ones included (the sigma-space samplers use them). A U-Net in another precision than the sampler's (a float16
 * model under a float32 sampler) gets its inputs converted to its dtype and gives its output back in {@code xt}'s.
 *
 * <pre>{@code
 * Denoiser d = new UNetDenoiser(unet);
 * Tensor eps = d.apply(zt, t, Conditioning.ofContext(context));
 * }</pre>
 */
public final class UNetDenoiser implements Denoiser {
    private final UNetModel unet;

    public UNetDenoiser(UNetModel unet) {
        this.unet = unet;
    }

    public UNetModel unet() {
        return unet;
    }

    @Override
    public Tensor apply(Tensor xt, Tensor t, Conditioning cond) {
        Conditioning c = cond == null ? Conditioning.NONE : cond;
        DType d = unet.dtype();
        Tensor x = c.concat() == null ? xt : ShapeOps.concat(1, xt, as(c.concat(), xt.dtype()));
        Tensor out = unet.forward(as(x, d), t, as(c.context(), d), c.labels());
        return as(out, xt.dtype());
    }

    /** {@code t} in {@code d} (itself when it is already, or null). */
    static Tensor as(Tensor t, DType d) {
        return t == null || t.dtype() == d ? t : t.to(d);
    }
}
