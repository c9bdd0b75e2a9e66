package org.ldm4j.autoencoder;

import java.util.Map;
import org.ldm4j.core.nn.Conv2d;
import org.ldm4j.core.nn.LoadReport;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * The KL-regularised autoencoder ({@code ldm.models.autoencoder.AutoencoderKL}, without the loss):
 * {@code encoder}, {@code decoder}, {@code quant_conv} (1x1, {@code 2z -> 2 embedDim}) and
 * {@code post_quant_conv} (1x1, {@code embedDim -> z}). {@link #encode} gives the posterior
 * {@link DiagonalGaussian}; {@link #decode} maps a latent back to an image. State-dict keys are the reference's
 * ({@code encoder.*, decoder.*, quant_conv.*, post_quant_conv.*}); a trained checkpoint's {@code loss.*} entries
 * belong to the loss module ({@link #loadWithoutLoss}).
 *
 * <pre>{@code
 * AutoencoderKL vae = new AutoencoderKL(AutoencoderConfig.sdVaeF8(), new Rng(0));
 * vae.loadWithoutLoss(StateDict.read(path).stripPrefix("first_stage_model.").tensors());
 * try (GradMode.Scope g = GradMode.disabled(); MemoryScope s = MemoryScope.open()) {
 *     DiagonalGaussian post = vae.encode(x);           // x [B, 3, 256, 256] in [-1, 1]
 *     Tensor rec = vae.decode(post.sample(rng));       // [B, 3, 256, 256]
 * }
 * AutoencoderKL.Output out = vae.forward(x, rng, true); // training: out.reconstruction(), out.posterior().kl()
 * }</pre>
 */
public final class AutoencoderKL extends Module implements FirstStage {
    private final AutoencoderConfig config;
    private final Encoder encoder;
    private final Decoder decoder;
    private final Conv2d quantConv;
    private final Conv2d postQuantConv;

    /**
     * The reconstruction and the posterior it was decoded from.
     *
     * <pre>{@code
     * AutoencoderKL.Output out = vae.forward(x, rng, true);
     * Tensor kl = out.posterior().kl();                  // [B]
     * }</pre>
     *
     * @param reconstruction the decoded image [B, outCh, H, W]
     * @param posterior      q(z|x)
     */
    public record Output(Tensor reconstruction, DiagonalGaussian posterior) {
    }

    /** A model of {@code config} (which must have {@code doubleZ} and no codebook), initialised from {@code rng}. */
    public AutoencoderKL(AutoencoderConfig config, Rng rng) {
        if (config == null) {
            throw new IllegalArgumentException("config: expected an AutoencoderConfig, got null");
        }
        if (!config.doubleZ() || config.isVq()) {
            throw new IllegalArgumentException("config: AutoencoderKL needs doubleZ = true (mean and log-variance) "
                    + "and nEmbed = 0, got doubleZ = " + config.doubleZ() + ", nEmbed = " + config.nEmbed()
                    + " (use VQModel for a codebook)");
        }
        if (rng == null) {
            throw new IllegalArgumentException("rng: expected a generator for the initial weights, got null");
        }
        this.config = config;
        encoder = register("encoder", new Encoder(config, rng));
        decoder = register("decoder", new Decoder(config, rng));
        quantConv = register("quant_conv",
                new Conv2d(2L * config.zChannels(), 2L * config.embedDim(), 1, 1, 0, true, rng));
        postQuantConv = register("post_quant_conv",
                new Conv2d(config.embedDim(), config.zChannels(), 1, 1, 0, true, rng));
    }

    /** x [B, inChannels, H, W] -> the posterior over latents [B, embedDim, H/f, W/f]. */
    public DiagonalGaussian encode(Tensor x) {
        return encode(x, Tracer.NONE);
    }

    /** As {@link #encode(Tensor)}, reporting {@code encoder.*} activations. */
    public DiagonalGaussian encode(Tensor x, Tracer trace) {
        Tensor h = encoder.forward(x, trace.prefixed("encoder."));          // (B, 2z, h, w)
        return new DiagonalGaussian(quantConv.forward(h));                   // moments (B, 2 embedDim, h, w)
    }

    /** z [B, embedDim, h, w] -> image [B, outCh, f*h, f*w]. */
    @Override
    public Tensor decode(Tensor z) {
        return decode(z, Tracer.NONE);
    }

    /** As {@link #decode(Tensor)}, reporting {@code post_quant_conv} and {@code decoder.*} activations. */
    public Tensor decode(Tensor z, Tracer trace) {
        Shapes.checkRank("z", z, 4);
        Shapes.checkDim("z", z, 1, config.embedDim(), "latent channels");
        Tensor h = postQuantConv.forward(z);                                 // (B, zChannels, h, w)
        trace.record("post_quant_conv", h);
        return decoder.forward(h, trace.prefixed("decoder."));
    }

    /** Encodes, takes a posterior sample ({@code samplePosterior}, drawn with {@code rng}) or the mode, decodes. */
    public Output forward(Tensor x, Rng rng, boolean samplePosterior) {
        DiagonalGaussian posterior = encode(x);
        Tensor z = samplePosterior ? posterior.sample(rng) : posterior.mode();
        return new Output(decode(z), posterior);
    }

    /** The posterior mean. */
    @Override
    public Tensor encodeToLatent(Tensor x) {
        return encode(x).mode();
    }

    /** A posterior sample drawn with {@code rng}, as the reference's {@code get_first_stage_encoding}. */
    @Override
    public Tensor encodeToLatent(Tensor x, Rng rng) {
        return encode(x).sample(rng);
    }

    /** A posterior sample with example {@code i}'s noise from {@code perExample[i]}. */
    @Override
    public Tensor encodeToLatent(Tensor x, Rng[] perExample) {
        return encode(x).sample(perExample);
    }

    /** As {@link #forward(Tensor, Rng, boolean)} with a posterior sample drawn per example. */
    public Output forward(Tensor x, Rng[] perExample) {
        DiagonalGaussian posterior = encode(x);
        return new Output(decode(posterior.sample(perExample)), posterior);
    }

    /** Loads a trained checkpoint's weights strictly, skipping its {@code loss.*} entries. */
    public LoadReport loadWithoutLoss(Map<String, Tensor> stateDict) {
        return Checkpoints.loadWithoutLoss(this, stateDict);
    }

    /** The decoder's last layer weight ({@code decoder.conv_out.weight}), for the loss's adaptive weight. */
    public Tensor lastLayerWeight() {
        return decoder.lastLayerWeight();
    }

    public Encoder encoder() {
        return encoder;
    }

    public Decoder decoder() {
        return decoder;
    }

    @Override
    public AutoencoderConfig config() {
        return config;
    }
}
