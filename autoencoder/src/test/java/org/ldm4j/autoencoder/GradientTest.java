package org.ldm4j.autoencoder;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.core.testing.GradCheck;

/** Finite-difference gradient checks (float64) through the blocks and a tiny AutoencoderKL's decode. */
class GradientTest {

    @Test
    void resnetBlockWithShortcut() {
        Rng rng = new Rng(11);
        ResnetBlock block = new ResnetBlock(32, 64, 0.0, rng);
        block.to(DType.FLOAT64);
        perturbNorms(block.namedParameters().values(), rng);
        Tensor x = GradCheck.input(rng, 1, 32, 2, 2);
        Tensor gamma = block.namedParameters().get("norm1.weight");
        Tensor shortcutBias = block.namedParameters().get("nin_shortcut.bias");
        GradCheck.check(in -> block.forward(in[0]), x, gamma, shortcutBias);
    }

    @Test
    void resnetBlockWithIdentity() {
        Rng rng = new Rng(12);
        ResnetBlock block = new ResnetBlock(32, 32, 0.0, rng);
        block.to(DType.FLOAT64);
        perturbNorms(block.namedParameters().values(), rng);
        Tensor x = GradCheck.input(rng, 2, 32, 2, 2);
        GradCheck.check(in -> block.forward(in[0]), x, block.namedParameters().get("norm2.bias"));
    }

    @Test
    void attnBlock() {
        Rng rng = new Rng(13);
        AttnBlock attn = new AttnBlock(32, rng);
        attn.to(DType.FLOAT64);
        perturbNorms(attn.namedParameters().values(), rng);
        Tensor x = GradCheck.input(rng, 1, 32, 3, 3);
        GradCheck.check(in -> attn.forward(in[0]), x, attn.namedParameters().get("norm.weight"),
                attn.namedParameters().get("v.bias"));
    }

    @Test
    void downsampleAndUpsample() {
        Rng rng = new Rng(14);
        Downsample down = new Downsample(32, rng);
        Upsample up = new Upsample(32, rng);
        down.to(DType.FLOAT64);
        up.to(DType.FLOAT64);
        GradCheck.check(in -> down.forward(in[0]), GradCheck.input(rng, 1, 32, 4, 4),
                down.namedParameters().get("conv.bias"));
        GradCheck.check(in -> up.forward(in[0]), GradCheck.input(rng, 1, 32, 2, 2),
                up.namedParameters().get("conv.bias"));
    }

    @Test
    void tinyAutoencoderDecode() {
        Rng rng = new Rng(15);
        // two levels (64 channels at 2x2, 32 at 4x4), attention in up.1 and the middle
        AutoencoderConfig c = new AutoencoderConfig(32, List.of(1, 2), 1, List.of(2), 4, true, 0.0, 4, 3, 3, 4, 0);
        AutoencoderKL vae = new AutoencoderKL(c, rng);
        vae.to(DType.FLOAT64);
        perturbNorms(vae.namedParameters().values(), rng);
        Tensor z = GradCheck.input(rng, 1, 4, 2, 2);
        GradCheck.check(in -> vae.decode(in[0]), z, vae.namedParameters().get("post_quant_conv.weight"));
    }

    @Test
    void posteriorSampleAndKl() {
        Rng rng = new Rng(16);
        Tensor moments = GradCheck.input(rng, 2, 4, 2, 2);
        Tensor noise = rng.normal(DType.FLOAT64, 2, 2, 2, 2);
        GradCheck.check(in -> new DiagonalGaussian(in[0]).sample(noise), moments);
        GradCheck.check(in -> new DiagonalGaussian(in[0]).kl(), moments);
        Tensor other = rng.normal(DType.FLOAT64, 2, 4, 2, 2);
        GradCheck.check(in -> new DiagonalGaussian(in[0]).kl(new DiagonalGaussian(other)), moments);
    }

    /** Moves GroupNorm weights and biases off 1 and 0, so that their gradients are exercised in general position. */
    private static void perturbNorms(Iterable<Tensor> params, Rng rng) {
        for (Tensor p : params) {
            if (p.rank() == 1) {
                p.assign(p.add(rng.normal(DType.FLOAT64, p.shape()).mul(0.1)));
            }
        }
    }
}
