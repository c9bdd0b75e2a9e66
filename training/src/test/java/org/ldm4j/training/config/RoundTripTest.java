package org.ldm4j.training.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.ldm4j.autoencoder.AutoencoderConfig;
import org.ldm4j.autoencoder.loss.AutoencoderLossConfig;
import org.ldm4j.autoencoder.loss.GanLoss;
import org.ldm4j.autoencoder.loss.PatchGanDiscriminator;
import org.ldm4j.autoencoder.loss.VqLossConfig;
import org.ldm4j.conditioning.spatial.Interpolation;
import org.ldm4j.conditioning.text.TransformerEmbedderConfig;
import org.ldm4j.conditioning.text.clip.ClipTextConfig;
import org.ldm4j.diffusion.DiffusionLossConfig;
import org.ldm4j.diffusion.NoiseSchedule;
import org.ldm4j.diffusion.Prediction;
import org.ldm4j.training.data.ShapeColour;
import org.ldm4j.training.data.ShapeKind;
import org.ldm4j.training.data.ShapesConfig;
import org.ldm4j.unet.UNetConfig;

/** Written configs read back as the same records, and writing is stable. */
class RoundTripTest {

    static List<String> resources() {
        return Resources.ALL;
    }

    private static LdmConfig roundTrip(LdmConfig c) {
        String text = LdmYaml.write(c);
        LdmConfig back = LdmYaml.parse(text, "written.yaml", List.of());
        assertEquals(c, back, text);
        assertEquals(text, LdmYaml.write(back), "writing is stable");
        return back;
    }

    @ParameterizedTest
    @MethodSource("resources")
    void everyReferenceConfigSurvivesAWriteAndRead(String name) {
        roundTrip(Resources.read(name));
    }

    private static final UNetConfig TINY_UNET = UNetConfig.builder().imageSize(8).inChannels(4).outChannels(4)
            .modelChannels(32).numResBlocks(1).channelMult(1, 2).attentionResolutions(2).numHeadChannels(16)
            .useSpatialTransformer(true).contextDim(16).legacy(false).dropout(0.1).build();
    private static final AutoencoderConfig TINY_AE = new AutoencoderConfig(32, List.of(1, 2), 1, List.of(8), 4, true,
            0.0, 16, 3, 3, 4, 0);

    @Test
    void ldm4jExtensionsAndEveryVariantSurvive() {
        DiffusionSettings d = new DiffusionSettings(100, NoiseSchedule.Kind.COSINE, 1e-4, 2e-2, 0.01, Prediction.V,
                DiffusionLossConfig.reference().withLossType(DiffusionLossConfig.LossType.L1).withMinSnrGamma(5)
                        .withOffsetNoise(0.1).withLearnedLogvar(true, -1.5).withOriginalElboWeight(1e-3),
                ConditioningKey.CROSSATTN, true, 0.5, false, true, 8, 4);
        DataConfig data = new DataConfig(16, Optional.of(new DatasetConfig.Shapes(ShapesConfig.of(32).withShapes(1, 3)
                .withKinds(ShapeKind.CIRCLE, ShapeKind.RING).withColours(ShapeColour.RED, ShapeColour.WHITE)
                .withLabels(ShapesConfig.Labels.SHAPE_AND_COLOUR).withBackground(ShapesConfig.Background.PLAIN)
                .withSupersample(2), 42)),
                Optional.of(new DatasetConfig.Reference("ldm.data.imagenet.ImageNetValidation", 64)));
        LrScheduleConfig cosine = new LrScheduleConfig.WarmUpCosine(100, 1000, 0.01, 1.0, 0.1);
        List<CondStageConfig> stages = List.of(
                new CondStageConfig.Transformer(new TransformerEmbedderConfig(16, 2, 50, 8, 2, 8, 2, 0.1)),
                new CondStageConfig.Bert(new TransformerEmbedderConfig(16, 1, 100, 12, 2, 8, 4, 0.0), false),
                new CondStageConfig.Clip(new ClipTextConfig(64, 16, 2, 2, 8, 32, ClipTextConfig.Activation.GELU,
                        1e-5)),
                new CondStageConfig.ClassLabels(11, 16));
        for (CondStageConfig cond : stages) {
            roundTrip(new LatentDiffusionConfig(3e-4, d, TINY_UNET, TINY_AE, cond, Optional.of(cosine),
                    Optional.of(data)));
        }
        DiffusionSettings concat = new DiffusionSettings(1000, NoiseSchedule.Kind.SQRT_LINEAR, 1e-4, 2e-2, 8e-3,
                Prediction.SAMPLE, DiffusionLossConfig.reference(), ConditioningKey.CONCAT, false, 1.0, true, false,
                8, 4);
        UNetConfig plain = UNetConfig.builder().imageSize(8).inChannels(8).outChannels(4).modelChannels(32)
                .numResBlocks(1).channelMult(1, 2).attentionResolutions(2).numHeads(2).numClasses(0).build();
        for (CondStageConfig cond : List.of(new CondStageConfig.FirstStage(), new CondStageConfig.Identity(),
                new CondStageConfig.Rescaler(1, Interpolation.AREA, 0.25, 5, 0, true))) {
            roundTrip(new LatentDiffusionConfig(1e-4, concat, plain, AutoencoderConfig.vqF4(), cond, Optional.empty(),
                    Optional.empty()));
        }
    }

