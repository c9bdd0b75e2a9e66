/**
 * Stable Diffusion 1.x as it is distributed: {@link org.ldm4j.training.sd.StableDiffusionConfig} (the shapes of
 * {@code v1-inference.yaml}, or of any config of that form) and {@link org.ldm4j.training.sd.StableDiffusion}, which
 * loads a {@code .safetensors} or {@code .ckpt} file with the reference's keys (float32 or float16, raw or EMA
 * weights) or a diffusers folder ({@link org.ldm4j.training.sd.DiffusersKeys} maps its names to the reference's)
 * into a {@link org.ldm4j.training.models.LatentDiffusion} whose conditioning stage is CLIP's text encoder with
 * CLIP's tokenizer. Loading is strict and holds the model plus one tensor at a time.
 *
 * <pre>{@code
 * StableDiffusion.Loaded sd = StableDiffusion.load(Path.of("sd-v1-4.ckpt"),
 *         StableDiffusion.Options.defaults().withTokenizer(Path.of("clip-tokenizer")).withEma(true));
 * Tensor images = Sampling.run(sd.model(), 512, 512, request, null);
 * }</pre>
 */
package org.ldm4j.training.sd;
