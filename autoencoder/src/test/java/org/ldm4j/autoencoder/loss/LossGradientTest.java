package org.ldm4j.autoencoder.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.nn.F;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.core.testing.GradCheck;

/**
 * Finite-difference checks in float64 at tiny sizes: the GAN losses, the discriminator (BatchNorm in train and eval
 * mode, ActNorm), LPIPS, and the KL and VQ losses including the adaptive weight's path. Large inputs move along a
 * few random directions (x = x0 + a D, checking d/da = D . grad), small parameters element by element, conv
 * weights at sampled elements. Checks through VGG16 use a step of 1e-7: with ~1e5 ReLUs and max-pools, a 1e-6 step
 * was seen to cross a kink (the numeric value then converges to the analytic one as the step shrinks).
 */
class LossGradientTest {
    private static final double KINK_SAFE_EPS = 1e-7;
    /** One random-weight LPIPS in float64, shared (VGG16 is 14.7 M parameters whatever the input size). */
    private static Lpips lpips;

    @BeforeAll
    static void lpips() {
        lpips = new Lpips(new Rng(11));
        lpips.to(DType.FLOAT64);
    }

    @Test
    void ganLosses() {
        Rng rng = new Rng(1);
        Tensor real = rng.normal(DType.FLOAT64, 2, 1, 3, 3).mul(2).requiresGrad(true);
        Tensor fake = rng.normal(DType.FLOAT64, 2, 1, 3, 3).mul(2).requiresGrad(true);
        for (GanLoss gan : GanLoss.values()) {
            GradCheck.check(in -> gan.discriminatorLoss(in[0], in[1]), real, fake);
        }
        GradCheck.check(in -> GanLoss.generatorLoss(in[0]), fake);
    }

    /** x0 + a D for a [1, k] and random directions D [k, numel(x0)]. */
    private static Tensor along(Tensor x0, Tensor a, Tensor dirs) {
        return x0.add(a.matmul(dirs).reshape(x0.shape()));
    }

    @Test
    void discriminatorWithBatchNormInTrainAndEvalMode() {
        PatchGanDiscriminator d = new PatchGanDiscriminator(3, 4, 1, PatchGanDiscriminator.Norm.BATCH_NORM,
                new Rng(2));
        d.to(DType.FLOAT64);
        Rng rng = new Rng(3);
        Tensor x0 = rng.normal(DType.FLOAT64, 2, 3, 8, 8);
        Tensor dirs = rng.normal(DType.FLOAT64, 3, 2 * 3 * 8 * 8);
        Tensor a = GradCheck.input(rng, 1, 3);
        Tensor r = rng.normal(DType.FLOAT64, 2, 1, 2, 2);
        for (boolean train : new boolean[] {true, false}) {
            d.train(train);
            GradCheck.check(in -> d.forward(along(x0, in[0], dirs)), a, param(d, "main.3.weight"),
                    param(d, "main.3.bias"), param(d, "main.5.bias"));
            Supplier<Tensor> objective = () -> d.forward(x0).mul(r).sum();
            for (String w : new String[] {"main.0.weight", "main.2.weight", "main.5.weight"}) {
                Numeric.assertSampled("disc " + (train ? "train " : "eval ") + w, objective, param(d, w), 12, 14);
            }
        }
    }

