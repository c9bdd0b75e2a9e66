package org.ldm4j.training.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.ldm4j.training.config.YamlTreesTest.assertMessage;
import static org.ldm4j.training.config.YamlTreesTest.lineOf;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Every error names the full key path, what was expected, what was found, and where. */
class ConfigErrorsTest {
    private static final String CIN = Resources.text("cin256-v2.yaml");
    private static final String UNET = "model.params.unet_config.params.";

    private static ConfigException fails(String yaml) {
        return assertThrows(ConfigException.class, () -> LdmYaml.parse(yaml, "cin.yaml", List.of()));
    }

    private static String edit(String from, String to) {
        if (!CIN.contains(from)) {
            throw new IllegalArgumentException("no \"" + from + "\" in cin256-v2.yaml");
        }
        return CIN.replace(from, to);
    }

    @Test
    void wrongTypeNamesPathExpectationValueAndLine() {
        String yaml = edit("num_res_blocks: 2\n        channel_mult", "num_res_blocks: two\n        channel_mult");
        ConfigException e = fails(yaml);
        int line = lineOf(yaml, "        num_res_blocks: two");
        assertEquals(UNET + "num_res_blocks: expected an integer, got \"two\" (cin.yaml line " + line + ", column 25)",
                e.getMessage());
        assertEquals(UNET + "num_res_blocks", e.path());
        assertEquals(line, e.origin().line());
    }

    @Test
    void otherWrongTypes() {
        assertEquals(UNET + "use_spatial_transformer: expected a boolean (true or false), got \"yes\" (cin.yaml line "
                + lineOf(CIN, "        use_spatial_transformer: true") + ", column 34)",
                fails(edit("use_spatial_transformer: true", "use_spatial_transformer: yes")).getMessage());
        assertMessage(UNET + "channel_mult: expected a list of integers, got 4",
                () -> LdmYaml.parse(CIN, "cin.yaml", List.of(UNET + "channel_mult=4")));
        assertMessage(UNET + "channel_mult[1]: expected an integer, got 2.5",
                () -> LdmYaml.parse(CIN, "cin.yaml", List.of(UNET + "channel_mult=[1, 2.5]")));
        assertMessage("model.params.linear_start: expected a number, got \"small\"",
                () -> LdmYaml.parse(CIN, "cin.yaml", List.of("model.params.linear_start=small")));
        assertMessage("model.params.unet_config: expected a map, got 3",
                () -> LdmYaml.parse(CIN, "cin.yaml", List.of("model.params.unet_config=3")));
        assertMessage("model.params.parameterization: expected one of [eps, x0, v], got \"epsilon\"",
                () -> LdmYaml.parse(CIN, "cin.yaml", List.of("model.params.parameterization=epsilon")));
    }

    @Test
    void unknownKeysAreErrorsWithASuggestion() {
        ConfigException e = fails(edit("        use_spatial_transformer: true",
                "        use_spatial_transformer: true\n        use_checkpont: true"));
        assertEquals(UNET + "use_checkpont", e.path());
        assertMessage("unknown key; did you mean use_checkpoint? known keys: [image_size, in_channels", () -> {
            throw e;
        });
        ConfigException far = fails(edit("        context_dim: 512", "        context_dim: 512\n        flash: true"));
        assertMessage(UNET + "flash: unknown key; known keys: [", () -> {
            throw far;
        });
        assertMessage("model.params.first_stage_config.params.ddconfig.z_channel: unknown key; did you mean "
                + "z_channels?",
                () -> LdmYaml.parse(CIN, "cin.yaml",
                        List.of("model.params.first_stage_config.params.ddconfig.z_channel=3")));
        assertMessage("modle: unknown key; did you mean model?", () -> LdmYaml.parse(CIN + "modle: {}\n", "cin.yaml",
                List.of()));
    }

    @Test
    void aMisspeltRequiredKeyIsReportedAsMissingWithAHint() {
        ConfigException e = fails(edit("model_channels: 192", "model_channel: 192"));
        assertEquals(UNET + "model_channels", e.path());
        assertMessage(UNET + "model_channels: missing required key (expected an integer); is \"model_channel\" "
                + "(cin.yaml line " + lineOf(CIN, "        model_channels: 192") + ", column 24) a misspelling?",
                () -> {
                    throw e;
                });
    }

    @Test
    void missingRequiredKeys() {
        assertMessage(UNET + "model_channels: missing required key (expected an integer) (cin.yaml line",
                () -> LdmYaml.parse(edit("        model_channels: 192\n", ""), "cin.yaml", List.of()));
        assertMessage("model.params.cond_stage_config.params.embed_dim: missing required key (expected an integer)",
                () -> LdmYaml.parse(edit("        embed_dim: 512\n", ""), "cin.yaml", List.of()));
        assertMessage("model.base_learning_rate: missing required key (expected a number)",
                () -> LdmYaml.parse(edit("  base_learning_rate: 0.0001\n", ""), "cin.yaml", List.of()));
        assertMessage("model: missing required key (expected a map) (x.yaml line 1, column 1)",
                () -> LdmYaml.parse("data: {}\n", "x.yaml", List.of()));
    }

