package org.ldm4j.conditioning.text;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import org.ldm4j.conditioning.Conditioner;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * The reference's {@code BERTEmbedder}: a tokenizer (no parameters) followed by a {@link TransformerWrapper}
 * registered as {@code transformer}, with optional embedding dropout; the paper's text-to-image encoder, trained
 * jointly with the U-Net. Keys: {@code transformer.*}, as {@link TransformerEmbedder}'s.
 *
 * <p>The tokenizer is any function from captions to int64 ids [B, maxSeqLen] (truncated and padded), for
 * example a WordPiece tokenizer's batch encoding; the unconditional input is the empty caption {@code ""}.
 *
 * <pre>{@code
 * BertEmbedder bert = new BertEmbedder(TransformerEmbedderConfig.txt2img1p4B(),
 *         captions -> wordPiece.encode(captions, 77), new Rng(0));
 * Tensor c = bert.encode(List.of("a painting of a fox", "a red car"));    // [2, 77, 1280]
 * Tensor uc = bert.unconditional(List.of("a painting of a fox", "a red car"));   // "" twice
 * }</pre>
 */
public final class BertEmbedder extends Module implements Conditioner<List<String>> {
    private final TransformerWrapper transformer;
    private final Function<List<String>, Tensor> tokenizer;

    /**
     * @param tokenizer captions -> int64 token ids [B, N] with N <= maxSeqLen (the reference pads to
     *                  max_seq_len)
     */
    public BertEmbedder(TransformerEmbedderConfig config, Function<List<String>, Tensor> tokenizer, Rng rng) {
        if (tokenizer == null) {
            throw new IllegalArgumentException("tokenizer: expected a function from captions to token ids, got null");
        }
        this.tokenizer = tokenizer;
        transformer = register("transformer", new TransformerWrapper(config, rng));
    }

    /** Captions (B of them) -> [B, N, nEmbed]. */
    @Override
    public Tensor encode(List<String> captions) {
        if (captions == null || captions.isEmpty()) {
            throw new IllegalArgumentException("captions: expected at least one caption, got "
                    + (captions == null ? "null" : "an empty list"));
        }
        Tensor ids = tokenizer.apply(captions);
        Shapes.checkRank("tokenizer output", ids, 2);
        Shapes.checkDim("tokenizer output", ids, 0, captions.size(), "captions");
        return encodeIds(ids);
    }

    /** Already tokenized captions, int64 [B, N] -> [B, N, nEmbed] (the reference's {@code use_tokenizer=False}). */
    public Tensor encodeIds(Tensor ids) {
        return transformer.forward(ids);
    }

    /** As many empty captions as {@code captions}. */
    @Override
    public List<String> unconditionalLike(List<String> captions) {
        return new ArrayList<>(Collections.nCopies(captions.size(), ""));
    }

    public TransformerWrapper transformer() {
        return transformer;
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
