package org.ldm4j.conditioning;

import org.ldm4j.core.tensor.Tensor;

/**
 * A conditioning encoder τ_θ: encodes a batch of conditions of type {@code C} into the tensor the denoiser
 * consumes, and produces the "unconditional" counterpart of a batch for classifier-free guidance
 * ({@code eps = eps(x, uc) + s * (eps(x, c) - eps(x, uc))}).
 *
 * <p>What the unconditional input is follows the reference: the null class for class conditioning
 * ({@code cin256-v2}'s label 1000), the empty caption for text ({@code get_learned_conditioning(B * [""])}),
 * a layout without objects for layouts, zeros for spatial maps.
 *
 * <pre>{@code
 * Conditioner<Tensor> text = new TransformerEmbedder(config, EmptyPrompt.bert(), rng);
 * Tensor c = text.encode(ids);                // int64 [B, 77] -> [B, 77, 1280]
 * Tensor uc = text.unconditional(ids);        // the empty caption's encoding, [B, 77, 1280]
 * }</pre>
 *
 * @param <C> the type of a batch of conditions (int64 labels or token ids, a list of layouts, an image batch)
 */
public interface Conditioner<C> {

    /** How the denoiser consumes the encoding (the reference's {@code conditioning_key}). */
    enum Kind {
        /** A token sequence [B, N, D] for cross-attention ({@code crossattn}). */
        TOKENS,
        /** A vector [B, D] added to the time embedding ({@code adm}). */
        VECTOR,
        /** A map [B, C, H, W] concatenated with the latent ({@code concat}). */
        SPATIAL
    }

    /** Encodes a batch of conditions. */
    Tensor encode(C condition);

    /** The unconditional input matching {@code condition}'s batch (same batch size, and length or shape). */
    C unconditionalLike(C condition);

    /** {@code encode(unconditionalLike(condition))}: what classifier-free guidance pairs with the condition. */
    default Tensor unconditional(C condition) {
        return encode(unconditionalLike(condition));
    }

    /** How the encoding is consumed. */
    Kind kind();

    /** The feature size of the encoding: D of [B, N, D] or [B, D], or the channels C of [B, C, H, W]. */
    long outputDim();
}
