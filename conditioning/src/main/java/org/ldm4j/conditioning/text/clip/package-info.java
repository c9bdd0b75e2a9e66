/**
 * Stable Diffusion 1.x's text conditioning: the CLIP ViT-L/14 text transformer (huggingface's
 * {@code CLIPTextModel}: token and position embeddings, pre-norm blocks under a causal mask with quick-GELU MLPs,
 * a final LayerNorm) under the reference's key names, loadable from safetensors.
 *
 * <pre>{@code
 * FrozenClipEmbedder clip = new FrozenClipEmbedder(ClipTextConfig.vitL14(), EmptyPrompt.clip(), new Rng(0));
 * clip.loadCheckpoint(SafeTensors.read(Path.of("sd-v1-5.safetensors")).tensors());   // cond_stage_model.*
 * Tensor c = clip.encode(ids);                 // int64 [B, 77] -> [B, 77, 768]
 * }</pre>
 */
package org.ldm4j.conditioning.text.clip;
