package org.ldm4j.diffusion.sampling;

import org.ldm4j.core.tensor.Tensor;

/**
 * Options of one run: the img2img {@code strength} (run only the last {@code ceil(strength * steps)} steps,
 * starting from a latent noised to the first of them) and inpainting ({@code mask} [B, 1, H, W] with 1 = keep,
 * and the {@code known} latent [B, C, H, W] whose kept region is re-noised and blended in after every step).
 *
 * <pre>{@code
 * SamplerRun run = sampler.start(50, SamplerOptions.strength(0.6));           // img2img
 * SamplerRun fill = sampler.start(50, SamplerOptions.inpaint(mask, known));   // inpainting
 * }</pre>
 *
 * @param strength in (0, 1]; 1 is a full run from pure noise
 * @param mask     [B or 1, 1, H, W] with 1 where {@code known} is kept, or null
 * @param known    the known latent (the run's shape), or null; both or neither of mask and known
 */
public record SamplerOptions(double strength, Tensor mask, Tensor known) {
    /** A full run from noise, no inpainting. */
    public static final SamplerOptions DEFAULT = new SamplerOptions(1, null, null);

    public SamplerOptions {
        if (!(strength > 0 && strength <= 1)) {
            throw new IllegalArgumentException("strength: expected a value in (0, 1], got " + strength);
        }
        if ((mask == null) != (known == null)) {
            throw new IllegalArgumentException("inpainting: expected both a mask and a known latent or neither, got "
                    + (mask == null ? "no mask" : "a mask") + " and " + (known == null ? "no known latent" : "a known latent"));
        }
        if (mask != null && mask.rank() != known.rank()) {
            throw new IllegalArgumentException("mask: expected rank " + known.rank() + " like the known latent, got "
                    + mask.rank() + " " + java.util.Arrays.toString(mask.shape()));
        }
    }

    /** img2img: run the last {@code ceil(strength * steps)} steps. */
    public static SamplerOptions strength(double strength) {
        return new SamplerOptions(strength, null, null);
    }

    /** Inpainting a full run: keep {@code known} where {@code mask} is 1. */
    public static SamplerOptions inpaint(Tensor mask, Tensor known) {
        return new SamplerOptions(1, mask, known);
    }

    public SamplerOptions withStrength(double s) {
        return new SamplerOptions(s, mask, known);
    }

    public boolean isInpainting() {
        return mask != null;
    }

    /** How many of {@code steps} steps a run with this strength performs: {@code ceil(strength * steps)}, at least 1. */
    public int stepsToRun(int steps) {
        // the small allowance keeps 0.3 * 10 = 3.0000000000000004 at 3
        return Math.max(1, Math.min(steps, (int) Math.ceil(strength * steps - 1e-9)));
    }
}
