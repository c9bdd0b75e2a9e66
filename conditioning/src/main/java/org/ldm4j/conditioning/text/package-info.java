/**
 * Text conditioning as the paper's text-to-image model does it: a transformer trained jointly with the U-Net
 * from scratch (the reference's {@code TransformerEmbedder} and {@code BERTEmbedder}, built on its vendored copy
 * of x-transformers, with x-transformers' state-dict keys). Stable Diffusion 1.x's frozen CLIP text encoder is
 * in {@code text.clip}; tokenizers are in {@code text.tokenize}. The encoders take token ids as int64 [B, N].
 *
 * <pre>{@code
 * TransformerEmbedder text = new TransformerEmbedder(TransformerEmbedderConfig.txt2img1p4B(),
 *         EmptyPrompt.bert(), new Rng(0));
 * Tensor c = text.encode(ids);                  // int64 [B, 77] -> [B, 77, 1280]
 * text.stateDict().keySet();                    // transformer.token_emb.weight, transformer.pos_emb.emb.weight, ...
 * }</pre>
 */
package org.ldm4j.conditioning.text;
