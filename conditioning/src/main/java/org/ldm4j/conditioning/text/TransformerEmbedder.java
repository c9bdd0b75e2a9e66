package org.ldm4j.conditioning.text;

import org.ldm4j.conditioning.Conditioner;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * The reference's {@code TransformerEmbedder} ({@code ldm.modules.encoders.modules}): a {@link TransformerWrapper}
 * registered as {@code transformer}, trained jointly with the U-Net from scratch, which maps token ids [B, N]
 * to the cross-attention context [B, N, nEmbed]. Keys: {@code transformer.*} (see {@link TransformerWrapper});
 * in a full checkpoint {@code cond_stage_model.transformer.*}.
 *
 * <p>The unconditional input is the empty caption of the tokenizer in use ({@link EmptyPrompt}), padded to the
 * condition's length.
 *
 * <pre>{@code
 * TransformerEmbedder text = new TransformerEmbedder(TransformerEmbedderConfig.txt2img1p4B(),
 *         EmptyPrompt.bert(), new Rng(0));
 * Tensor c = text.encode(ids);               // int64 [B, 77] -> [B, 77, 1280]
 * Tensor uc = text.unconditional(ids);       // [CLS] [SEP] [PAD]... encoded, [B, 77, 1280]
 * }</pre>
 */
public final class TransformerEmbedder extends Module implements Conditioner<Tensor> {
    private final TransformerWrapper transformer;
    private final EmptyPrompt emptyPrompt;

    /**
     * @param emptyPrompt the empty caption's token ids (the unconditional input), or null when the embedder is
     *                    not used for guidance ({@link #unconditionalLike} then throws)
     */
    public TransformerEmbedder(TransformerEmbedderConfig config, EmptyPrompt emptyPrompt, Rng rng) {
        if (emptyPrompt != null && emptyPrompt.maxId() >= config.vocabSize()) {
            throw new IllegalArgumentException("emptyPrompt: expected ids below vocabSize " + config.vocabSize()
                    + ", got " + emptyPrompt);
        }
        this.emptyPrompt = emptyPrompt;
        transformer = register("transformer", new TransformerWrapper(config, rng));
    }

    /** Token ids int64 [B, N] (N <= maxSeqLen) -> [B, N, nEmbed]. */
    @Override
    public Tensor encode(Tensor ids) {
        return transformer.forward(ids);
    }

    /** Token embeddings [B, N, nEmbed] (before positions) -> [B, N, nEmbed]: the input side of gradient checks. */
    public Tensor encodeEmbeddings(Tensor tokenEmbeddings) {
        return transformer.forwardEmbeddings(tokenEmbeddings);
    }

    /** The empty caption, int64 [B, N], for ids [B, N]. */
    @Override
    public Tensor unconditionalLike(Tensor ids) {
        if (emptyPrompt == null) {
            throw new IllegalStateException("unconditionalLike: this TransformerEmbedder was built without an "
                    + "EmptyPrompt; pass the tokenizer's empty caption to the constructor");
        }
        Shapes.checkRank("ids", ids, 2);
        return emptyPrompt.ids(ids.size(0), ids.size(1));
    }

    /** The transformer (registered as {@code transformer}); other encoders register it under the same name. */
    public TransformerWrapper transformer() {
        return transformer;
    }

    public TransformerEmbedderConfig config() {
        return transformer.config();
    }

    @Override
    public Kind kind() {
        return Kind.TOKENS;
    }

    @Override
    public long outputDim() {
        return transformer.config().nEmbed();
    }
}