    @Test
    void unsupportedTargetsListTheSupportedOnes() {
        assertMessage("model.target: unsupported target \"ldm.models.diffusion.ddpm.DDPM\"; ldm4j supports "
                + "[ldm.models.diffusion.ddpm.LatentDiffusion, ldm.models.autoencoder.AutoencoderKL, "
                + "ldm.models.autoencoder.VQModel]",
                () -> LdmYaml.parse(CIN, "cin.yaml", List.of("model.target=ldm.models.diffusion.ddpm.DDPM")));
        assertMessage("model.params.cond_stage_config.target: unsupported target "
                + "\"ldm.modules.encoders.modules.FrozenClipImageEmbedder\"; ldm4j supports "
                + "[ldm.modules.encoders.modules.ClassEmbedder, ldm.modules.encoders.modules.TransformerEmbedder",
                () -> LdmYaml.parse(CIN, "cin.yaml", List.of(
                        "model.params.cond_stage_config.target=ldm.modules.encoders.modules.FrozenClipImageEmbedder")));
        assertMessage("model.params.first_stage_config.target: unsupported target \"ldm.models.autoencoder.VQModel\"; "
                + "ldm4j supports [ldm.models.autoencoder.AutoencoderKL, ldm.models.autoencoder.VQModelInterface]",
                () -> LdmYaml.parse(CIN, "cin.yaml", List.of(
                        "model.params.first_stage_config.target=ldm.models.autoencoder.VQModel")));
        assertMessage("model.params.cond_stage_config: expected __is_unconditional__, __is_first_stage__ or a map",
                () -> LdmYaml.parse(CIN, "cin.yaml", List.of("model.params.cond_stage_config=__is_nothing__")));
    }

    @Test
    void valuesLdm4jCannotHonourAreRejected() {
        assertMessage("model.params.first_stage_config.params.ddconfig.attn_type: ldm4j supports only \"vanilla\" "
                + "here, got \"none\"", () -> LdmYaml.parse(CIN, "cin.yaml",
                List.of("model.params.first_stage_config.params.ddconfig.attn_type=none")));
        assertMessage("model.params.v_posterior: ldm4j supports only 0.0 here, got 0.5",
                () -> LdmYaml.parse(CIN, "cin.yaml", List.of("model.params.v_posterior=0.5")));
        assertMessage(UNET + "dims: ldm4j supports only 2 here, got 3",
                () -> LdmYaml.parse(CIN, "cin.yaml", List.of(UNET + "dims=3")));
        assertMessage("model.params.num_timesteps_cond: ldm4j supports only 1 here, got 10",
                () -> LdmYaml.parse(CIN, "cin.yaml", List.of("model.params.num_timesteps_cond=10")));
    }

    @Test
    void recordValidationIsReportedAtTheSection() {
        assertMessage(UNET.substring(0, UNET.length() - 1) + ": modelChannels: expected a multiple of 32 (GroupNorm "
                + "groups), got 100", () -> LdmYaml.parse(CIN, "cin.yaml", List.of(UNET + "model_channels=100")));
        assertMessage("model.params: contextDim: the conditioning stage produces 256 features, but the U-Net's "
                + "context_dim is 512", () -> LdmYaml.parse(CIN, "cin.yaml",
                List.of("model.params.cond_stage_config.params.embed_dim=256")));
        assertMessage("model.params.first_stage_config.params.ddconfig.double_z: AutoencoderKL needs double_z: true",
                () -> LdmYaml.parse(CIN, "cin.yaml", List.of(
                        "model.params.first_stage_config.target=ldm.models.autoencoder.AutoencoderKL")));
        assertMessage("condStageTrainable: the reference cannot train", () -> LdmYaml.parse(CIN, "cin.yaml",
                List.of("model.params.cond_stage_config=__is_unconditional__")));
    }

    @Test
    void aLossMustFitItsModel() {
        assertMessage("model.params.lossconfig: loss: VQLPIPSWithDiscriminator does not fit a KL model",
                () -> Resources.read("kl-f8.yaml", "model.params.lossconfig={target: "
                        + "taming.modules.losses.vqperceptual.VQLPIPSWithDiscriminator, params: {disc_start: 0}}"));
        assertMessage("model.params.lossconfig.params.kl_weight: unknown key", () -> Resources.read("vq-f4.yaml",
                "model.params.lossconfig.params.kl_weight=1.0"));
    }

    @Test
    void readingTheWrongKindOfConfigIsAnError() {
        assertMessage("model.target: expected an autoencoder config (ldm.models.autoencoder.AutoencoderKL or "
                + "ldm.models.autoencoder.VQModel), got \"ldm.models.diffusion.ddpm.LatentDiffusion\" (cin256-v2.yaml "
                + "line 4, column 11)", () -> LdmYaml.readAutoencoder(Resources.path("cin256-v2.yaml"), List.of()));
        assertMessage("model.target: expected a LatentDiffusion config",
                () -> LdmYaml.readLatentDiffusion(Resources.path("kl-f8.yaml"), List.of()));
    }

    @Test
    void ignoredKeysAreAcceptedWhateverTheirValues() {
        StringBuilder extra = new StringBuilder();
        for (String k : IgnoredKeys.LATENT_DIFFUSION.keySet()) {
            if (!CIN.contains("    " + k + ":")) {
                extra.append("    ").append(k).append(": {anything: [1, 2]}\n");
            }
        }
        String yaml = edit("    use_ema: False\n", "    use_ema: False\n" + extra)
                + "lightning:\n  trainer: {gpus: 8}\n";
        LatentDiffusionConfig c = (LatentDiffusionConfig) LdmYaml.parse(yaml, "cin.yaml", List.of());
        assertEquals(Resources.ldm("cin256-v2.yaml"), c);
    }
}
