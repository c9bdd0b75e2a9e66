/**
 * The time-conditioned U-Net with cross-attention, the paper's denoiser ε_θ(z_t, t, y), numerically identical to
 * the CompVis reference ({@code ldm.modules.diffusionmodules.openaimodel} and {@code ldm.modules.attention}) and
 * with its state-dict keys.
 *
 * <ul>
 *   <li>{@link org.ldm4j.unet.UNetModel} and {@link org.ldm4j.unet.UNetConfig} (validated, with the paper's presets
 *       and Stable Diffusion 1.x's; {@link org.ldm4j.unet.UNetConfigBuilder} to build others).</li>
 *   <li>Blocks: {@link org.ldm4j.unet.ResBlock}, the legacy {@link org.ldm4j.unet.AttentionBlock},
 *       {@link org.ldm4j.unet.SpatialTransformer} with {@link org.ldm4j.unet.BasicTransformerBlock},
 *       {@link org.ldm4j.unet.CrossAttention} and {@link org.ldm4j.unet.FeedForward},
 *       {@link org.ldm4j.unet.Downsample}, {@link org.ldm4j.unet.Upsample} and
 *       {@link org.ldm4j.unet.TimestepEmbedding}.</li>
 *   <li>{@link org.ldm4j.unet.Tracer}: intermediate activations by reference name, for parity work.</li>
 * </ul>
 *
 * <pre>{@code
 * UNetModel unet = new UNetModel(UNetConfig.cinLdmVqF8(), new Rng(0));
 * try (GradMode.Scope g = GradMode.disabled(); MemoryScope s = MemoryScope.open()) {
 *     Tensor eps = unet.forward(z, t, classContext, null);    // [B, 4, 32, 32], [B], [B, 1, 512]
 * }
 * }</pre>
 *
 * <p>Builds on {@code org.ldm4j.core}; never imports ND4J.
 */
package org.ldm4j.unet;
