package org.ldm4j.training;

import java.util.Arrays;
import java.util.Locale;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.Conditioning;
import org.ldm4j.diffusion.sampling.DdimSampler;
import org.ldm4j.diffusion.sampling.DdpmSampler;
import org.ldm4j.diffusion.sampling.DpmPlusPlus2MSampler;
import org.ldm4j.diffusion.sampling.EulerAncestralSampler;
import org.ldm4j.diffusion.sampling.EulerSampler;
import org.ldm4j.diffusion.sampling.HeunSampler;
import org.ldm4j.diffusion.sampling.LatentDiffusionPipeline;
import org.ldm4j.diffusion.sampling.PlmsSampler;
import org.ldm4j.diffusion.sampling.ProgressCallback;
import org.ldm4j.diffusion.sampling.Sampler;
import org.ldm4j.training.models.CondStage;
import org.ldm4j.training.models.Conditions;
import org.ldm4j.training.models.LatentDiffusion;

/**
 * Generating images with a trained {@link LatentDiffusion}: text-, class- or layout-to-image, img2img and
 * inpainting, with any of the samplers and classifier-free guidance against the unconditional input or a
 * negative prompt.
 *
 * <pre>{@code
 * Sampling.Request r = Sampling.Request.of(Conditions.classes(0, 1), Sampling.Name.DDIM, 50, 3.0, 42);
 * Tensor images = Sampling.run(ldm, 32, 32, r, null);          // [2, 3, 32, 32] in [-1, 1]
 * }</pre>
 */
public final class Sampling {
    /** The samplers, by their command-line names. */
    public enum Name {
        DDIM("ddim"), PLMS("plms"), DDPM("ddpm"), EULER("euler"), EULER_A("euler-a"), HEUN("heun"),
        DPMPP_2M("dpmpp-2m");

        private final String cli;

        Name(String cli) {
            this.cli = cli;
        }

        /** The command-line name ("euler-a"). */
        public String cliName() {
            return cli;
        }

        /** The sampler of a command-line name, case-insensitive. */
        public static Name parse(String s) {
            for (Name n : values()) {
                if (n.cli.equalsIgnoreCase(s) || n.name().equalsIgnoreCase(s)) {
                    return n;
                }
            }
            throw new IllegalArgumentException("sampler: expected one of "
                    + Arrays.stream(values()).map(Name::cliName).toList() + ", got \"" + s + "\"");
        }

        /** How to make it (DDIM with eta 0; DPM-Solver++(2M) with Karras sigmas). */
        public Sampler.Factory factory() {
            return switch (this) {
                case DDIM -> DdimSampler::new;
                case PLMS -> PlmsSampler::new;
                case DDPM -> DdpmSampler::new;
                case EULER -> EulerSampler::new;
                case EULER_A -> EulerAncestralSampler::new;
                case HEUN -> HeunSampler::new;
                case DPMPP_2M -> (s, p) -> new DpmPlusPlus2MSampler(s, p, true);
            };
        }

        @Override
        public String toString() {
            return cli;
        }
    }

