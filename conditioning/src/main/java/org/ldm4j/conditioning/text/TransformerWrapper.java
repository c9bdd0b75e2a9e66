package org.ldm4j.conditioning.text;

import org.ldm4j.core.nn.Dropout;
import org.ldm4j.core.nn.Embedding;
import org.ldm4j.core.nn.LayerNorm;
import org.ldm4j.core.nn.Linear;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * The token transformer of the reference's text and layout encoders: x-transformers'
 * {@code TransformerWrapper(num_tokens, max_seq_len, attn_layers=Encoder(dim, depth))} called with
 * {@code return_embeddings=True}, in the copy the reference vendors ({@code ldm/modules/x_transformer.py}, taken
 * from x-transformers 0.x, whose layer layout it keeps):
 * <pre>
 *   x = token_emb(ids) + pos_emb(positions 0..N-1)          both initialised N(0, 0.02^2)
 *   x = emb_dropout(x)                                       (project_emb is the identity: emb_dim = dim)
 *   x = attn_layers(x)                                       pre-norm (attention, feed-forward) pairs
 *   return norm(x)                                           LayerNorm(D), eps 1e-5; to_logits is skipped
 * </pre>
 * State-dict keys, in the reference's order (for depth L; i in 0..L-1):
 * <pre>
 *   token_emb.weight [V, D]            pos_emb.emb.weight [maxSeqLen, D]
 *   attn_layers.layers.{2i}.0.{weight,bias} [D]              attention pre-norm
 *   attn_layers.layers.{2i}.1.to_q.weight [h*d, D]  .to_k.weight  .to_v.weight  (no bias)
 *   attn_layers.layers.{2i}.1.to_out.weight [D, h*d]  .to_out.bias [D]
 *   attn_layers.layers.{2i+1}.0.{weight,bias} [D]            feed-forward pre-norm
 *   attn_layers.layers.{2i+1}.1.net.0.0.{weight [4D, D], bias}  .net.2.{weight [D, 4D], bias}
 *   norm.{weight,bias} [D]             to_logits.weight [V, D]  to_logits.bias [V]
 * </pre>
 * {@code to_logits} is built by the reference even though {@code return_embeddings=True} never uses it, so its
 * checkpoints carry it; it is kept for strict loading and marked as not requiring grad (it would get none), so
 * {@link Module#trainableParameters()} leaves it out of the optimizer.
 *
 * <pre>{@code
 * TransformerWrapper t = new TransformerWrapper(TransformerEmbedderConfig.layout2imgOpenImages(), rng);
 * Tensor z = t.forward(ids);                   // int64 [B, 92] -> [B, 92, 512]
 * }</pre>
 */
public final class TransformerWrapper extends Module {
    private final TransformerEmbedderConfig config;
    private final Embedding tokenEmb;
    private final AbsolutePositionalEmbedding posEmb;
    private final Dropout embDropout;
    private final AttentionLayers attnLayers;
    private final LayerNorm norm;

    public TransformerWrapper(TransformerEmbedderConfig config, Rng rng) {
        if (config == null || rng == null) {
            throw new IllegalArgumentException("config, rng: expected a config and a generator, got " + config
                    + ", " + rng);
        }
        this.config = config;
        tokenEmb = register("token_emb", new Embedding(config.vocabSize(), config.nEmbed(), rng));
        AbsolutePositionalEmbedding.scaleInPlace(tokenEmb.weight(), 0.02);
        posEmb = register("pos_emb", new AbsolutePositionalEmbedding(config.nEmbed(), config.maxSeqLen(), rng));
        double p = config.embeddingDropout();
        embDropout = register("emb_dropout", new Dropout(p, p > 0 ? rng.split() : null));
        attnLayers = register("attn_layers", new AttentionLayers(config, rng));
        norm = register("norm", new LayerNorm(config.nEmbed(), 1e-5, true));
        Linear toLogits = register("to_logits", new Linear(config.nEmbed(), config.vocabSize(), true, rng));
        toLogits.weight().requiresGrad(false);
        toLogits.bias().requiresGrad(false);
    }

    /** Token ids int64 [B, N], N <= maxSeqLen, values in [0, vocabSize) -> embeddings [B, N, D]. */
    public Tensor forward(Tensor ids) {
        checkIds(ids);
        return forwardEmbeddings(tokenEmb.forward(ids));
    }

    /**
     * From token embeddings [B, N, D] (the output of {@code token_emb}, or any float tensor of that shape: the
     * positions are added here) -> [B, N, D]. The input side of gradient checks.
     */
    public Tensor forwardEmbeddings(Tensor tokenEmbeddings) {
        Shapes.checkRank("tokenEmbeddings", tokenEmbeddings, 3);
        Shapes.checkDim("tokenEmbeddings", tokenEmbeddings, 2, config.nEmbed(), "features");
        long n = tokenEmbeddings.size(1);
        checkLength("tokenEmbeddings", n, tokenEmbeddings.shape());
        Tensor x = tokenEmbeddings.add(posEmb.forward(n));               // (B, N, D) + (N, D)
        x = embDropout.forward(x);
        x = attnLayers.forward(x);
        return norm.forward(x);                                          // (B, N, D)
    }

    private void checkIds(Tensor ids) {
        if (ids.dtype() != DType.INT64 && ids.dtype() != DType.INT32) {
            throw new IllegalArgumentException("ids: expected INT64 token ids [B, N], got " + ids.dtype() + " "
                    + Shapes.str(ids.shape()));
        }
        Shapes.checkRank("ids", ids, 2);
        checkLength("ids", ids.size(1), ids.shape());
    }

    private void checkLength(String arg, long n, long[] shape) {
        if (n < 1 || n > config.maxSeqLen()) {
            throw new IllegalArgumentException(arg + ": expected 1 to " + config.maxSeqLen() + " positions (dim 1, "
                    + "max_seq_len), got " + n + " in " + Shapes.str(shape));
        }
    }

    public TransformerEmbedderConfig config() {
        return config;
    }

    @Override
    protected String extraRepr() {
        return "vocab=" + config.vocabSize() + ", maxSeqLen=" + config.maxSeqLen() + ", dim=" + config.nEmbed()
                + ", depth=" + config.nLayer();
    }
}
