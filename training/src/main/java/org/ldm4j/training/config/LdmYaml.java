package org.ldm4j.training.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads and writes configs in the YAML format of the CompVis {@code latent-diffusion} reference
 * ({@code configs/latent-diffusion/*.yaml}, {@code configs/autoencoder/*.yaml}, {@code models/.../config.yaml},
 * Stable Diffusion's {@code v1-inference.yaml}), so that a setup can be brought over as it is and a run's config
 * can be saved beside its checkpoints and read again.
 *
 * <p>Reading: YAML -> {@link ConfigNode} tree -> command-line {@link Overrides} -> mapping. The mapping is strict:
 * an unknown key, a missing required key, a value of the wrong type, a value ldm4j cannot honour, or an
 * unsupported {@code target} is a {@link ConfigException} naming the full key path, the expectation and what was
 * found, and where. Keys deliberately not used are listed in {@link IgnoredKeys}.
 *
 * <p>ldm4j's extension keys, beyond the reference's arguments: {@code min_snr_gamma} and {@code offset_noise} in
 * {@code model.params}; {@code disc_ndf} in {@code LPIPSWithDiscriminator}'s params; {@code heads},
 * {@code dim_head}, {@code ff_mult} in the text transformers' params and {@code embedding_dropout} in
 * {@code TransformerEmbedder}'s; {@code vocab_size}, {@code width}, {@code layers}, {@code heads},
 * {@code intermediate}, {@code activation}, {@code layer_norm_eps} in {@code FrozenCLIPEmbedder}'s; and the
 * dataset {@code org.ldm4j.training.data.ShapesDataset}. The writer emits them only when they differ from their
 * defaults, so other files stay valid reference configs.
 *
 * <pre>{@code
 * LatentDiffusionConfig c = LdmYaml.readLatentDiffusion(Path.of("cin256-v2.yaml"),
 *         List.of("model.params.unet_config.params.model_channels=64", "data.params.batch_size=8"));
 * UNetConfig unet = c.unet();
 * NoiseSchedule schedule = c.diffusion().schedule();
 * LdmYaml.write(c, runDir.resolve("config.yaml"));          // read back with LdmYaml.read
 * }</pre>
 */
public final class LdmYaml {
    private LdmYaml() {
    }

    /** Reads a config file and applies {@code overrides} ({@code key.path=value}). */
    public static LdmConfig read(Path file, List<String> overrides) throws IOException {
        return fromTree(Overrides.apply(YamlTrees.read(file), overrides));
    }

    /** Parses config text ({@code source} names it in errors) and applies {@code overrides}. */
    public static LdmConfig parse(String yaml, String source, List<String> overrides) {
        return fromTree(Overrides.apply(YamlTrees.parse(yaml, source), overrides));
    }

    /** Reads a {@code LatentDiffusion} config; any other model is an error. */
    public static LatentDiffusionConfig readLatentDiffusion(Path file, List<String> overrides) throws IOException {
        return expect(Overrides.apply(YamlTrees.read(file), overrides), LatentDiffusionConfig.class);
    }

    /** Reads an autoencoder config ({@code AutoencoderKL}, {@code VQModel}); any other model is an error. */
    public static AutoencoderTrainingConfig readAutoencoder(Path file, List<String> overrides) throws IOException {
        return expect(Overrides.apply(YamlTrees.read(file), overrides), AutoencoderTrainingConfig.class);
    }

    private static <T extends LdmConfig> T expect(ConfigNode tree, Class<T> type) {
        LdmConfig c = fromTree(tree);
        if (!type.isInstance(c)) {
            ConfigNode target = tree.find("model.target");
            String wanted = type == LatentDiffusionConfig.class ? "a LatentDiffusion config ("
                    + Targets.LATENT_DIFFUSION + ")" : "an autoencoder config (" + Targets.AUTOENCODER_KL + " or "
                    + Targets.VQ_MODEL + ")";
            throw ConfigException.expected(target, wanted);
        }
        return type.cast(c);
    }

    /** Maps a tree (after overrides) to a config. */
    public static LdmConfig fromTree(ConfigNode root) {
        return ModelReader.read(root);
    }

    /** The tree of a config, in the reference's layout. */
    public static ConfigNode toTree(LdmConfig config) {
        if (config == null) {
            throw new IllegalArgumentException("config: expected a config to write, got null");
        }
        return ReferenceWriter.write(config);
    }

    /** A config as YAML text. */
    public static String write(LdmConfig config) {
        return "# ldm4j config in the format of CompVis latent-diffusion\n" + YamlTrees.emit(toTree(config));
    }

    /** Writes a config as a YAML file. */
    public static void write(LdmConfig config, Path file) throws IOException {
        Files.writeString(file, write(config), StandardCharsets.UTF_8);
    }
}
