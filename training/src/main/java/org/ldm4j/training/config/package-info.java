/**
 * Configs in the YAML format of the CompVis {@code latent-diffusion} reference: a strict reader into ldm4j's
 * config records ({@link org.ldm4j.unet.UNetConfig}, {@link org.ldm4j.autoencoder.AutoencoderConfig}, the
 * autoencoder losses, the conditioning encoders, {@link org.ldm4j.training.config.DiffusionSettings}, data),
 * command-line overrides, and a writer of the same format.
 *
 * <p>Layers: {@link org.ldm4j.training.config.YamlTrees} turns text into a {@link
 * org.ldm4j.training.config.ConfigNode} tree that knows every node's key path and line;
 * {@link org.ldm4j.training.config.Overrides} edits the tree; {@link org.ldm4j.training.config.MapReader} reads
 * it with types and rejects unknown keys; {@link org.ldm4j.training.config.LdmYaml} maps whole files both ways.
 *
 * <pre>{@code
 * LdmConfig c = LdmYaml.read(Path.of("configs/latent-diffusion/cin256-v2.yaml"), List.of("data.params.batch_size=8"));
 * if (c instanceof LatentDiffusionConfig ldm) {
 *     UNetModel unet = new UNetModel(ldm.unet(), new Rng(0));
 * }
 * }</pre>
 */
package org.ldm4j.training.config;
