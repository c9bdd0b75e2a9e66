package org.ldm4j.training.models;

import org.ldm4j.core.autograd.ShapeOps;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.Conditioning;
import org.ldm4j.diffusion.Denoiser;
import org.ldm4j.unet.UNetModel;

/**
 * The U-Net as the diffusion module's {@link Denoiser}: concatenation conditioning is joined to the noisy input
 * along the channels (the reference's {@code c_concat}), the token sequence goes to cross-attention
 * ({@code c_crossattn}) and class labels to the label embedding. Timesteps pass through unchanged, fractional
 * ones included (the sigma-space samplers use them).
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
        Tensor x = c.concat() == null ? xt : ShapeOps.concat(1, xt, c.concat());
        return unet.forward(x, t, c.context(), c.labels());
    }
}
