package org.ldm4j.autoencoder;

import java.util.Map;
import org.ldm4j.core.nn.Conv2d;
import org.ldm4j.core.nn.LoadReport;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * The VQ-regularised autoencoder ({@code ldm.models.autoencoder.VQModel} / {@code VQModelInterface}, without
 * the loss): {@code encoder}, {@code decoder}, {@code quantize} ({@link VectorQuantizer}, beta 0.25, legacy
 * loss), {@code quant_conv} (1x1, {@code z -> embedDim}) and {@code post_quant_conv} (1x1,
 * {@code embedDim -> z}), registered in the reference's order.
 *
 * <p>The paper's "quantization layer absorbed by the decoder": {@link #encode} returns the pre-quantisation
 * latent h, which the diffusion model works on, and {@link #decode} quantises h first.
 * {@link #decodeQuantized} skips the quantiser (the reference's {@code force_not_quantize}).
 *
 * <pre>{@code
 * VQModel vq = new VQModel(AutoencoderConfig.vqF4(), new Rng(0));
 * Tensor h = vq.encode(x);                           // [B, 3, 64, 64], not yet quantised
 * Tensor img = vq.decode(h);                         // quantise, post_quant_conv, decoder
 * VQModel.Output out = vq.forward(x);                // training: reconstruction, codebook loss, indices
 * Tensor fromCodes = vq.decodeCode(out.quantization().indices());
 * }</pre>
 */
public final class VQModel extends Module implements FirstStage {
    /** The reference's commitment weight. */
    public static final double BETA = 0.25;

    private final AutoencoderConfig config;
    private final Encoder encoder;
    private final Decoder decoder;
    private final VectorQuantizer quantize;
    private final Conv2d quantConv;
    private final Conv2d postQuantConv;

    /**
     * The reconstruction and the quantiser's result.
     *
     * <pre>{@code
     * VQModel.Output out = vq.forward(x);
     * Tensor loss = l1(out.reconstruction(), x).add(out.codebookLoss());
     * }</pre>
     *
     * @param reconstruction the decoded image [B, outCh, H, W]
     * @param quantization   the quantised latent, its loss, indices and statistics
     */
    public record Output(Tensor reconstruction, VectorQuantizer.Result quantization) {
        /** The codebook and commitment loss (rank 0). */
        public Tensor codebookLoss() {
            return quantization.loss();
        }

        /** The codes, int64 [B, h, w]. */
        public Tensor indices() {
            return quantization.indices();
        }
    }

    /** A model of {@code config} with the reference's quantiser (beta 0.25, legacy loss). */
    public VQModel(AutoencoderConfig config, Rng rng) {
        this(config, BETA, true, rng);
    }

    /** A model of {@code config} (doubleZ false, nEmbed > 0) with the given quantiser loss. */
    public VQModel(AutoencoderConfig config, double beta, boolean legacy, Rng rng) {
        if (config == null) {
            throw new IllegalArgumentException("config: expected an AutoencoderConfig, got null");
        }
        if (config.doubleZ() || !config.isVq()) {
            throw new IllegalArgumentException("config: VQModel needs doubleZ = false and a codebook (nEmbed > 0), "
                    + "got doubleZ = " + config.doubleZ() + ", nEmbed = " + config.nEmbed()
                    + " (use AutoencoderKL for a KL model)");
        }
        if (rng == null) {
            throw new IllegalArgumentException("rng: expected a generator for the initial weights, got null");
        }
        this.config = config;
        encoder = register("encoder", new Encoder(config, rng));
        decoder = register("decoder", new Decoder(config, rng));
        quantize = register("quantize", new VectorQuantizer(config.nEmbed(), config.embedDim(), beta, legacy, rng));
        quantConv = register("quant_conv", new Conv2d(config.zChannels(), config.embedDim(), 1, 1, 0, true, rng));
        postQuantConv = register("post_quant_conv",
                new Conv2d(config.embedDim(), config.zChannels(), 1, 1, 0, true, rng));
    }

    /** x [B, inChannels, H, W] -> the pre-quantisation latent h [B, embedDim, H/f, W/f]. */
    public Tensor encode(Tensor x) {
        return encode(x, Tracer.NONE);
    }

    /** As {@link #encode(Tensor)}, reporting {@code encoder.*} activations. */
    public Tensor encode(Tensor x, Tracer trace) {
        return quantConv.forward(encoder.forward(x, trace.prefixed("encoder.")));
    }

    /** Quantises a pre-quantisation latent h [B, embedDim, h, w]. */
    public VectorQuantizer.Result quantize(Tensor h) {
        return quantize.forward(h);
    }

    /** h [B, embedDim, h, w] -> image: quantise, then {@link #decodeQuantized}. */
    @Override
    public Tensor decode(Tensor h) {
        checkLatent("h", h);
        return decodeQuantized(quantize.forward(h).quantized());
    }

    /** A quantised (or any) latent [B, embedDim, h, w] -> image, without quantising. */
    public Tensor decodeQuantized(Tensor quant) {
        return decodeQuantized(quant, Tracer.NONE);
    }

    /** As {@link #decodeQuantized(Tensor)}, reporting {@code post_quant_conv} and {@code decoder.*} activations. */
    public Tensor decodeQuantized(Tensor quant, Tracer trace) {
        checkLatent("quant", quant);
        Tensor h = postQuantConv.forward(quant);                             // (B, zChannels, h, w)
        trace.record("post_quant_conv", h);
        return decoder.forward(h, trace.prefixed("decoder."));
    }

    /** Codes int [B, h, w] -> image, through the codebook vectors. */
    public Tensor decodeCode(Tensor indices) {
        return decodeQuantized(quantize.lookup(indices));
    }

    /** Encodes, quantises and decodes x [B, inChannels, H, W]. */
    public Output forward(Tensor x) {
        VectorQuantizer.Result q = quantize.forward(encode(x));
        return new Output(decodeQuantized(q.quantized()), q);
    }

    /** The pre-quantisation latent h. */
    @Override
    public Tensor encodeToLatent(Tensor x) {
        return encode(x);
    }

    /** The pre-quantisation latent h; {@code rng} is unused (the VQ encoder is deterministic). */
    @Override
    public Tensor encodeToLatent(Tensor x, Rng rng) {
        return encode(x);
    }

    /** The pre-quantisation latent h; the generators are unused. */
    @Override
    public Tensor encodeToLatent(Tensor x, Rng[] perExample) {
        return encode(x);
    }

    /** Loads a trained checkpoint's weights strictly, skipping its {@code loss.*} entries. */
    public LoadReport loadWithoutLoss(Map<String, Tensor> stateDict) {
        return Checkpoints.loadWithoutLoss(this, stateDict);
    }

    /** The decoder's last layer weight ({@code decoder.conv_out.weight}), for the loss's adaptive weight. */
    public Tensor lastLayerWeight() {
        return decoder.lastLayerWeight();
    }

    public VectorQuantizer quantizer() {
        return quantize;
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

    private void checkLatent(String arg, Tensor t) {
        Shapes.checkRank(arg, t, 4);
        Shapes.checkDim(arg, t, 1, config.embedDim(), "embedDim latent channels");
    }
}
