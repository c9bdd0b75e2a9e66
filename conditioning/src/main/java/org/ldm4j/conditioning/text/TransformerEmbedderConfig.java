package org.ldm4j.conditioning.text;

/**
 * The shape of the reference's {@code TransformerEmbedder}/{@code BERTEmbedder}: x-transformers'
 * {@code TransformerWrapper(num_tokens=vocabSize, max_seq_len=maxSeqLen,
 * attn_layers=Encoder(dim=nEmbed, depth=nLayer))} with the defaults {@code heads=8}, {@code dim_head=64} and a
 * feed-forward of width {@code 4 * nEmbed}.
 *
 * <pre>{@code
 * TransformerEmbedderConfig c = TransformerEmbedderConfig.txt2img1p4B();   // 1280 wide, 32 layers, 30522 tokens
 * TransformerEmbedderConfig tiny = new TransformerEmbedderConfig(16, 2, 50, 8, 2, 4, 4, 0.0);
 * long n = c.parameterCount();                                            // includes the unused to_logits
 * }</pre>
 *
 * @param nEmbed           model width D ({@code n_embed})
 * @param nLayer           number of (attention, feed-forward) pairs ({@code n_layer})
 * @param vocabSize        number of token ids ({@code vocab_size})
 * @param maxSeqLen        number of positions ({@code max_seq_len})
 * @param heads            attention heads (x-transformers default 8)
 * @param dimHead          channels per head (x-transformers default 64; independent of D)
 * @param ffMult           feed-forward width multiplier (default 4)
 * @param embeddingDropout dropout after the embeddings ({@code BERTEmbedder}'s {@code embedding_dropout})
 */
public record TransformerEmbedderConfig(int nEmbed, int nLayer, int vocabSize, int maxSeqLen, int heads,
                                        int dimHead, int ffMult, double embeddingDropout) {

    /** Validates every field. */
    public TransformerEmbedderConfig {
        positive("nEmbed", nEmbed);
        positive("nLayer", nLayer);
        positive("vocabSize", vocabSize);
        positive("maxSeqLen", maxSeqLen);
        positive("heads", heads);
        positive("dimHead", dimHead);
        positive("ffMult", ffMult);
        if (!(embeddingDropout >= 0 && embeddingDropout < 1)) {
            throw new IllegalArgumentException("embeddingDropout: expected a probability in [0, 1), got "
                    + embeddingDropout);
        }
    }

    private static void positive(String name, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + ": expected a positive value, got " + v);
        }
    }

    /** The reference's arguments with x-transformers' defaults (8 heads of 64, feed-forward 4x, no dropout). */
    public static TransformerEmbedderConfig of(int nEmbed, int nLayer, int vocabSize, int maxSeqLen) {
        return new TransformerEmbedderConfig(nEmbed, nLayer, vocabSize, maxSeqLen, 8, 64, 4, 0.0);
    }

    /** {@code configs/latent-diffusion/txt2img-1p4B-eval.yaml}: BERTEmbedder n_embed 1280, n_layer 32. */
    public static TransformerEmbedderConfig txt2img1p4B() {
        return of(1280, 32, 30522, 77);
    }

    /** {@code models/ldm/text2img256/config.yaml}: BERTEmbedder n_embed 640, n_layer 32. */
    public static TransformerEmbedderConfig text2img256() {
        return of(640, 32, 30522, 77);
    }

    /**
     * {@code models/ldm/layout2img-openimages256/config.yaml}: BERTEmbedder n_embed 512, n_layer 16,
     * vocab_size 8192, max_seq_len 92 (30 objects x 3 tokens + 2 crop tokens), no tokenizer.
     */
    public static TransformerEmbedderConfig layout2imgOpenImages() {
        return of(512, 16, 8192, 92);
    }

    /** A copy with another embedding dropout. */
    public TransformerEmbedderConfig withEmbeddingDropout(double p) {
        return new TransformerEmbedderConfig(nEmbed, nLayer, vocabSize, maxSeqLen, heads, dimHead, ffMult, p);
    }

    /** heads * dimHead, the width of q, k and v. */
    public long innerDim() {
        return (long) heads * dimHead;
    }

    /**
     * The number of parameters of the module, computed from the shapes (the reference's {@code to_logits}
     * included, as its checkpoints carry it).
     */
    public long parameterCount() {
        long d = nEmbed;
        long inner = innerDim();
        long ff = d * ffMult;
        long attention = 2 * d + 3 * d * inner + inner * d + d;       // norm, to_q/k/v, to_out
        long feedForward = 2 * d + d * ff + ff + ff * d + d;          // norm, net.0.0, net.2
        return (long) vocabSize * d + (long) maxSeqLen * d + nLayer * (attention + feedForward) + 2 * d
                + d * vocabSize + vocabSize;
    }
}
