package org.ldm4j.autoencoder.loss;

import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * The KL-regularised autoencoder's loss, latent-diffusion's {@code LPIPSWithDiscriminator}: a reconstruction NLL
 * with a learned scalar log-variance, a slight KL penalty, and a patch-GAN term weighted adaptively.
 *
 * <h2>Generator step (optimizer 0), {@link #generatorLoss}</h2>
 * <pre>
 * rec_loss  = |x - x_rec| + perceptual_weight * LPIPS(x, x_rec)      LPIPS [B,1,1,1] broadcast onto every pixel
 * nll       = rec_loss / exp(logvar) + logvar
 * nll_loss  = sum(nll) / B                                           a sum over C, H, W: not a mean
 * kl_loss   = sum(kl) / B                                            kl: the posterior's per-sample KL [B]
 * g_loss    = -mean(D(x_rec))
 * d_weight  = clamp(||dnll_loss/dW|| / (||dg_loss/dW|| + 1e-4), 0, 1e4).detach() * disc_weight
 * loss      = sum(weights * nll) / B + kl_weight * kl_loss + d_weight * disc_factor * g_loss
 * </pre>
 * where W is the decoder's last-layer weight and {@code disc_factor} is {@code disc_factor} from step
 * {@code disc_start} on ({@code globalStep >= disc_start}) and 0 before. {@code d_weight} is 0 without being
 * computed when the configured {@code disc_factor} is 0, and 0 in evaluation mode where no gradient can be taken
 * (validation under {@code GradMode.disabled()}); in training mode a missing gradient is an error, as the
 * reference's {@code assert not self.training}. The reference evaluates the discriminator and the adaptive weight
 * before {@code disc_start} too (and logs them); so does this class.
 *
 * <h2>Discriminator step (optimizer 1), {@link #discriminatorLoss}</h2>
 * {@code disc_factor * disc_loss(D(x.detach()), D(x_rec.detach()))} with the configured {@link GanLoss}; the
 * discriminator runs on the two batches separately (train-mode BatchNorm sees two batches and updates its running
 * statistics twice). Unlike the reference, LPIPS is not evaluated in this step: its result would be unused.
 *
 * <h2>State and modes</h2>
 * Keys: {@code logvar} (a trainable scalar), {@code perceptual_loss.*} (the frozen {@link Lpips}) and
 * {@code discriminator.*} (a {@link PatchGanDiscriminator}); an AutoencoderKL checkpoint stores them under
 * {@code loss.}. A new instance is in training mode with the LPIPS in evaluation mode, as the reference constructs
 * it. As in the reference, {@code train()} on this loss (or a parent) also switches the LPIPS dropout on; call
 * {@code perceptualLoss().eval()} afterwards for the deterministic LPIPS. Note that LDM's
 * {@code AutoencoderKL.configure_optimizers} does not give {@code logvar} to any optimizer, so there it stays at
 * {@code logvar_init}; include it in the autoencoder's optimizer only on purpose.
 *
 * <pre>{@code
 * AutoencoderLoss loss = new AutoencoderLoss(AutoencoderLossConfig.ldm(), Lpips.load(lpipsFile), rng);
 * Tensor convOut = ...;                        // the decoder's last-layer weight, decoder.conv_out.weight
 * // generator step: gradients into encoder, decoder (and logvar if optimised)
 * GeneratorOutput<KlLossLog> g = loss.generatorLoss(x, xRec, klPerSample, step, convOut);
 * g.loss().backward();
 * // discriminator step
 * DiscriminatorOutput d = loss.discriminatorLoss(x, xRec, step);
 * d.loss().backward();
 * }</pre>
 */
public final class AutoencoderLoss extends Module {
    private final AutoencoderLossConfig config;
    private final Lpips perceptualLoss;
    private final PatchGanDiscriminator discriminator;

    /**
     * A loss with a random-weight LPIPS and discriminator: load real weights with {@code load(stateDict)} (keys
     * {@code logvar}, {@code perceptual_loss.*}, {@code discriminator.*}) or {@code perceptualLoss().loadWeights(file)}.
     */
    public AutoencoderLoss(AutoencoderLossConfig config, Rng rng) {
        this(config, new Lpips(checkRng(rng)), rng);
    }

    /**
     * A loss around the given LPIPS (which it registers as {@code perceptual_loss} and puts in evaluation mode);
     * {@code rng} draws the discriminator's initial weights ({@code weights_init}).
     */
    public AutoencoderLoss(AutoencoderLossConfig config, Lpips perceptualLoss, Rng rng) {
        if (config == null) {
            throw new IllegalArgumentException("config: expected an AutoencoderLossConfig, got null");
        }
        if (perceptualLoss == null) {
            throw new IllegalArgumentException("perceptualLoss: expected an Lpips, got null");
        }
        checkRng(rng);
        this.config = config;
        try (MemoryScope s = MemoryScope.open()) {
            registerParameter("logvar", Tensor.scalar(config.logvarInit()));
        }
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

    /** Optimizer 0 without pixel weights or condition: see {@link #generatorLoss(Tensor, Tensor, Tensor, long,
     * Tensor, Tensor, Tensor)}. */
    public GeneratorOutput<KlLossLog> generatorLoss(Tensor inputs, Tensor reconstructions, Tensor klPerSample,
                                                    long globalStep, Tensor lastLayer) {
        return generatorLoss(inputs, reconstructions, klPerSample, globalStep, lastLayer, null, null);
    }

    /**
     * The autoencoder's loss (optimizer 0).
     *
     * @param inputs          the images x [B, C, H, W]
     * @param reconstructions the decoder's output [B, C, H, W], with graph back to {@code lastLayer}
     * @param klPerSample     the posterior's KL divergence per sample [B] (with graph to the encoder)
     * @param globalStep      the training step, compared with {@code disc_start}
     * @param lastLayer       the decoder's last-layer weight (the reference's {@code decoder.conv_out.weight})
     * @param weights         per-pixel weights broadcastable to [B, C, H, W], or null
     * @param cond            the discriminator's condition [B, C', H, W] for a conditional one, else null
     */
    public GeneratorOutput<KlLossLog> generatorLoss(Tensor inputs, Tensor reconstructions, Tensor klPerSample,
                                                    long globalStep, Tensor lastLayer, Tensor weights, Tensor cond) {
        Tensor logvar = logvar();
        GanTerms.checkImages(inputs, reconstructions, logvar.dtype(), config.perceptualWeight());
        long b = inputs.size(0);
        if (klPerSample == null) {
            throw new IllegalArgumentException("klPerSample: expected the posterior's KL per sample [" + b
                    + "], got null");
        }
        Shapes.checkShape("klPerSample", klPerSample, b);
        Shapes.checkSameDType("klPerSample", klPerSample, logvar);
        if (lastLayer == null) {
            throw new IllegalArgumentException("lastLayer: expected the decoder's last-layer weight, got null");
        }
        GanTerms.Reconstruction r = GanTerms.reconstruction(perceptualLoss, config.perceptualWeight(), inputs,
                reconstructions);
        Tensor nll = r.recLoss().div(logvar.exp()).add(logvar);                  // (B, C, H, W)
        Tensor nllLoss = GanTerms.divide(nll.sum(), b);                          // sum / B, not a mean
        Tensor weightedNllLoss = nllLoss;
        if (weights != null) {
            Shapes.checkSameDType("weights", weights, logvar);
            weightedNllLoss = GanTerms.divide(weights.mul(nll).sum(), b);
        }
        Tensor klLoss = GanTerms.divide(klPerSample.sum(), b);

        Tensor logitsFake = discriminator.forward(GanTerms.discriminatorInput(reconstructions, cond,
                config.discConditional()));
        Tensor gLoss = GanLoss.generatorLoss(logitsFake);
        AdaptiveWeight dWeight = config.discFactor() > 0
                ? GanTerms.adaptiveWeight(nllLoss, gLoss, lastLayer, config.discWeight(), isTraining(),
                        logvar.dtype())
                : AdaptiveWeight.zero(logvar.dtype());
        double discFactor = GanLoss.adoptWeight(config.discFactor(), globalStep, config.discStart());
        Tensor loss = weightedNllLoss.add(klLoss.mul(config.klWeight()))
                .add(dWeight.value().mul(discFactor).mul(gLoss));

        KlLossLog log = new KlLossLog(loss.item(), logvar.item(), klLoss.item(), nllLoss.item(),
                GanTerms.meanValue(r.recLoss()), dWeight.value().item(), discFactor, gLoss.item());
        return new GeneratorOutput<>(loss, log, logitsFake, r.perceptual(), dWeight);
    }

    /** Optimizer 1 for an unconditional discriminator: see {@link #discriminatorLoss(Tensor, Tensor, long, Tensor)}. */
    public DiscriminatorOutput discriminatorLoss(Tensor inputs, Tensor reconstructions, long globalStep) {
        return discriminatorLoss(inputs, reconstructions, globalStep, null);
    }

    /**
     * The discriminator's loss (optimizer 1): both image batches are detached, so the gradient reaches only the
     * discriminator.
     *
     * @param cond the condition [B, C', H, W] for a conditional discriminator, else null
     */
    public DiscriminatorOutput discriminatorLoss(Tensor inputs, Tensor reconstructions, long globalStep, Tensor cond) {
        GanTerms.checkImages(inputs, reconstructions, logvar().dtype(), 0);
        double discFactor = GanLoss.adoptWeight(config.discFactor(), globalStep, config.discStart());
        return GanTerms.discriminatorStep(discriminator, config.discLoss(), discFactor, inputs, reconstructions, cond,
                config.discConditional());
    }

    /** The learned scalar log-variance (a parameter of shape []). */
    public Tensor logvar() {
        return parameter("logvar");
    }

    /** The frozen LPIPS, {@code perceptual_loss}. */
    public Lpips perceptualLoss() {
        return perceptualLoss;
    }

    /** The patch discriminator, {@code discriminator}: give its parameters to the discriminator's optimizer. */
    public PatchGanDiscriminator discriminator() {
        return discriminator;
    }

    public AutoencoderLossConfig config() {
        return config;
    }

    @Override
    protected String typeName() {
        return "LPIPSWithDiscriminator";
    }

    @Override
    protected String extraRepr() {
        return config.toString();
    }
}
