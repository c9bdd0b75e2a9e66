package org.ldm4j.training.models;

import org.ldm4j.autoencoder.FirstStage;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.Denoiser;
import org.ldm4j.diffusion.DiffusionProcess;
import org.ldm4j.diffusion.LatentCodec;
import org.ldm4j.unet.UNetModel;

/**
 * A whole latent diffusion model under the reference's key names: the U-Net ({@code model.diffusion_model.*}),
 * the frozen first stage ({@code first_stage_model.*}), the conditioning stage ({@code cond_stage_model.*}) and
 * the latent {@code scale_factor}. Its {@link #stateDict()} is what a checkpoint stores; the EMA covers
 * {@link #wrapper()}, as the reference's {@code LitEma(self.model)}.
 *
 * <pre>{@code
 * LatentDiffusion ldm = new LatentDiffusion(unet, autoencoder, cond, process, 1.0);
 * ldm.setScaleFactor(1 / std);                      // the paper's rescaling, from the first batch
 * Tensor z0 = ldm.encodeFirstStage(x, rng);         // scale * sample of E(x)
 * }</pre>
 */
public final class LatentDiffusion extends Module {
    /** The reference's {@code DiffusionWrapper}: holds the U-Net as {@code diffusion_model}. */
    public static final class Wrapper extends Module {
        private final UNetModel unet;

        Wrapper(UNetModel unet) {
            this.unet = register("diffusion_model", unet);
        }

        public UNetModel unet() {
            return unet;
        }
    }

    private final Wrapper wrapper;
    private final FirstStage firstStage;
    private final Module firstStageModule;
    private final CondStage cond;
    private final Tensor scaleFactor;
    private final DiffusionProcess process;

    /**
     * @param firstStage an autoencoder ({@code AutoencoderKL} or {@code VQModel}); it is frozen and put in
     *                   evaluation mode
     */
    public <F extends Module & FirstStage> LatentDiffusion(UNetModel unet, F firstStage, CondStage cond,
            DiffusionProcess process, double scaleFactor) {
        if (unet == null || firstStage == null || cond == null || process == null) {
            throw new IllegalArgumentException("unet, firstStage, cond, process: expected all four, got "
                    + (unet == null ? "no unet" : firstStage == null ? "no first stage"
                    : cond == null ? "no cond stage" : "no diffusion process"));
        }
        this.process = process;
        int ctx = unet.config().contextDim();
        if (cond.unetClasses() != unet.config().numClasses()) {
            throw new IllegalArgumentException("unet: expected num_classes " + cond.unetClasses() + " for " + cond
                    + ", got " + unet.config().numClasses());
        }
        if (cond.kind() != CondStage.Kind.NONE && cond.contextDim() > 0 && ctx != cond.contextDim()) {
            throw new IllegalArgumentException("unet: expected context_dim " + cond.contextDim() + " (the "
                    + cond + "'s width), got " + ctx);
        }
        if (unet.config().inChannels() < firstStage.latentChannels()) {
            throw new IllegalArgumentException("unet: expected in_channels >= " + firstStage.latentChannels()
                    + " (the first stage's latent channels), got " + unet.config().inChannels());
        }
        this.wrapper = register("model", new Wrapper(unet));
        this.firstStage = firstStage;
        this.firstStageModule = register("first_stage_model", firstStage);
        firstStage.freeze();
        firstStage.eval();
        this.cond = cond;
        if (cond.module() != null) {
            register("cond_stage_model", cond.module());
        }
        this.scaleFactor = registerBuffer("scale_factor", Tensor.scalar(scaleFactor));
        checkScale(scaleFactor);
    }

    private static void checkScale(double s) {
        if (!(s > 0) || Double.isInfinite(s)) {
            throw new IllegalArgumentException("scaleFactor: expected a finite positive value, got " + s);
        }
    }

    @Override
    public Module train(boolean on) {
        super.train(on);
        firstStageModule.eval();
        return this;
    }

    public Wrapper wrapper() {
        return wrapper;
    }

    public UNetModel unet() {
        return wrapper.unet();
    }

    public FirstStage firstStage() {
        return firstStage;
    }

    /** The first stage as a module (to load weights into). */
    public Module firstStageModule() {
        return firstStageModule;
    }

    public CondStage cond() {
        return cond;
    }

    /** The forward process: the noise schedule and what the U-Net predicts. */
    public DiffusionProcess process() {
        return process;
    }

    /** The U-Net as the diffusion module's denoiser. */
    public Denoiser denoiser() {
        return new UNetDenoiser(wrapper.unet());
    }

    /** The first stage as the diffusion module's codec (unscaled latents), in its parameters' precision. */
    public LatentCodec codec() {
        return codec(0, 0);
    }

    /**
     * As {@link #codec()}, decoding in tiles of {@code tile} latents a side that overlap by {@code overlap}
     * ({@code TiledDecoding}; 0: whole), for images too large to decode at once.
     */
    public LatentCodec codec(int tile, int overlap) {
        return new FirstStageCodec(firstStage, firstStageModule.parameters().get(0).dtype(), tile, overlap);
    }

    public double scaleFactor() {
        return scaleFactor.item();
    }

    /** Sets the latent scale factor (the paper's 1 / std of the first batch's latents, or 0.18215 for SD). */
    public void setScaleFactor(double s) {
        checkScale(s);
        scaleFactor.assign(Tensor.scalar(s).to(scaleFactor.dtype()));
    }

    /** {@code scale * z} with z drawn from the first stage's posterior for images x in [-1, 1]. */
    public Tensor encodeFirstStage(Tensor x, org.ldm4j.core.random.Rng rng) {
        return firstStage.encodeToLatent(x, rng).mul(scaleFactor());
    }

    /** Images from scaled latents: {@code decode(z / scale)}. */
    public Tensor decodeFirstStage(Tensor z) {
        return firstStage.decode(z.div(scaleFactor()));
    }
}
