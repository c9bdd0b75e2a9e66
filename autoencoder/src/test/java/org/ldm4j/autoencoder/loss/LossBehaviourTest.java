package org.ldm4j.autoencoder.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.nn.F;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/** The losses' modes, schedule, options, keys and argument checks, on tiny float32 inputs. */
class LossBehaviourTest {
    private static Lpips lpips;

    @BeforeAll
    static void lpips() {
        lpips = new Lpips(new Rng(21));
    }

    /** A tiny KL loss without LPIPS: discriminator ndf 4, one stride-2 layer. */
    private static AutoencoderLossConfig tinyKl() {
        return AutoencoderLossConfig.defaults(0).withPerceptualWeight(0).withKlWeight(0.25).withDiscWeight(0.5)
                .withDiscNumLayers(1).withDiscNdf(4);
    }

    /** Inputs [2, 3, 8, 8], a last layer [3, 2, 3, 3] that requires grad, its reconstructions, a KL [2]. */
    private record Batch(Tensor x, Tensor w, Tensor rec, Tensor kl) {
        static Batch of(long seed) {
            Rng rng = new Rng(seed);
            Tensor x = rng.uniform(DType.FLOAT32, -1, 1, 2, 3, 8, 8);
            Tensor w = rng.normal(3, 2, 3, 3).mul(0.2).requiresGrad(true);
            Tensor rec = F.conv2d(rng.normal(2, 2, 8, 8), w, null, 1, 1);
            return new Batch(x, w, rec, rng.uniform(DType.FLOAT32, 0.5, 2, 2));
        }
    }

    @Test
    void discStartIsAStrictThresholdAndTheAdaptiveWeightIsStillComputed() {
        AutoencoderLoss loss = new AutoencoderLoss(tinyKl().withDiscStart(5), lpips, new Rng(1));
        try (MemoryScope s = MemoryScope.open()) {
            Batch b = Batch.of(2);
            KlLossLog before = loss.generatorLoss(b.x(), b.rec(), b.kl(), 4, b.w()).log();
            assertEquals(0.0, before.discFactor());
            assertTrue(before.dWeight() > 0);
            assertEquals(f32Sum(before.nllLoss(), 0.25 * before.klLoss()), before.totalLoss());
            KlLossLog at = loss.generatorLoss(b.x(), b.rec(), b.kl(), 5, b.w()).log();
            assertEquals(1.0, at.discFactor());
            assertEquals(0.0, GanLoss.adoptWeight(1.0, 4, 5));
            assertEquals(1.0, GanLoss.adoptWeight(1.0, 5, 5));
            DiscriminatorOutput d = loss.discriminatorLoss(b.x(), b.rec(), 4);
            assertEquals(0.0, d.log().discLoss());
        }
    }

    /** a + b in float32, as the loss adds its float32 scalars. */
    private static double f32Sum(double a, double b) {
        return Tensor.scalar(a).add(Tensor.scalar(DType.FLOAT32, b)).item();
    }

