/**
 * Conditioning encoders τ_θ(y) of the paper (Rombach et al. 2022, Sec. 3.3): they turn a batch of conditions into
 * the tensor a U-Net consumes, a token sequence {@code [B, N, D]} for cross-attention, a vector, or a spatial
 * map for concatenation, and produce the "unconditional" input for classifier-free guidance.
 *
 * <ul>
 *   <li>{@link org.ldm4j.conditioning.Conditioner}: the common interface.</li>
 *   <li>{@link org.ldm4j.conditioning.ClassEmbedder}: class labels plus a null class (ImageNet: 1000 + 1).</li>
 *   <li>{@code text}: the reference's {@code TransformerEmbedder}/{@code BERTEmbedder} (x-transformers keys);
 *       {@code text.clip}: Stable Diffusion 1.x's frozen CLIP ViT-L/14 text transformer;
 *       {@code text.tokenize}: the tokenizers.</li>
 *   <li>{@code layout}: bounding boxes as a token sequence embedded by a transformer.</li>
 *   <li>{@code spatial}: the {@code SpatialRescaler} for concatenation conditioning.</li>
 * </ul>
 *
 * <pre>{@code
 * ClassEmbedder cls = new ClassEmbedder(1000, 512, new Rng(0));
 * Tensor c = cls.encode(labels);                   // int64 [B] -> [B, 1, 512]
 * Tensor uc = cls.unconditional(labels);           // the null class 1000 for every entry
 * }</pre>
 *
 * <p>Builds on {@code org.ldm4j.core}; never imports ND4J.
 */
package org.ldm4j.conditioning;
