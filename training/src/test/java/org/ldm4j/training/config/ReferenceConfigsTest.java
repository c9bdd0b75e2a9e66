package org.ldm4j.training.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.ldm4j.autoencoder.AutoencoderConfig;
import org.ldm4j.autoencoder.loss.AutoencoderLossConfig;
import org.ldm4j.autoencoder.loss.VqLossConfig;
import org.ldm4j.conditioning.spatial.Interpolation;
import org.ldm4j.conditioning.text.TransformerEmbedderConfig;
import org.ldm4j.conditioning.text.clip.ClipTextConfig;
import org.ldm4j.diffusion.DiffusionLossConfig;
import org.ldm4j.diffusion.NoiseSchedule;
import org.ldm4j.diffusion.Prediction;
import org.ldm4j.unet.UNetConfig;

/** Every reproduced reference config maps to ldm4j's presets where they exist. */
class ReferenceConfigsTest {

    @Test
    void stableDiffusionV1InferenceIsSd15() {
        LatentDiffusionConfig c = Resources.ldm("v1-inference.yaml");
        assertEquals(UNetConfig.sd15(), c.unet());
        assertEquals(AutoencoderConfig.sdVaeF8(), c.firstStage());
        assertEquals(new CondStageConfig.Clip(ClipTextConfig.vitL14()), c.condStage());
        assertEquals(1e-4, c.baseLearningRate());
        DiffusionSettings d = c.diffusion();
        assertEquals(NoiseSchedule.linear(1000, 0.00085, 0.012), d.schedule());
        assertEquals(Prediction.EPSILON, d.prediction());
        assertEquals(DiffusionLossConfig.reference(), d.loss());
        assertEquals(ConditioningKey.CROSSATTN, d.conditioningKey());
        assertEquals(0.18215, d.scaleFactor());
        assertFalse(d.scaleByStd());
        assertFalse(d.condStageTrainable());
        assertFalse(d.useEma());
        assertEquals(64, d.imageSize());
        assertEquals(4, d.channels());
        assertEquals(Optional.of(new LrScheduleConfig.LambdaLinear(10_000, 10_000_000_000_000L, 1e-6, 1.0, 1.0)),
                c.lrSchedule());
        assertEquals(Optional.empty(), c.data());
    }

    @Test
    void cin256V2IsTheClassConditionalPresetWithANullClass() {
        LatentDiffusionConfig c = Resources.ldm("cin256-v2.yaml");
        assertEquals(UNetConfig.cin256V2(), c.unet());
        assertEquals(AutoencoderConfig.vqF4(), c.firstStage());
        assertEquals(new CondStageConfig.ClassLabels(1001, 512), c.condStage());
        assertEquals(1e-4, c.baseLearningRate());
        DiffusionSettings d = c.diffusion();
        assertEquals(new DiffusionSettings(1000, NoiseSchedule.Kind.LINEAR, 0.0015, 0.0195, 8e-3, Prediction.EPSILON,
                DiffusionLossConfig.reference(), ConditioningKey.CROSSATTN, true, 1.0, false, false, 64, 3), d);
        assertEquals(Optional.empty(), c.lrSchedule());
    }

    @Test
    void cinLdmVqF8HasImageNetDataInsideConfig() {
        LatentDiffusionConfig c = Resources.ldm("cin-ldm-vq-f8.yaml");
        assertEquals(UNetConfig.cinLdmVqF8(), c.unet());
        assertEquals(AutoencoderConfig.vqF8(), c.firstStage());
        assertEquals(new CondStageConfig.ClassLabels(1000, 512), c.condStage());   // ClassEmbedder's default n_classes
        assertTrue(c.diffusion().useEma());                                  // DDPM's default
        DataConfig data = c.data().orElseThrow();
        assertEquals(64, data.batchSize());
        assertEquals(Optional.of(new DatasetConfig.Reference("ldm.data.imagenet.ImageNetTrain", 256)), data.train());
        assertEquals(256, data.validation().orElseThrow().imageSize());
    }

    @Test
    void txt2imgIsTheBertConditionedKl8Preset() {
        LatentDiffusionConfig c = Resources.ldm("txt2img-1p4B-eval.yaml");
        assertEquals(UNetConfig.txt2imgLdmKl8(), c.unet());
        assertEquals(AutoencoderConfig.klF8(), c.firstStage());
        assertEquals(new CondStageConfig.Bert(TransformerEmbedderConfig.txt2img1p4B(), true), c.condStage());
        assertEquals(1280, c.condStage().contextDim());
        assertEquals(5e-5, c.baseLearningRate());
        assertEquals(0.18215, c.diffusion().scaleFactor());
        assertEquals(NoiseSchedule.linear(1000, 0.00085, 0.012), c.diffusion().schedule());
    }