    @Test
    void discriminatorWithActNorm() {
        PatchGanDiscriminator d = new PatchGanDiscriminator(3, 4, 1, PatchGanDiscriminator.Norm.ACT_NORM,
                new Rng(4));
        d.to(DType.FLOAT64);
        Rng rng = new Rng(5);
        Tensor x0 = rng.normal(DType.FLOAT64, 2, 3, 8, 8);
        Tensor dirs = rng.normal(DType.FLOAT64, 3, 2 * 3 * 8 * 8);
        Tensor a = GradCheck.input(rng, 1, 3);
        try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
            d.forward(x0);                                        // the data-dependent initialisation
        }
        GradCheck.check(in -> d.forward(along(x0, in[0], dirs)), a, param(d, "main.2.bias"),
                param(d, "main.3.loc"), param(d, "main.3.scale"));
        Tensor r = rng.normal(DType.FLOAT64, 2, 1, 2, 2);
        Numeric.assertSampled("disc actnorm main.2.weight", () -> d.forward(x0).mul(r).sum(),
                param(d, "main.2.weight"), 12, 15);
    }

    private static Tensor param(PatchGanDiscriminator d, String key) {
        return d.namedParameters().get(key);
    }

    @Test
    void lpipsAlongRandomDirectionsOfBothInputs() {
        Rng rng = new Rng(6);
        Tensor x0 = rng.uniform(DType.FLOAT64, -1, 1, 1, 3, 16, 16);
        Tensor y0 = x0.add(rng.normal(DType.FLOAT64, 1, 3, 16, 16).mul(0.3));
        Tensor dirs = rng.normal(DType.FLOAT64, 2, 3 * 16 * 16).mul(0.1);
        Tensor a = rng.normal(DType.FLOAT64, 1, 2).requiresGrad(true);
        Tensor c = rng.normal(DType.FLOAT64, 1, 2).requiresGrad(true);
        Supplier<Tensor> value = () -> lpips.forward(along(x0, a, dirs), along(y0, c, dirs)).sum();
        try (MemoryScope s = MemoryScope.open()) {
            value.get().backward();
            Supplier<double[]> f = () -> new double[] {value.get().item()};
            Numeric.assertClose("lpips d/dx along directions", a.grad(),
                    Numeric.gradients(a, f, KINK_SAFE_EPS)[0]);
            Numeric.assertClose("lpips d/dy along directions", c.grad(),
                    Numeric.gradients(c, f, KINK_SAFE_EPS)[0]);
        }
    }

    /** The KL loss without LPIPS: every element of the last layer, the bias, logvar and the per-sample KL. */
    @Test
    void klLossAdaptiveWeightAndTotal() {
        AutoencoderLossConfig c = AutoencoderLossConfig.defaults(0).withPerceptualWeight(0).withKlWeight(0.3)
                .withDiscWeight(0.7).withDiscNumLayers(1).withDiscNdf(4);
        AutoencoderLoss loss = new AutoencoderLoss(c, lpips, new Rng(7));
        loss.to(DType.FLOAT64);
        Rng rng = new Rng(8);
        loss.logvar().assign(Tensor.scalar(DType.FLOAT64, 0.2));
        Tensor h = rng.normal(DType.FLOAT64, 2, 1, 8, 8);
        Tensor targets = rng.uniform(DType.FLOAT64, -1, 1, 2, 3, 8, 8);
        Tensor w = rng.normal(DType.FLOAT64, 3, 1, 3, 3).mul(0.3).requiresGrad(true);
        Tensor b = rng.normal(DType.FLOAT64, 3).mul(0.1).requiresGrad(true);
        Tensor kl = rng.uniform(DType.FLOAT64, 0.5, 2, 2).requiresGrad(true);
        Supplier<GeneratorOutput<KlLossLog>> step = () -> loss.generatorLoss(targets, F.conv2d(h, w, b, 1, 1), kl, 1,
                w);
        try (MemoryScope s = MemoryScope.open()) {
            GeneratorOutput<KlLossLog> out = step.get();
            double dFixed = out.log().dWeight();
            // [0] nll_loss, [1] g_loss, [2] the total with d_weight held at its value (the reference detaches it)
            Supplier<double[]> f = () -> {
                KlLossLog l = step.get().log();
                return new double[] {l.nllLoss(), l.gLoss(),
                    l.nllLoss() + c.klWeight() * l.klLoss() + dFixed * l.discFactor() * l.gLoss()};
            };
            double[][] nw = Numeric.gradients(w, f);
            Numeric.assertClose("kl nll_grads (Autograd.grad)", out.adaptiveWeight().nllGrads(), nw[0]);
            Numeric.assertClose("kl g_grads (Autograd.grad)", out.adaptiveWeight().gGrads(), nw[1]);
            assertAdaptiveWeight("kl", dFixed, nw, c.discWeight());
            double[][] nb = Numeric.gradients(b, f);
            double[][] nl = Numeric.gradients(loss.logvar(), f);
            double[][] nk = Numeric.gradients(kl, f);
            out.loss().backward();
            Numeric.assertClose("kl total d/d last-layer weight", w.grad(), nw[2]);
            Numeric.assertClose("kl total d/d last-layer bias", b.grad(), nb[2]);
            Numeric.assertClose("kl total d/d logvar", loss.logvar().grad(), nl[2]);
            Numeric.assertClose("kl total d/d kl per sample", kl.grad(), nk[2]);
        }
    }

    private static void assertAdaptiveWeight(String what, double dWeight, double[][] numeric, double discWeight) {
        double expected = Math.min(Numeric.norm(numeric[0]) / (Numeric.norm(numeric[1]) + AdaptiveWeight.EPS),
                AdaptiveWeight.MAX) * discWeight;
        assertEquals(expected, dWeight, 1e-6 * expected, what + " d_weight from the numeric gradients");
        System.out.printf("GRADCHECK %s d_weight %.10f, from the numeric gradients %.10f%n", what, dWeight, expected);
    }

    /** The KL loss with LPIPS (16x16): the last layer moves along two random directions. */
    @Test
    void klLossWithLpipsAlongDirections() {
        AutoencoderLossConfig c = AutoencoderLossConfig.defaults(0).withKlWeight(0.3).withDiscWeight(0.7)
                .withDiscNumLayers(1).withDiscNdf(4);
        AutoencoderLoss loss = new AutoencoderLoss(c, lpips, new Rng(9));
        loss.to(DType.FLOAT64);
        Rng rng = new Rng(10);
        Tensor h = rng.normal(DType.FLOAT64, 1, 2, 16, 16);
        Tensor targets = rng.uniform(DType.FLOAT64, -1, 1, 1, 3, 16, 16);
        Tensor w0 = rng.normal(DType.FLOAT64, 3, 2, 3, 3).mul(0.3);
        Tensor dirs = rng.normal(DType.FLOAT64, 2, 54);
        Tensor a = rng.normal(DType.FLOAT64, 1, 2).mul(0.1).requiresGrad(true);
        Tensor b = rng.normal(DType.FLOAT64, 3).mul(0.1);
        Tensor kl = rng.uniform(DType.FLOAT64, 0.5, 2, 1);
        try (MemoryScope s = MemoryScope.open()) {
            Supplier<GeneratorOutput<KlLossLog>> step = () -> {
                Tensor w = along(w0, a, dirs);                                     // an intermediate
                return loss.generatorLoss(targets, F.conv2d(h, w, b, 1, 1), kl, 1, w);
            };
            GeneratorOutput<KlLossLog> out = step.get();
            double dFixed = out.log().dWeight();
            double[][] na = Numeric.gradients(a, () -> {
                KlLossLog l = step.get().log();
                return new double[] {l.nllLoss(), l.gLoss(),
                    l.nllLoss() + c.klWeight() * l.klLoss() + dFixed * l.discFactor() * l.gLoss()};
            }, KINK_SAFE_EPS);
            Tensor d = dirs.reshape(2, 3, 2, 3, 3);
            double[] nllDir = new double[2];
            double[] gDir = new double[2];
            for (int k = 0; k < 2; k++) {
                Tensor dk = d.slice(0, k, k + 1).reshape(3, 2, 3, 3);
                nllDir[k] = out.adaptiveWeight().nllGrads().mul(dk).sum().item();
                gDir[k] = out.adaptiveWeight().gGrads().mul(dk).sum().item();
            }
            Numeric.assertClose("kl+lpips nll_grads along directions", nllDir, na[0]);
            Numeric.assertClose("kl+lpips g_grads along directions", gDir, na[1]);
            out.loss().backward();
            Numeric.assertClose("kl+lpips total along directions", a.grad(), na[2]);
        }
    }

    /** The VQ loss without LPIPS: every element of the last layer and the codebook loss. */
    @Test
    void vqLossAdaptiveWeightAndTotal() {
        VqLossConfig c = VqLossConfig.defaults(0).withPerceptualWeight(0).withCodebookWeight(0.8)
                .withDiscWeight(0.7).withDiscNumLayers(1).withDiscNdf(4).withDiscLoss(GanLoss.VANILLA);
        VqAutoencoderLoss loss = new VqAutoencoderLoss(c, lpips, new Rng(12));
        loss.to(DType.FLOAT64);
        Rng rng = new Rng(13);
        Tensor h = rng.normal(DType.FLOAT64, 2, 1, 8, 8);
        Tensor targets = rng.uniform(DType.FLOAT64, -1, 1, 2, 3, 8, 8);
        Tensor w = rng.normal(DType.FLOAT64, 3, 1, 3, 3).mul(0.3).requiresGrad(true);
        Tensor cb = rng.uniform(DType.FLOAT64, 0, 1, 4).requiresGrad(true);
        try (MemoryScope s = MemoryScope.open()) {
            Supplier<GeneratorOutput<VqLossLog>> step =
                    () -> loss.generatorLoss(cb, targets, F.conv2d(h, w, null, 1, 1), 1, w);
            GeneratorOutput<VqLossLog> out = step.get();
            double dFixed = out.log().dWeight();
            Supplier<double[]> f = () -> {
                VqLossLog l = step.get().log();
                return new double[] {l.nllLoss(), l.gLoss(),
                    l.nllLoss() + dFixed * l.discFactor() * l.gLoss() + c.codebookWeight() * l.quantLoss()};
            };
            double[][] nw = Numeric.gradients(w, f);
            Numeric.assertClose("vq nll_grads (Autograd.grad)", out.adaptiveWeight().nllGrads(), nw[0]);
            Numeric.assertClose("vq g_grads (Autograd.grad)", out.adaptiveWeight().gGrads(), nw[1]);
            assertAdaptiveWeight("vq", dFixed, nw, c.discWeight());
            double[][] nc = Numeric.gradients(cb, f);
            out.loss().backward();
            Numeric.assertClose("vq total d/d last-layer weight", w.grad(), nw[2]);
            Numeric.assertClose("vq total d/d codebook loss", cb.grad(), nc[2]);
        }
    }

}
