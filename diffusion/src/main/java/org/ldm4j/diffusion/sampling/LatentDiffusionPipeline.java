package org.ldm4j.diffusion.sampling;

import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.Conditioning;
import org.ldm4j.diffusion.Denoiser;
import org.ldm4j.diffusion.LatentCodec;
import org.ldm4j.diffusion.NoiseSchedule;
import org.ldm4j.diffusion.Prediction;

/**
 * Latent diffusion put together (Rombach et al. 2022): a denoiser and what it predicts, a first-stage codec, the
 * training schedule, a sampler, the latent scale factor (latents are {@code scale * encode(image)}, decoded as
 * {@code decode(z / scale)}) and, for classifier-free guidance, the unconditional conditioning. Immutable; every
 * call is seeded: the same seed gives the same images.
 *
 * <pre>{@code
 * LatentDiffusionPipeline ldm = LatentDiffusionPipeline
 *         .builder(unetDenoiser, Prediction.EPSILON, autoencoderCodec, NoiseSchedule.linear(1000, 0.00085, 0.012))
 *         .sampler((schedule, prediction) -> new DdimSampler(schedule, prediction, 0.0))
 *         .scaleFactor(0.18215)
 *         .unconditional(Conditioning.ofContext(emptyPrompt))
 *         .imageSize(256, 256)
 *         .build();
 * Tensor images = ldm.sample(4, Conditioning.ofContext(prompts), 50, 7.5, 42);     // [4, 3, 256, 256]
 * }</pre>
 */
public final class LatentDiffusionPipeline {
    private final Denoiser denoiser;
    private final LatentCodec codec;
    private final Sampler sampler;
    private final double scaleFactor;
    private final Conditioning unconditional;
    private final int height;
    private final int width;

    private LatentDiffusionPipeline(Builder b) {
        this.denoiser = b.denoiser;
        this.codec = b.codec;
        this.sampler = b.factory.create(b.schedule, b.prediction);
        if (sampler == null) {
            throw new IllegalArgumentException("sampler: the factory returned null");
        }
        if (!sampler.schedule().equals(b.schedule) || sampler.prediction() != b.prediction) {
            throw new IllegalArgumentException("sampler: expected one on the pipeline's schedule and " + b.prediction
                    + ", got " + sampler + " on " + sampler.schedule());
        }
        this.scaleFactor = b.scaleFactor;
        this.unconditional = b.unconditional;
        this.height = b.height;
        this.width = b.width;
        int f = codec.downsamplingFactor();
        if (f < 1 || height % f != 0 || width % f != 0) {
            throw new IllegalArgumentException("imageSize: expected multiples of the codec's downsampling factor " + f
                    + ", got " + height + "x" + width);
        }
    }

    /** Starts a pipeline of the four required parts; the rest have defaults (DDIM eta 0, scale 1, 256x256). */
    public static Builder builder(Denoiser denoiser, Prediction prediction, LatentCodec codec, NoiseSchedule schedule) {
        return new Builder(denoiser, prediction, codec, schedule);
    }

    /**
     * The pipeline's settings; {@link #build()} checks them.
     *
     * <pre>{@code
     * LatentDiffusionPipeline p = LatentDiffusionPipeline.builder(d, Prediction.V, codec, schedule)
     *         .sampler((s, pr) -> new DpmPlusPlus2MSampler(s, pr, true)).scaleFactor(0.18215).build();
     * }</pre>
     */
    public static final class Builder {
        private final Denoiser denoiser;
        private final Prediction prediction;
        private final LatentCodec codec;
        private final NoiseSchedule schedule;
        private Sampler.Factory factory = DdimSampler::new;
        private double scaleFactor = 1.0;
        private Conditioning unconditional;
        private int height = 256;
        private int width = 256;

        private Builder(Denoiser denoiser, Prediction prediction, LatentCodec codec, NoiseSchedule schedule) {
            if (denoiser == null || prediction == null || codec == null || schedule == null) {
                throw new IllegalArgumentException("builder: expected a denoiser, a prediction, a codec and a schedule, "
                        + "got null for " + (denoiser == null ? "denoiser" : prediction == null ? "prediction"
                        : codec == null ? "codec" : "schedule"));
            }
            this.denoiser = denoiser;
            this.prediction = prediction;
            this.codec = codec;
            this.schedule = schedule;
        }

        /** How to make the sampler for the schedule and prediction, e.g. {@code DdimSampler::new}. */
        public Builder sampler(Sampler.Factory f) {
            if (f == null) {
                throw new IllegalArgumentException("sampler: expected a Sampler.Factory, got null");
            }
            this.factory = f;
            return this;
        }

        /** The latent scale factor (0.18215 for the KL-f8 autoencoder of LDM and Stable Diffusion). */
        public Builder scaleFactor(double s) {
            if (!(s > 0) || Double.isInfinite(s)) {
                throw new IllegalArgumentException("scaleFactor: expected a finite positive value, got " + s);
            }
            this.scaleFactor = s;
            return this;
        }

        /** The conditioning of guidance's unconditional half (empty prompt, null class); null for none. */
        public Builder unconditional(Conditioning c) {
            this.unconditional = c;
            return this;
        }

        /** The size of generated images. */
        public Builder imageSize(int h, int w) {
            if (h < 1 || w < 1) {
                throw new IllegalArgumentException("imageSize: expected positive sizes, got " + h + "x" + w);
            }
            this.height = h;
            this.width = w;
            return this;
        }

