package org.ldm4j.conditioning.layout;

import java.util.ArrayList;
import java.util.List;
import org.ldm4j.conditioning.Conditioner;
import org.ldm4j.conditioning.text.TransformerEmbedder;
import org.ldm4j.conditioning.text.TransformerEmbedderConfig;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;

/**
 * Layout conditioning as the paper's layout-to-image model: layouts become token sequences
 * ({@link LayoutTokenizer}) that a {@link TransformerEmbedder} embeds into the cross-attention context
 * [B, sequenceLength, nEmbed]; layouts with fewer objects are padded with padding objects. The reference runs a
 * {@code BERTEmbedder} with {@code use_tokenizer: false} on the tokens, so the keys are the same
 * {@code transformer.*} ({@code cond_stage_model.transformer.*} in a checkpoint). The unconditional input is a
 * layout without objects.
 *
 * <pre>{@code
 * LayoutEncoder enc = new LayoutEncoder(LayoutTokenizer.openImages(601),
 *         TransformerEmbedderConfig.layout2imgOpenImages(), new Rng(0));
 * Tensor c = enc.encode(List.of(Layout.of(new Box(5, 0.1, 0.2, 0.5, 0.9))));     // [1, 92, 512]
 * }</pre>
 */
public final class LayoutEncoder extends Module implements Conditioner<List<Layout>> {
    private final LayoutTokenizer tokenizer;
    private final TransformerEmbedder embedder;

    /**
     * @param config the transformer; its vocabulary must cover the tokenizer's, and its positions its sequence
     */
    public LayoutEncoder(LayoutTokenizer tokenizer, TransformerEmbedderConfig config, Rng rng) {
        if (tokenizer == null || config == null) {
            throw new IllegalArgumentException("tokenizer, config: expected both, got " + tokenizer + ", " + config);
        }
        if (config.vocabSize() < tokenizer.vocabSize()) {
            throw new IllegalArgumentException("config: expected vocabSize >= " + tokenizer.vocabSize() + " (the "
                    + "tokenizer's), got " + config.vocabSize());
        }
        if (config.maxSeqLen() < tokenizer.sequenceLength()) {
            throw new IllegalArgumentException("config: expected maxSeqLen >= " + tokenizer.sequenceLength() + " (the "
                    + "tokenizer's sequence length), got " + config.maxSeqLen());
        }
        this.tokenizer = tokenizer;
        this.embedder = new TransformerEmbedder(config, null, rng);
        register("transformer", embedder.transformer());
    }

    /** B layouts -> [B, sequenceLength, nEmbed]. */
    @Override
    public Tensor encode(List<Layout> layouts) {
        return encodeTokens(tokenizer.tokenize(layouts));
    }

    /** Already tokenized layouts, int64 [B, N] -> [B, N, nEmbed]. */
    public Tensor encodeTokens(Tensor tokens) {
        return embedder.encode(tokens);
    }

    /** Token embeddings [B, N, nEmbed] (before positions) -> [B, N, nEmbed]: the input side of gradient checks. */
    public Tensor encodeEmbeddings(Tensor tokenEmbeddings) {
        return embedder.encodeEmbeddings(tokenEmbeddings);
    }

    /** As many layouts without objects (whole-image crop) as {@code layouts}. */
    @Override
    public List<Layout> unconditionalLike(List<Layout> layouts) {
        if (layouts == null || layouts.isEmpty()) {
            throw new IllegalArgumentException("layouts: expected at least one layout, got "
                    + (layouts == null ? "null" : "an empty list"));
        }
        List<Layout> out = new ArrayList<>(layouts.size());
        for (int i = 0; i < layouts.size(); i++) {
            out.add(Layout.of());
        }
        return out;
    }

    public LayoutTokenizer tokenizer() {
        return tokenizer;
    }

    public TransformerEmbedderConfig config() {
        return embedder.config();
    }

    @Override
    public Kind kind() {
        return Kind.TOKENS;
    }

    @Override
    public long outputDim() {
        return embedder.config().nEmbed();
    }
}
