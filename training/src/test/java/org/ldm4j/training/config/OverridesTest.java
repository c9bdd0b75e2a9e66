package org.ldm4j.training.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ldm4j.training.config.YamlTreesTest.assertMessage;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.ldm4j.diffusion.Prediction;
import org.ldm4j.training.data.ShapesConfig;
import org.ldm4j.unet.UNetConfig;

class OverridesTest {
    private static final String UNET = "model.params.unet_config.params.";

    @Test
    void scalarsListsAndListItemsAreOverridden() {
        LatentDiffusionConfig c = Resources.ldm("cin256-v2.yaml", UNET + "model_channels=64",
                UNET + "channel_mult=[1, 2, 2]", UNET + "attention_resolutions.1=2",
                UNET + "attention_resolutions[2]=1",
                "model.base_learning_rate=2.0e-5");
        assertEquals(UNetConfig.cin256V2().toBuilder().modelChannels(64).channelMult(1, 2, 2)
                .attentionResolutions(8, 2, 1).build(), c.unet());
        assertEquals(2e-5, c.baseLearningRate());
    }

    @Test
    void dataBatchSizeIsOverridden() {
        AutoencoderTrainingConfig c = Resources.autoencoder("autoencoder_kl_32x32x4.yaml", "data.params.batch_size=8");
        assertEquals(8, c.data().orElseThrow().batchSize());
        assertEquals(Resources.autoencoder("autoencoder_kl_32x32x4.yaml").autoencoder(), c.autoencoder());
    }

    @Test
    void keysTheFileLeftAtTheirDefaultsCanBeSet() {
        LatentDiffusionConfig c = Resources.ldm("v1-inference.yaml", "model.params.parameterization=v",
                "model.params.use_ema=true", "model.params.min_snr_gamma=5");
        assertEquals(Prediction.V, c.diffusion().prediction());
        assertTrue(c.diffusion().useEma());
        assertEquals(5.0, c.diffusion().loss().minSnrGamma());
    }

    @Test
    void aWholeSectionCanBeAddedOrReplaced() {
        LatentDiffusionConfig c = Resources.ldm("cin256-v2.yaml",
                "data.target=main.DataModuleFromConfig",
                "data.params.batch_size=4",
                "data.params.train={target: org.ldm4j.training.data.ShapesDataset, params: {size: 32, seed: 7}}",
                "model.params.cond_stage_trainable=false",
                "model.params.cond_stage_config=__is_unconditional__",
                UNET + "use_spatial_transformer=false", UNET + "context_dim=");
        assertEquals(new CondStageConfig.Unconditional(), c.condStage());
        assertEquals(ConditioningKey.NONE, c.diffusion().conditioningKey());
        assertFalse(c.unet().useSpatialTransformer());
        assertEquals(new DataConfig(4, Optional.of(new DatasetConfig.Shapes(ShapesConfig.of(32), 7)), Optional.empty()),
                c.data().orElseThrow());
    }

    @Test
    void laterOverridesWinAndAnEmptyValueIsNull() {
        LatentDiffusionConfig c = Resources.ldm("cin-ldm-vq-f8.yaml", UNET + "num_head_channels=", UNET + "num_heads=4",
                "data.params.batch_size=1", "data.params.batch_size=2");
        assertEquals(-1, c.unet().numHeadChannels());
        assertEquals(4, c.unet().numHeads());
        assertEquals(2, c.data().orElseThrow().batchSize());
    }

    @Test
    void badOverridesAreErrors() {
        assertMessage(UNET + "model_channel: unknown key; did you mean model_channels? known keys: [",
                () -> Resources.read("cin256-v2.yaml", UNET + "model_channel=64"));
        assertMessage("(override \"" + UNET + "model_channel=64\")",
                () -> Resources.read("cin256-v2.yaml", UNET + "model_channel=64"));
        assertMessage(UNET + "num_res_blocks: expected an integer, got \"two\" (override \"" + UNET
                + "num_res_blocks=two\")", () -> Resources.read("cin256-v2.yaml", UNET + "num_res_blocks=two"));
        assertMessage("expected key.path=value, got \"batch_size\"",
                () -> Resources.read("cin256-v2.yaml", "batch_size"));
        assertMessage("expected a key path of names separated by dots (a.b.c), got \"model..params\"",
                () -> Resources.read("cin256-v2.yaml", "model..params=1"));
        assertMessage("model.params.timesteps: cannot set \"x\" inside 1000, which is not a map; override "
                + "model.params.timesteps itself",
                () -> Resources.read("cin256-v2.yaml", "model.params.timesteps.x=1"));
        assertMessage(UNET + "channel_mult: expected a list index in [0, 4) to set, got \"4\"",
                () -> Resources.read("cin256-v2.yaml", UNET + "channel_mult.4=8"));
        assertMessage(UNET + "channel_mult: expected a YAML value", () -> Resources.read("cin256-v2.yaml",
                UNET + "channel_mult=[1, 2"));
        assertMessage("data.target: missing required key", () -> Resources.read("cin256-v2.yaml",
                "data.params.batch_size=8"));
    }

    @Test
    void theTreeIsEditedWithoutTouchingTheOriginal() {
        ConfigNode tree = YamlTrees.parse(Resources.text("cin256-v2.yaml"), "cin256-v2.yaml");
        ConfigNode edited = Overrides.apply(tree, List.of("model.params.timesteps=500"));
        assertEquals("1000", ((ConfigNode.ScalarNode) tree.find("model.params.timesteps")).text());
        ConfigNode t = edited.find("model.params.timesteps");
        assertEquals("500", ((ConfigNode.ScalarNode) t).text());
        assertEquals("model.params.timesteps", t.path());
        assertEquals("override \"model.params.timesteps=500\"", t.origin().toString());
        assertEquals(tree.find("model.params.unet_config"), edited.find("model.params.unet_config"));
    }
}