        public LatentDiffusionPipeline build() {
            return new LatentDiffusionPipeline(this);
        }
    }

    public Sampler sampler() {
        return sampler;
    }

    public double scaleFactor() {
        return scaleFactor;
    }

    /** The latent shape of {@code n} images. */
    public long[] latentShape(int n) {
        int f = codec.downsamplingFactor();
        return new long[] {n, codec.latentChannels(), height / f, width / f};
    }

    /** {@link #sample(int, Conditioning, int, double, long, ProgressCallback)} without progress reporting. */
    public Tensor sample(int n, Conditioning cond, int steps, double guidance, long seed) {
        return sample(n, cond, steps, guidance, seed, null);
    }

    /**
     * Generates {@code n} images [n, 3, H, W]: noise from {@code seed}, a full run of the sampler with guidance
     * scale {@code guidance} (1: none), and {@code decode(z / scale)}.
     */
    public Tensor sample(int n, Conditioning cond, int steps, double guidance, long seed, ProgressCallback callback) {
        if (n < 1) {
            throw new IllegalArgumentException("n: expected at least one image, got " + n);
        }
        return run(n, cond, steps, guidance, seed, SamplerOptions.DEFAULT, null, callback);
    }

    /**
     * img2img (SDEdit, Meng et al. 2022): encodes {@code images} [B, 3, H, W] in [-1, 1], noises the latents to the
     * step of {@code strength} in (0, 1] and runs the last {@code ceil(strength * steps)} steps.
     */
    @SuppressWarnings("try")
    public Tensor imageToImage(Tensor images, Conditioning cond, double strength, int steps, double guidance, long seed) {
        SamplerOptions o = SamplerOptions.strength(strength);
        try (GradMode.Scope g = GradMode.disabled(); MemoryScope scope = MemoryScope.open()) {
            Tensor z = encode(images);
            return scope.keep(run((int) z.size(0), cond, steps, guidance, seed, o, z, null));
        }
    }

    /**
     * Inpainting: keeps {@code images} where {@code mask} is 1 and generates the rest. The mask is [B or 1, 1, h, w]
     * at the latent's or the image's resolution (averaged over each latent pixel's patch).
     */
    @SuppressWarnings("try")
    public Tensor inpaint(Tensor images, Tensor mask, Conditioning cond, int steps, double guidance, long seed) {
        if (mask == null) {
            throw new IllegalArgumentException("mask: expected a mask [B, 1, H, W] with 1 = keep, got null");
        }
        try (GradMode.Scope g = GradMode.disabled(); MemoryScope scope = MemoryScope.open()) {
            Tensor z = encode(images);
            Tensor m = latentMask(mask, z);
            return scope.keep(run((int) z.size(0), cond, steps, guidance, seed, SamplerOptions.inpaint(m, z), z, null));
        }
    }

    private Tensor encode(Tensor images) {
        if (images == null) {
            throw new IllegalArgumentException("images: expected images [B, 3, H, W] in [-1, 1], got null");
        }
        Shapes.checkRank("images", images, 4);
        return codec.encode(images).mul(scaleFactor);
    }

    private Tensor latentMask(Tensor mask, Tensor z) {
        Shapes.checkRank("mask", mask, 4);
        Shapes.checkDim("mask", mask, 1, 1, "channel");
        long h = z.size(2);
        long w = z.size(3);
        Tensor m = mask.to(z.dtype());
        if (mask.size(2) == h && mask.size(3) == w) {
            return m;
        }
        long f = codec.downsamplingFactor();
        if (mask.size(2) != h * f || mask.size(3) != w * f) {
            throw new IllegalArgumentException("mask: expected " + h + "x" + w + " (latent) or " + h * f + "x" + w * f
                    + " (image) pixels, got " + Shapes.str(mask.shape()));
        }
        // area downsampling: the mean over each f x f patch
        return m.reshape(mask.size(0), 1, h, f, w, f).mean(3, 5);
    }

    @SuppressWarnings("try")
    private Tensor run(int n, Conditioning cond, int steps, double guidance, long seed, SamplerOptions options,
                       Tensor latent, ProgressCallback callback) {
        Conditioning c = cond == null ? Conditioning.NONE : cond;
        long cb = c.batchSize();
        if (cb != -1 && cb != n) {
            throw new IllegalArgumentException("cond: expected conditioning for " + n + " samples, got batch " + cb);
        }
        Denoiser d = denoiser;
        if (guidance != 1) {
            if (unconditional == null) {
                throw new IllegalArgumentException("guidance: a scale of " + guidance + " needs the unconditional "
                        + "conditioning; set it with builder.unconditional(...), or use 1 for no guidance");
            }
            d = new ClassifierFreeGuidance(denoiser, guidance, unconditional);
        }
        Rng rng = new Rng(seed);
        try (GradMode.Scope g = GradMode.disabled(); MemoryScope scope = MemoryScope.open()) {
            long[] shape = latent == null ? latentShape(n) : latent.shape();
            SamplerRun run = sampler.start(steps, options);
            Tensor x = run.begin(rng.normal(shape), latent);
            Tensor z = run.sample(d, c, x, rng, callback);
            // decode(z / scale_factor), as LatentDiffusion.decode_first_stage
            return scope.keep(codec.decode(z.div(scaleFactor)));
        }
    }
}
