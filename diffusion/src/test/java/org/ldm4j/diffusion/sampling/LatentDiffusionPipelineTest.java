package org.ldm4j.diffusion.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.Conditioning;
import org.ldm4j.diffusion.LatentCodec;
import org.ldm4j.diffusion.NoiseSchedule;
import org.ldm4j.diffusion.Prediction;

/** The pipeline with a stub codec (2x2 average-pooling encoder, nearest-upsampling decoder) and an analytic denoiser. */
@SuppressWarnings("try")   // scopes free what the test allocates
class LatentDiffusionPipelineTest {
    static final NoiseSchedule SD = NoiseSchedule.linear(1000, 0.00085, 0.012);

    /** Images [B, 3, H, W] to latents [B, 3, H/2, W/2] by averaging 2x2 patches, times 3; back by repeating / 3. */
    static final class PoolCodec implements LatentCodec {
        @Override
        public Tensor encode(Tensor images) {
            long b = images.size(0);
            long h = images.size(2) / 2;
            long w = images.size(3) / 2;
            return images.reshape(b, 3, h, 2, w, 2).mean(3, 5).mul(3);
        }

        @Override
        public Tensor decode(Tensor z) {
            long b = z.size(0);
            long h = z.size(2);
            long w = z.size(3);
            return z.div(3).reshape(b, 3, h, 1, w, 1).expand(b, 3, h, 2, w, 2).reshape(b, 3, 2 * h, 2 * w);
        }

        @Override
        public int latentChannels() {
            return 3;
        }

        @Override
        public int downsamplingFactor() {
            return 2;
        }
    }

    static LatentDiffusionPipeline pipeline(AnalyticGaussian d, Sampler.Factory f) {
        return LatentDiffusionPipeline.builder(d, Prediction.EPSILON, new PoolCodec(), SD)
                .sampler(f)
                .scaleFactor(0.5)
                .unconditional(Conditioning.NONE)
                .imageSize(8, 12)
                .build();
    }

    @Test
    void samplesImagesOfTheRightShapeDeterministicallyPerSeed() {
        LatentDiffusionPipeline p = pipeline(new AnalyticGaussian(0.4, 0.5, Prediction.EPSILON, SD), DdimSampler::new);
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor a = p.sample(2, Conditioning.NONE, 10, 1.0, 42);
            assertArrayEquals(new long[] {2, 3, 8, 12}, a.shape());
            assertArrayEquals(new long[] {2, 3, 4, 6}, p.latentShape(2));
            float[] again = p.sample(2, Conditioning.NONE, 10, 1.0, 42).toFloatArray();
            assertArrayEquals(a.toFloatArray(), again, 0f, "same seed, same images");
            assertFalse(Arrays.equals(a.toFloatArray(), p.sample(2, Conditioning.NONE, 10, 1.0, 43).toFloatArray()));
            // decode(z / scale): the latents' data mean 0.4 becomes 0.4 / 0.5 / 3 in the images
            assertEquals(0.4 / 0.5 / 3, AnalyticGaussian.moments(a)[0], 0.1);
        }
    }

    @Test
    void guidanceBatchesOneCallPerEvaluationAndAnUnconditionalDenoiserIsUnchangedByIt() {
        AnalyticGaussian d = new AnalyticGaussian(0.4, 0.5, Prediction.EPSILON, SD);
        LatentDiffusionPipeline p = pipeline(d, (s, pr) -> new EulerAncestralSampler(s, pr));
        try (MemoryScope scope = MemoryScope.open()) {
            float[] plain = p.sample(1, Conditioning.NONE, 8, 1.0, 7).toFloatArray();
            int before = d.calls.get();
            float[] guided = p.sample(1, Conditioning.NONE, 8, 4.0, 7).toFloatArray();
            assertEquals(8, d.calls.get() - before);
            assertArrayEquals(plain, guided, 1e-5f);    // e_u = e_c: guidance changes nothing
        }
    }

    @Test
    void imageToImageAtStrengthOneIsSampleAndInpaintingKeepsTheImage() {
        AnalyticGaussian d = new AnalyticGaussian(0.0, 0.5, Prediction.EPSILON, SD);
        LatentDiffusionPipeline p = pipeline(d, (s, pr) -> new DpmPlusPlus2MSampler(s, pr, true));
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor images = new Rng(3).uniform(org.ldm4j.core.tensor.DType.FLOAT32, -1, 1, 2, 3, 8, 12);
            float[] full = p.sample(2, Conditioning.NONE, 12, 1.0, 5).toFloatArray();
            assertArrayEquals(full, p.imageToImage(images, Conditioning.NONE, 1.0, 12, 1.0, 5).toFloatArray(), 0f);
            Tensor weak = p.imageToImage(images, Conditioning.NONE, 0.2, 12, 1.0, 5);
            assertArrayEquals(new long[] {2, 3, 8, 12}, weak.shape());
            // keep the top half (image-resolution mask): decode(encode(image)) there, i.e. the 2x2 patch means
            float[] m = new float[8 * 12];
            for (int i = 0; i < m.length; i++) {
                m[i] = i < 4 * 12 ? 1 : 0;
            }
            Tensor mask = Tensor.of(m, 1, 1, 8, 12);
            Tensor out = p.inpaint(images, mask, Conditioning.NONE, 12, 1.0, 5);
            Tensor roundTrip = new PoolCodec().decode(new PoolCodec().encode(images));
            Tensor diff = out.sub(roundTrip).abs().mul(mask);
            assertTrue(diff.max(false).item() < 1e-5, "kept region: " + diff.max(false).item());
            Tensor free = out.sub(roundTrip).abs().mul(mask.rsub(1));
            assertTrue(free.max(false).item() > 0.05, "generated region");
        }
    }

    @Test
    void argumentsAreChecked() {
        AnalyticGaussian d = new AnalyticGaussian(0, 1, Prediction.EPSILON, SD);
        LatentDiffusionPipeline noUncond = LatentDiffusionPipeline.builder(d, Prediction.EPSILON, new PoolCodec(), SD)
                .imageSize(4, 4).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> noUncond.sample(1, Conditioning.NONE, 5, 7.5, 1));
        assertTrue(e.getMessage().startsWith("guidance:"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LatentDiffusionPipeline.builder(d, Prediction.EPSILON,
                new PoolCodec(), SD).imageSize(5, 4).build());
        assertThrows(IllegalArgumentException.class, () -> LatentDiffusionPipeline.builder(d, Prediction.V,
                new PoolCodec(), SD).sampler((s, p) -> new DdimSampler(s, Prediction.EPSILON)).build());
        assertThrows(IllegalArgumentException.class, () -> noUncond.sample(0, Conditioning.NONE, 5, 1, 1));
    }
}
