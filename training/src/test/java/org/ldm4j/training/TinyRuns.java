package org.ldm4j.training;

import java.util.List;
import org.ldm4j.autoencoder.AutoencoderConfig;
import org.ldm4j.diffusion.Prediction;
import org.ldm4j.training.models.CondStage;
import org.ldm4j.training.models.LdmSpec;
import org.ldm4j.unet.UNetConfig;
import org.ldm4j.unet.UNetConfigBuilder;

/** Tiny model settings for end-to-end tests of the trainers (16x16 images, an f2 KL autoencoder). */
final class TinyRuns {
    static final int SIZE = 16;

    private TinyRuns() {
    }

    /** ch 32, one level of downsampling, 4 latent channels. */
    static AutoencoderConfig autoencoder() {
        return new AutoencoderConfig(32, List.of(1, 2), 1, List.of(), 4, true, 0.0, SIZE, 3, 3, 4, 0);
    }

    /** A U-Net on 8x8x4 latents with cross-attention of width {@code contextDim} (0: none). */
    static UNetConfig unet(int contextDim) {
        UNetConfigBuilder b = UNetConfig.builder().imageSize(SIZE / 2).inChannels(4).outChannels(4)
                .modelChannels(32).channelMult(1, 2).numResBlocks(1).numHeads(2);
        if (contextDim > 0) {
            b.attentionResolutions(2).useSpatialTransformer(true).contextDim(contextDim);
        }
        return b.build();
    }

    static LdmSpec classConditional(int classes) {
        return new LdmSpec(unet(16), LdmSpec.FirstStageKind.KL, autoencoder(), CondStage.Spec.classes(classes, 16),
                LdmSpec.ScheduleSpec.ldm(), Prediction.EPSILON, SIZE, SIZE);
    }
}
