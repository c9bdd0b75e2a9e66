package org.ldm4j.autoencoder.loss;

import org.ldm4j.core.nn.Conv2d;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * The VQ-regularised autoencoder's loss, taming-transformers' {@code VQLPIPSWithDiscriminator} (the class LDM's
 * {@code vq-f*} configs name; latent-diffusion's own copy fails with a NameError on {@code exists}):
 * <pre>
 * rec_loss  = |x - x_rec| + perceptual_weight * LPIPS(x, x_rec)      LPIPS [B,1,1,1] broadcast onto every pixel
 * nll_loss  = mean(rec_loss)                                         a mean: no logvar, no KL, no sum / B
 * g_loss    = -mean(D(x_rec))
 * d_weight  = clamp(||dnll_loss/dW|| / (||dg_loss/dW|| + 1e-4), 0, 1e4).detach() * disc_weight
 * loss      = nll_loss + d_weight * disc_factor * g_loss + codebook_weight * mean(codebook_loss)
 * </pre>
 * Unlike the KL loss, {@code d_weight} is computed even when the configured {@code disc_factor} is 0; in evaluation
 * mode without gradients it is 0, as the reference's caught RuntimeError. The discriminator step is the KL loss's
 * (see {@link AutoencoderLoss}). Keys: {@code perceptual_loss.*}, {@code discriminator.*} (no {@code logvar}).
 * Modes as in {@link AutoencoderLoss}: {@code train()} also turns on the LPIPS dropout, as in the reference.
 *
 * <pre>{@code
 * VqAutoencoderLoss loss = new VqAutoencoderLoss(VqLossConfig.vqF4(), Lpips.load(lpipsFile), rng);
 * GeneratorOutput<VqLossLog> g = loss.generatorLoss(codebookLoss, x, xRec, step, convOut);
 * g.loss().backward();
 * DiscriminatorOutput d = loss.discriminatorLoss(x, xRec, step);
 * }</pre>
 */
public final class VqAutoencoderLoss extends Module {
    private final VqLossConfig config;
    private final Lpips perceptualLoss;
    private final PatchGanDiscriminator discriminator;

    /** A loss with a random-weight LPIPS and discriminator (load real weights with {@code load(stateDict)}). */
    public VqAutoencoderLoss(VqLossConfig config, Rng rng) {
        this(config, new Lpips(checkRng(rng)), rng);
    }

    /** A loss around the given LPIPS (registered as {@code perceptual_loss}, put in evaluation mode). */
    public VqAutoencoderLoss(VqLossConfig config, Lpips perceptualLoss, Rng rng) {
        if (config == null) {
            throw new IllegalArgumentException("config: expected a VqLossConfig, got null");
        }
        if (perceptualLoss == null) {
            throw new IllegalArgumentException("perceptualLoss: expected an Lpips, got null");
        }
        checkRng(rng);
        this.config = config;
        this.perceptualLoss = register("perceptual_loss", perceptualLoss);
        perceptualLoss.eval();
        this.discriminator = register("discriminator", new PatchGanDiscriminator(config.discInChannels(),
                config.discNdf(), config.discNumLayers(), config.discNorm(), rng));
    }

    private static Rng checkRng(Rng rng) {
        if (rng == null) {
            throw new IllegalArgumentException("rng: expected a generator for the initial weights, got null");
        }
        return rng;
    }

    /** Optimizer 0 for an unconditional discriminator: see {@link #generatorLoss(Tensor, Tensor, Tensor, long,
     * Tensor, Tensor)}. */
    public GeneratorOutput<VqLossLog> generatorLoss(Tensor codebookLoss, Tensor inputs, Tensor reconstructions,
                                                    long globalStep, Tensor lastLayer) {
        return generatorLoss(codebookLoss, inputs, reconstructions, globalStep, lastLayer, null);
    }

    /**
     * The autoencoder's loss (optimizer 0).
     *
     * @param codebookLoss    the quantizer's codebook (and commitment) loss, any shape (its mean is used)
     * @param inputs          the images x [B, C, H, W]
     * @param reconstructions the decoder's output [B, C, H, W], with graph back to {@code lastLayer}
     * @param globalStep      the training step, compared with {@code disc_start}
     * @param lastLayer       the decoder's last-layer weight
     * @param cond            the discriminator's condition [B, C', H, W] for a conditional one, else null
     */
    public GeneratorOutput<VqLossLog> generatorLoss(Tensor codebookLoss, Tensor inputs, Tensor reconstructions,
                                                    long globalStep, Tensor lastLayer, Tensor cond) {
        DType dtype = dtype();
        GanTerms.checkImages(inputs, reconstructions, dtype, config.perceptualWeight());
        if (codebookLoss == null) {
            throw new IllegalArgumentException("codebookLoss: expected the quantizer's loss, got null");
        }
        if (codebookLoss.dtype() != dtype) {
            throw new IllegalArgumentException("codebookLoss: expected " + dtype + ", got " + codebookLoss.dtype()
                    + " " + Shapes.str(codebookLoss.shape()));
        }
        if (lastLayer == null) {
            throw new IllegalArgumentException("lastLayer: expected the decoder's last-layer weight, got null");
        }
        GanTerms.Reconstruction r = GanTerms.reconstruction(perceptualLoss, config.perceptualWeight(), inputs,
                reconstructions);
        Tensor nllLoss = r.recLoss().mean();

        Tensor logitsFake = discriminator.forward(GanTerms.discriminatorInput(reconstructions, cond,
                config.discConditional()));
        Tensor gLoss = GanLoss.generatorLoss(logitsFake);
        AdaptiveWeight dWeight = GanTerms.adaptiveWeight(nllLoss, gLoss, lastLayer, config.discWeight(),
                isTraining(), dtype);
        double discFactor = GanLoss.adoptWeight(config.discFactor(), globalStep, config.discStart());
        Tensor quantLoss = codebookLoss.mean();
        Tensor loss = nllLoss.add(dWeight.value().mul(discFactor).mul(gLoss))
                .add(quantLoss.mul(config.codebookWeight()));

        double pLoss = r.perceptual() == null ? 0.0 : GanTerms.meanValue(r.perceptual());
        VqLossLog log = new VqLossLog(loss.item(), quantLoss.item(), nllLoss.item(), GanTerms.meanValue(r.recLoss()),
                pLoss, dWeight.value().item(), discFactor, gLoss.item());
        return new GeneratorOutput<>(loss, log, logitsFake, r.perceptual(), dWeight);
    }

    /** Optimizer 1 for an unconditional discriminator: see {@link #discriminatorLoss(Tensor, Tensor, long, Tensor)}. */
    public DiscriminatorOutput discriminatorLoss(Tensor inputs, Tensor reconstructions, long globalStep) {
        return discriminatorLoss(inputs, reconstructions, globalStep, null);
    }

    /** The discriminator's loss (optimizer 1), as {@link AutoencoderLoss#discriminatorLoss(Tensor, Tensor, long, Tensor)}. */
    public DiscriminatorOutput discriminatorLoss(Tensor inputs, Tensor reconstructions, long globalStep, Tensor cond) {
        GanTerms.checkImages(inputs, reconstructions, dtype(), 0);
        double discFactor = GanLoss.adoptWeight(config.discFactor(), globalStep, config.discStart());
        return GanTerms.discriminatorStep(discriminator, config.discLoss(), discFactor, inputs, reconstructions, cond,
                config.discConditional());
    }

    /** The dtype of the weights (the discriminator's first conv). */
    private DType dtype() {
        return ((Conv2d) discriminator.main().get(0)).weight().dtype();
    }

    /** The frozen LPIPS, {@code perceptual_loss}. */
    public Lpips perceptualLoss() {
        return perceptualLoss;
    }

    /** The patch discriminator, {@code discriminator}. */
    public PatchGanDiscriminator discriminator() {
        return discriminator;
    }

    public VqLossConfig config() {
        return config;
    }

    @Override
    protected String typeName() {
        return "VQLPIPSWithDiscriminator";
    }

    @Override
    protected String extraRepr() {
        return config.toString();
    }
}