    @Test
    void validationInEvalModeWithoutGradientsHasDWeightZero() {
        AutoencoderLoss loss = new AutoencoderLoss(tinyKl(), lpips, new Rng(3));
        loss.eval();
        try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
            Batch b = Batch.of(4);
            GeneratorOutput<KlLossLog> out = loss.generatorLoss(b.x(), b.rec(), b.kl(), 1, b.w());
            assertEquals(0.0, out.log().dWeight());
            assertNull(out.adaptiveWeight().nllGrads());
            assertEquals(f32Sum(out.log().nllLoss(), 0.25 * out.log().klLoss()), out.log().totalLoss());
        }
    }

    @Test
    void evalModeWithGradientsComputesTheAdaptiveWeightAsTheReference() {
        AutoencoderLoss loss = new AutoencoderLoss(tinyKl(), lpips, new Rng(5));
        loss.eval();
        try (MemoryScope s = MemoryScope.open()) {
            Batch b = Batch.of(6);
            assertTrue(loss.generatorLoss(b.x(), b.rec(), b.kl(), 1, b.w()).log().dWeight() > 0);
        }
    }

    @Test
    void trainingModeWithoutGradientsIsAnErrorThatSaysWhatToDo() {
        AutoencoderLoss loss = new AutoencoderLoss(tinyKl(), lpips, new Rng(7));
        try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
            Batch b = Batch.of(8);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> loss.generatorLoss(b.x(), b.rec(), b.kl(), 1, b.w()));
            assertTrue(e.getMessage().contains("eval()"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> AdaptiveWeight.compute(b.kl().sum(), b.kl().sum(),
                    b.w(), 1.0));
        }
    }

    @Test
    void aDiscFactorOfZeroSkipsTheAdaptiveWeightInTheKlLossButNotInTheVqLoss() {
        AutoencoderLoss kl = new AutoencoderLoss(tinyKl().withDiscFactor(0), lpips, new Rng(9));
        VqAutoencoderLoss vq = new VqAutoencoderLoss(VqLossConfig.defaults(0).withPerceptualWeight(0)
                .withDiscFactor(0).withDiscNumLayers(1).withDiscNdf(4), lpips, new Rng(10));
        try (MemoryScope s = MemoryScope.open()) {
            Batch b = Batch.of(11);
            GeneratorOutput<KlLossLog> k = kl.generatorLoss(b.x(), b.rec(), b.kl(), 1, b.w());
            assertNull(k.adaptiveWeight().nllGrads());
            assertEquals(0.0, k.log().dWeight());
            GeneratorOutput<VqLossLog> v = vq.generatorLoss(Tensor.scalar(0.5), b.x(), b.rec(), 1, b.w());
            assertNotNull(v.adaptiveWeight().nllGrads());
            assertTrue(v.log().dWeight() > 0);
            assertEquals(0.0, v.log().pLoss());
            assertEquals(0.5, v.log().quantLoss());
        }
    }

    @Test
    void pixelWeightsScaleTheWeightedNllOnly() {
        AutoencoderLoss loss = new AutoencoderLoss(tinyKl(), lpips, new Rng(12));
        try (MemoryScope s = MemoryScope.open()) {
            Batch b = Batch.of(13);
            KlLossLog plain = loss.generatorLoss(b.x(), b.rec(), b.kl(), 1, b.w()).log();
            KlLossLog weighted = loss.generatorLoss(b.x(), b.rec(), b.kl(), 1, b.w(), Tensor.full(DType.FLOAT32, 2,
                    1, 1, 8, 8), null).log();
            assertEquals(plain.nllLoss(), weighted.nllLoss());
            double expected = 2 * plain.nllLoss() + 0.25 * plain.klLoss() + plain.dWeight() * plain.gLoss();
            assertEquals(expected, weighted.totalLoss(), 1e-5 * Math.abs(expected));
        }
    }

    @Test
    void aConditionalDiscriminatorSeesTheConditionAndDemandsIt() {
        AutoencoderLoss loss = new AutoencoderLoss(tinyKl().withCondition(4), lpips, new Rng(14));
        try (MemoryScope s = MemoryScope.open()) {
            Batch b = Batch.of(15);
            Tensor cond = new Rng(16).normal(2, 1, 8, 8);
            GeneratorOutput<KlLossLog> g = loss.generatorLoss(b.x(), b.rec(), b.kl(), 1, b.w(), null, cond);
            assertEquals(List.of(2L, 1L, 2L, 2L), longs(g.logitsFake().shape()));
            assertEquals(List.of(2L, 1L, 2L, 2L), longs(loss.discriminatorLoss(b.x(), b.rec(), 1, cond)
                    .logitsReal().shape()));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> loss.generatorLoss(b.x(), b.rec(), b.kl(), 1, b.w()));
            assertTrue(e.getMessage().startsWith("cond: expected a condition"), e.getMessage());
            AutoencoderLoss plain = new AutoencoderLoss(tinyKl(), lpips, new Rng(17));
            e = assertThrows(IllegalArgumentException.class, () -> plain.discriminatorLoss(b.x(), b.rec(), 1, cond));
            assertTrue(e.getMessage().startsWith("cond: expected null"), e.getMessage());
        }
    }

    private static List<Long> longs(long[] a) {
        List<Long> l = new ArrayList<>();
        for (long v : a) {
            l.add(v);
        }
        return l;
    }

    @Test
    void argumentsAreCheckedWithNameExpectedAndFound() {
        AutoencoderLoss loss = new AutoencoderLoss(tinyKl(), lpips, new Rng(18));
        try (MemoryScope s = MemoryScope.open()) {
            Batch b = Batch.of(19);
            assertMessage("reconstructions: expected shape [2, 3, 8, 8], got [2, 3, 4, 4]",
                    () -> loss.generatorLoss(b.x(), b.rec().slice(2, 0, 4).slice(3, 0, 4), b.kl(), 1, b.w()));
            assertMessage("klPerSample: expected shape [2], got [2, 1]",
                    () -> loss.generatorLoss(b.x(), b.rec(), b.kl().reshape(2, 1), 1, b.w()));
            assertMessage("inputs, reconstructions: expected FLOAT32 (the loss's dtype), got FLOAT64 and FLOAT32",
                    () -> loss.generatorLoss(b.x().to(DType.FLOAT64), b.rec(), b.kl(), 1, b.w()));
            assertMessage("lastLayer: expected the decoder's last-layer weight, got null",
                    () -> loss.generatorLoss(b.x(), b.rec(), b.kl(), 1, null));
            AutoencoderLoss withLpips = new AutoencoderLoss(tinyKl().withPerceptualWeight(1.0),
                    lpips, new Rng(20));
            assertMessage("inputs: expected 3 RGB channels for LPIPS (perceptual weight 1.0), got 1 in [2, 1, 8, 8]",
                    () -> withLpips.generatorLoss(b.x().slice(1, 0, 1), b.rec().slice(1, 0, 1), b.kl(), 1, b.w()));
            PatchGanDiscriminator d = loss.discriminator();
            assertMessage("x: too small for 1 stride-2 layers and two 4x4 convs; expected at least 6x6 pixels, got "
                    + "[2, 3, 4, 4]", () -> d.forward(b.x().slice(2, 0, 4).slice(3, 0, 4)));
            assertMessage("x: expected at least 16x16 pixels (VGG16 pools four times before relu5_3), got "
                    + "[2, 3, 8, 8]", () -> lpips.forward(b.x(), b.x()));
        }
        assertMessage("klWeight: expected a finite value >= 0, got -1.0", () -> tinyKl().withKlWeight(-1));
        assertMessage("discLoss: expected HINGE or VANILLA, got null", () -> tinyKl().withDiscLoss(null));
        assertMessage("discNumLayers: expected a value >= 0, got -1", () -> VqLossConfig.vqF4().withDiscNumLayers(-1));
        assertMessage("ndf: expected a positive width, got 0",
                () -> new PatchGanDiscriminator(3, 0, 2, PatchGanDiscriminator.Norm.BATCH_NORM, new Rng(0)));
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertEquals(expected, e.getMessage());
    }

    @Test
    void keysModesAndFrozenLpipsAsTheReference() {
        Lpips own = new Lpips(new Rng(22));
        AutoencoderLoss loss = new AutoencoderLoss(AutoencoderLossConfig.ldm(), own, new Rng(23));
        List<String> keys = new ArrayList<>(loss.stateDict().keySet());
        assertEquals("logvar", keys.get(0));
        assertEquals("perceptual_loss.scaling_layer.shift", keys.get(1));
        assertEquals("perceptual_loss.lin4.model.1.weight", keys.get(33));
        assertEquals("discriminator.main.0.weight", keys.get(34));
        List<String> trainable = new ArrayList<>(loss.trainableParameters().keySet());
        assertEquals("logvar", trainable.get(0));
        assertTrue(trainable.subList(1, trainable.size()).stream().allMatch(k -> k.startsWith("discriminator.")));
        assertTrue(loss.isTraining());
        assertFalse(own.isTraining());
        assertEquals(0.0, loss.logvar().item());
        assertFalse(new VqAutoencoderLoss(VqLossConfig.vqF16(), own, new Rng(24)).stateDict().containsKey("logvar"));

        Rng rng = new Rng(25);
        Tensor x = rng.uniform(DType.FLOAT32, -1, 1, 1, 3, 16, 16);
        Tensor y = rng.uniform(DType.FLOAT32, -1, 1, 1, 3, 16, 16);
        try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
            assertEquals(0.0, own.forward(x, x).item());
            double deterministic = own.forward(x, y).item();
            assertEquals(deterministic, own.forward(x, y).item());
            loss.train();                                  // the reference's surprise: LPIPS dropout switches on
            assertTrue(own.isTraining());
            assertTrue(own.forward(x, y).item() != own.forward(x, y).item());
            own.eval();
            assertEquals(deterministic, own.forward(x, y).item());
        }
    }
}