    /**
     * What to generate.
     *
     * @param conditions what each image shows (its size is the number of images)
     * @param negative   the negative prompt's conditions in place of the unconditional input, or null
     * @param sampler    the sampler
     * @param steps      sampler steps
     * @param guidance   classifier-free guidance scale (1: none)
     * @param seed       the noise seed
     * @param initImage  img2img or inpainting source [B, 3, H, W] in [-1, 1], or null
     * @param strength   img2img strength in (0, 1] (ignored without an init image or with a mask)
     * @param mask       inpainting mask [B or 1, 1, H, W], 1 = keep, or null
     * @param decodeTile decode the latents in tiles of this many latents a side (overlapping by an eighth), to
     *                   bound the decoder's memory on large images; 0 decodes them whole
     */
    public record Request(Conditions conditions, Conditions negative, Name sampler, int steps, double guidance,
            long seed, Tensor initImage, double strength, Tensor mask, int decodeTile) {
        public Request {
            if (conditions == null || sampler == null) {
                throw new IllegalArgumentException("conditions, sampler: expected both, got a null");
            }
            if (steps < 1) {
                throw new IllegalArgumentException("steps: expected at least one sampler step, got " + steps);
            }
            if (!(guidance >= 1) || Double.isInfinite(guidance)) {
                throw new IllegalArgumentException("guidance: expected a scale >= 1 (1: none), got " + guidance);
            }
            if (negative != null && negative.size() != conditions.size()) {
                throw new IllegalArgumentException("negative: expected " + conditions.size() + " conditions, got "
                        + negative.size());
            }
            if (mask != null && initImage == null) {
                throw new IllegalArgumentException("mask: inpainting needs an init image too, got a mask only");
            }
            if (initImage != null && mask == null && !(strength > 0 && strength <= 1)) {
                throw new IllegalArgumentException("strength: expected a value in (0, 1], got " + strength);
            }
            if (decodeTile < 0) {
                throw new IllegalArgumentException("decodeTile: expected a tile side in latents (0: decode whole), got "
                        + decodeTile);
            }
        }

        /** Text-, class- or layout-to-image from noise. */
        public static Request of(Conditions c, Name sampler, int steps, double guidance, long seed) {
            return new Request(c, null, sampler, steps, guidance, seed, null, 1.0, null, 0);
        }

        public Request withNegative(Conditions n) {
            return new Request(conditions, n, sampler, steps, guidance, seed, initImage, strength, mask, decodeTile);
        }

        public Request withInitImage(Tensor image, double s) {
            return new Request(conditions, negative, sampler, steps, guidance, seed, image, s, mask, decodeTile);
        }

        public Request withMask(Tensor m) {
            return new Request(conditions, negative, sampler, steps, guidance, seed, initImage, strength, m, decodeTile);
        }

        /** Decoding in tiles of {@code tile} latents a side (0: whole). */
        public Request withDecodeTile(int tile) {
            return new Request(conditions, negative, sampler, steps, guidance, seed, initImage, strength, mask, tile);
        }

        /** A one-line description for PNG text chunks and logs. */
        public String describeSampler() {
            return String.format(Locale.ROOT, "%s, %d steps, guidance %s", sampler.cliName(), steps, guidance);
        }
    }

    private Sampling() {
    }

    /** Images [n, 3, height, width] in about [-1, 1] for the request. */
    @SuppressWarnings("try")
    public static Tensor run(LatentDiffusion ldm, int height, int width, Request r, ProgressCallback callback) {
        CondStage cond = ldm.cond();
        int n = r.conditions().size();
        boolean guided = r.guidance() != 1 && cond.kind() != CondStage.Kind.NONE;
        try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
            Conditioning uc = null;
            if (guided) {
                uc = r.negative() != null ? cond.encode(r.negative()) : cond.unconditional(n);
            }
            LatentDiffusionPipeline p = LatentDiffusionPipeline.builder(ldm.denoiser(), ldm.process().prediction(),
                    r.decodeTile() > 0 ? ldm.codec(r.decodeTile(), r.decodeTile() / 8) : ldm.codec(),
                    ldm.process().schedule()).sampler(r.sampler().factory()).scaleFactor(ldm.scaleFactor())
                    .unconditional(uc).imageSize(height, width).build();
            Conditioning c = cond.encode(r.conditions());
            double guidance = guided ? r.guidance() : 1.0;
            Tensor out;
            if (r.initImage() != null && r.mask() != null) {
                out = p.inpaint(r.initImage(), r.mask(), c, r.steps(), guidance, r.seed());
            } else if (r.initImage() != null) {
                out = p.imageToImage(r.initImage(), c, r.strength(), r.steps(), guidance, r.seed());
            } else {
                out = p.sample(n, c, r.steps(), guidance, r.seed(), callback);
            }
            return s.keep(out);
        }
    }
}
