package org.ldm4j.diffusion;

import org.junit.jupiter.api.Test;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.core.testing.GradCheck;
import org.ldm4j.diffusion.DiffusionLossConfig.LossType;

/**
 * Float64 finite-difference checks of the loss's gradient with respect to a small parametric denoiser's parameters
 * and the learned log-variance, with every weighting on.
 */
class DiffusionLossGradientTest {
    private static final NoiseSchedule SCHED = NoiseSchedule.linear(10, 1e-2, 0.3);

    /** {@code tanh(x_t * a + b) + (t / T) * w}, with a, b, w of shape [1, C, 1, 1]. */
    private static Denoiser parametric(Tensor a, Tensor b, Tensor w) {
        return (xt, t, cond) -> xt.mul(a).add(b).tanh()
                .add(t.to(DType.FLOAT64).reshape(t.size(0), 1, 1, 1).mul(0.1).mul(w));
    }

    private static void check(Prediction prediction, DiffusionLossConfig config, long seed) {
        DiffusionLoss loss = new DiffusionLoss(new DiffusionProcess(SCHED, prediction), config);
        loss.to(DType.FLOAT64);
        Rng rng = new Rng(seed);
        Tensor lv = loss.logvar();
        lv.assign(rng.normal(DType.FLOAT64, 10).mul(0.3));
        Tensor x0 = rng.normal(DType.FLOAT64, 3, 2, 2, 2);
        Tensor noise = rng.normal(DType.FLOAT64, 3, 2, 2, 2);
        Tensor t = Tensor.of(new long[] {2, 9, 2}, 3);
        Tensor a = GradCheck.input(rng, 1, 2, 1, 1);
        Tensor b = GradCheck.input(rng, 1, 2, 1, 1);
        Tensor w = GradCheck.input(rng, 1, 2, 1, 1);
        GradCheck.check(in -> loss.compute(parametric(in[0], in[1], in[2]), x0, Conditioning.NONE, t, noise).loss(),
                a, b, w, lv);
    }

    @Test
    void epsilonL2WithEveryWeighting() {
        check(Prediction.EPSILON, DiffusionLossConfig.reference().withLearnedLogvar(true, 0.0)
                .withOriginalElboWeight(0.5).withMinSnrGamma(5).withLSimpleWeight(1.5), 1);
    }

    @Test
    void vL1WithLearnedLogvar() {
        check(Prediction.V, DiffusionLossConfig.reference().withLossType(LossType.L1).withLearnedLogvar(true, 0.0)
                .withMinSnrGamma(1), 2);
    }

    @Test
    void sampleL2WithVlb() {
        check(Prediction.SAMPLE, DiffusionLossConfig.reference().withLearnedLogvar(true, 0.0)
                .withOriginalElboWeight(0.2), 3);
    }
}