    @Test
    void autoencoderLossVariantsSurvive() {
        AutoencoderLossConfig kl = AutoencoderLossConfig.defaults(7).withKlWeight(1e-8).withDiscNdf(16)
                .withDiscNorm(PatchGanDiscriminator.Norm.ACT_NORM).withDiscLoss(GanLoss.VANILLA).withCondition(6)
                .withPerceptualWeight(0);
        roundTrip(new AutoencoderTrainingConfig(1e-5, TINY_AE, new FirstStageLoss.Kl(kl), Optional.empty()));
        roundTrip(new AutoencoderTrainingConfig(1e-5, TINY_AE, new FirstStageLoss.None(), Optional.empty()));
        VqLossConfig vq = VqLossConfig.vqF16().withDiscNdf(32).withCodebookWeight(0.5).withDiscFactor(0.0);
        roundTrip(new AutoencoderTrainingConfig(1e-5, AutoencoderConfig.vqF16(), new FirstStageLoss.Vq(vq),
                Optional.of(new DataConfig(2, Optional.empty(), Optional.empty()))));
    }

    @Test
    void aWrittenFileIsAValidReferenceConfigWithoutExtensionsByDefault(@TempDir Path dir) throws IOException {
        LatentDiffusionConfig sd = Resources.ldm("v1-inference.yaml");
        Path file = dir.resolve("config.yaml");
        LdmYaml.write(sd, file);
        assertEquals(sd, LdmYaml.readLatentDiffusion(file, List.of()));
        String text = LdmYaml.write(sd);
        for (String extension : List.of("min_snr_gamma", "offset_noise", "disc_ndf", "dim_head", "width:")) {
            assertFalse(text.contains(extension), extension);
        }
        assertTrue(text.contains("""
                    unet_config:
                      target: ldm.modules.diffusionmodules.openaimodel.UNetModel
                      params:
                        image_size: 32
                        in_channels: 4
                        out_channels: 4
                        model_channels: 320
                        attention_resolutions: [4, 2, 1]
                """), text);
        assertTrue(text.contains("""
                    cond_stage_config:
                      target: ldm.modules.encoders.modules.FrozenCLIPEmbedder
                      params:
                        version: openai/clip-vit-large-patch14
                        max_length: 77
                """), text);
        assertTrue(text.contains("  base_learning_rate: 0.0001\n"), text);
        assertTrue(text.contains("    linear_start: 0.00085\n"), text);
        assertTrue(text.contains("    f_start: [1.0e-06]\n"), text);
    }

    @Test
    void theImageNetSizeIsWrittenWhereTheReferenceReadsIt() {
        String text = LdmYaml.write(Resources.read("cin-ldm-vq-f8.yaml"));
        assertTrue(text.contains("""
                      target: ldm.data.imagenet.ImageNetTrain
                      params:
                        config:
                          size: 256
                """), text);
    }

    @Test
    void anUnconditionalModelIsWrittenAsTheReferenceWritesIt() {
        String text = LdmYaml.write(Resources.read("lsun_churches-ldm-kl-8.yaml"));
        assertTrue(text.contains("    cond_stage_config: __is_unconditional__\n"), text);
        assertFalse(text.contains("conditioning_key"), text);
        assertFalse(text.contains("cond_stage_key"), text);
    }
}