    @Test
    void lsunChurchesIsUnconditionalL1WithStdScalingAndWarmup() {
        LatentDiffusionConfig c = Resources.ldm("lsun_churches-ldm-kl-8.yaml");
        assertEquals(UNetConfig.lsunChurchesLdmKl8(), c.unet());
        assertEquals(AutoencoderConfig.klF8(), c.firstStage());
        assertEquals(new CondStageConfig.Unconditional(), c.condStage());
        assertEquals(ConditioningKey.NONE, c.diffusion().conditioningKey());
        assertEquals(DiffusionLossConfig.LossType.L1, c.diffusion().loss().lossType());
        assertTrue(c.diffusion().scaleByStd());
        assertEquals(NoiseSchedule.linear(1000, 0.0015, 0.0155), c.diffusion().schedule());
        LrScheduleConfig s = c.lrSchedule().orElseThrow();
        assertEquals(1e-6, s.factor(0));
        assertEquals(1.0, s.factor(10_000));
        assertEquals(5e-5, s.toLrSchedule(c.baseLearningRate()).lr(20_000));
        DataConfig data = c.data().orElseThrow();
        assertEquals(96, data.batchSize());
        assertEquals(new DatasetConfig.Reference("ldm.data.lsun.LSUNChurchesTrain", 256), data.train().orElseThrow());
    }

    @Test
    void layout2imgIsABertWithoutTokenizer() {
        LatentDiffusionConfig c = Resources.ldm("layout2img-openimages256.yaml");
        assertEquals(new CondStageConfig.Bert(TransformerEmbedderConfig.layout2imgOpenImages(), false), c.condStage());
        assertEquals(3, c.unet().transformerDepth());
        assertEquals(DiffusionLossConfig.LossType.L1, c.diffusion().loss().lossType());
        assertEquals(AutoencoderConfig.vqF4(), c.firstStage());
    }

    @Test
    void semanticSynthesisConcatenatesARescaledMap() {
        LatentDiffusionConfig c = Resources.ldm("semantic_synthesis256.yaml");
        assertEquals(new CondStageConfig.Rescaler(2, Interpolation.BILINEAR, 0.5, 182, 3, false), c.condStage());
        assertEquals(ConditioningKey.CONCAT, c.diffusion().conditioningKey());     // from concat_mode
        assertEquals(6, c.unet().inChannels());
    }

    @Test
    void superResolutionConcatenatesTheLowResolutionImage() {
        LatentDiffusionConfig c = Resources.ldm("bsr_sr.yaml");
        assertEquals(new CondStageConfig.Identity(), c.condStage());
        assertEquals(ConditioningKey.CONCAT, c.diffusion().conditioningKey());
        assertEquals(NoiseSchedule.linear(1000, 0.0015, 0.0155), c.diffusion().schedule());
        assertEquals(256, c.data().orElseThrow().imageSize());
    }

    @Test
    void autoencoderKl32x32x4IsKlF8WithTheLdmLoss() {
        AutoencoderTrainingConfig c = Resources.autoencoder("autoencoder_kl_32x32x4.yaml");
        assertEquals(AutoencoderConfig.klF8(), c.autoencoder());
        assertEquals(new FirstStageLoss.Kl(AutoencoderLossConfig.ldm()), c.loss());
        assertEquals(4.5e-6, c.baseLearningRate());
        DataConfig data = c.data().orElseThrow();
        assertEquals(12, data.batchSize());
        assertEquals(new DatasetConfig.Reference("ldm.data.imagenet.ImageNetSRTrain", 256), data.train().orElseThrow());
        assertEquals(new DatasetConfig.Reference("ldm.data.imagenet.ImageNetSRValidation", 256),
                data.validation().orElseThrow());
    }

    @Test
    void klF8ModelConfigIsKlF8AndCropsTo256() {
        AutoencoderTrainingConfig c = Resources.autoencoder("kl-f8.yaml");
        assertEquals(AutoencoderConfig.klF8(), c.autoencoder());
        assertEquals(new FirstStageLoss.Kl(AutoencoderLossConfig.ldm()), c.loss());
        assertEquals(4, c.data().orElseThrow().batchSize());
        assertEquals(256, c.data().orElseThrow().imageSize());        // crop_size wins over size 384
    }

    @Test
    void vqF4AndVqF16AreTheVqPresetsWithTheirLosses() {
        AutoencoderTrainingConfig f4 = Resources.autoencoder("vq-f4.yaml");
        assertEquals(AutoencoderConfig.vqF4(), f4.autoencoder());
        assertEquals(new FirstStageLoss.Vq(VqLossConfig.vqF4()), f4.loss());
        assertEquals(8, f4.data().orElseThrow().batchSize());
        AutoencoderTrainingConfig f16 = Resources.autoencoder("vq-f16.yaml");
        assertEquals(AutoencoderConfig.vqF16(), f16.autoencoder());
        assertEquals(new FirstStageLoss.Vq(VqLossConfig.vqF16()), f16.loss());
        assertEquals(Optional.empty(), f16.data().orElseThrow().validation());
    }
}
