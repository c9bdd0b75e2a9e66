package org.ldm4j.autoencoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.nn.F;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;

/** Tiled VAE decoding: seamless blending, exact where a decoder is local, whole where a tile covers all. */
class TiledDecodingTest {

    /** A decoder that only looks at each latent: tanh of the first 3 channels, upsampled 4x. */
    private static final class LocalStage implements FirstStage {
        @Override
        public Tensor encodeToLatent(Tensor x) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Tensor encodeToLatent(Tensor x, Rng rng) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Tensor encodeToLatent(Tensor x, Rng[] perExample) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Tensor decode(Tensor z) {
            return F.interpolateNearest(z.slice(1, 0, 3).tanh(), 4);
        }

        @Override
        public AutoencoderConfig config() {
            return null;
        }
    }

    @Test
    void aLocalDecoderGivesTheSameImageTiledAsWhole() {
        Tensor z = new Rng(3).normal(2, 4, 11, 9);
        LocalStage stage = new LocalStage();
        Tensor whole = stage.decode(z);
        for (int[] t : new int[][] {{4, 2}, {5, 1}, {3, 0}, {8, 3}}) {
            Tensor tiled = TiledDecoding.decode(stage, z, t[0], t[1]);
            assertArrayEquals(whole.shape(), tiled.shape());
            assertArrayEquals(whole.toFloatArray(), tiled.toFloatArray(), 1e-6f, "tile " + t[0] + ", overlap " + t[1]);
        }
    }

    @Test
    @SuppressWarnings("try")
    void aRealDecoderIsDecodedWholeWhenOneTileCoversTheLatentAndInTilesOtherwise() {
        AutoencoderConfig c = new AutoencoderConfig(32, List.of(1, 2), 1, List.of(), 4, true, 0.0, 32, 3, 3, 4, 0);
        AutoencoderKL vae = new AutoencoderKL(c, new Rng(1));
        vae.eval();
        Tensor z = new Rng(2).normal(1, 4, 8, 8);
        try (GradMode.Scope g = GradMode.disabled()) {
            Tensor whole = vae.decode(z);
            assertArrayEquals(whole.toFloatArray(), TiledDecoding.decode(vae, z, 8, 4).toFloatArray(), 0f);
            Tensor tiled = TiledDecoding.decode(vae, z, 5, 2);
            assertArrayEquals(new long[] {1, 3, 16, 16}, tiled.shape());
            for (float v : tiled.toFloatArray()) {
                assertTrue(Float.isFinite(v));
            }
            // (how close a tiled decode comes to the whole one depends on trained weights: per-tile GroupNorm
            // statistics of a random decoder differ wholesale, so only the local decoder above is compared)
        }
    }

    @Test
    void tileStartsCoverTheAxisWithAtLeastTheOverlap() {
        for (int len = 1; len <= 40; len++) {
            for (int tile = 1; tile <= 12; tile++) {
                for (int overlap = 0; overlap < tile; overlap++) {
                    List<Integer> s = TiledDecoding.starts(len, tile, overlap);
                    assertEquals(0, s.get(0));
                    assertEquals(Math.max(0, len - tile), s.get(s.size() - 1));
                    for (int i = 1; i < s.size(); i++) {
                        int gap = s.get(i) - s.get(i - 1);
                        assertTrue(gap > 0 && gap <= tile - overlap, len + "/" + tile + "/" + overlap + ": " + s);
                    }
                }
            }
        }
    }

    @Test
    void badTilesAreRefusedByName() {
        Tensor z = Tensor.zeros(1, 4, 8, 8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TiledDecoding.decode(new LocalStage(), z, 4, 4));
        assertTrue(e.getMessage().contains("tile, overlap: expected tile >= 1 and 0 <= overlap < tile, got 4 and 4"),
                e.getMessage());
    }
}
