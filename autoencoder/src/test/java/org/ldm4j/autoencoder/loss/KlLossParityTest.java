package org.ldm4j.autoencoder.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.io.StateDict;
import org.ldm4j.core.nn.F;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.core.testing.Fixtures;

/**
 * {@link AutoencoderLoss} against {@code loss_kl_io}: one generator and one discriminator step for hinge, vanilla
 * and validation (eval + no grad), every logged part, the adaptive weight's gradients and the last layer's gradient,
 * computed in float32 and compared with the float64 references.
 */
class KlLossParityTest {
    private static final String[] OPT0_LOGS = {"total_loss", "logvar", "kl_loss", "nll_loss", "rec_loss", "d_weight",
        "disc_factor", "g_loss"};
    private static StateDict io;
    private static Map<String, Tensor> weights;
    private static Lpips lpips;

    @BeforeAll
    static void load() {
        StateDict lp = Fixtures.losses("lpips_tiny.safetensors");
        weights = Parity.union(lp.withPrefix("perceptual_loss."), Fixtures.losses("loss_tiny.safetensors"));
        io = Fixtures.losses("loss_kl_io.safetensors");
        lpips = new Lpips(new Rng(0)).loadWeights(lp.tensors());
    }

    /** The fixture's LPIPSWithDiscriminator(disc_start=0, kl_weight=1e-6, disc_num_layers=2, disc_weight=0.5). */
    static AutoencoderLossConfig config(GanLoss gan) {
        return AutoencoderLossConfig.defaults(0).withKlWeight(1e-6).withDiscNumLayers(2).withDiscWeight(0.5)
                .withDiscLoss(gan);
    }

    private static AutoencoderLoss loss(GanLoss gan) {
        AutoencoderLoss l = new AutoencoderLoss(config(gan), lpips, new Rng(1));
        l.load(weights);
        return l;
    }

    @Test
    void stateDictKeysAreTheReferences() {
        AutoencoderLoss l = loss(GanLoss.HINGE);
        assertEquals(weights.keySet().stream().sorted().toList(), l.stateDict().keySet().stream().sorted().toList());
        assertEquals("logvar", l.stateDict().keySet().iterator().next());
    }

    @Test
    void hinge() {
        generatorStep("hinge", loss(GanLoss.HINGE), true);
        discriminatorStep("hinge", loss(GanLoss.HINGE));
    }

    @Test
    void vanilla() {
        generatorStep("vanilla", loss(GanLoss.VANILLA), true);
        discriminatorStep("vanilla", loss(GanLoss.VANILLA));
    }

    @Test
    void validationInEvalModeWithoutGradients() {
        AutoencoderLoss l = loss(GanLoss.HINGE);
        l.eval();
        try (GradMode.Scope g = GradMode.disabled()) {
            generatorStep("eval_hinge", l, false);
            discriminatorStep("eval_hinge", l);          // eval mode: the running statistics are not changed
        }
    }

    private static void generatorStep(String prefix, AutoencoderLoss l, boolean withGradients) {
        String p = prefix + ".opt0.";
        try (MemoryScope s = MemoryScope.open()) {
            Tensor w = io.get("last_layer.weight").copy().requiresGrad(true);
            Tensor b = io.get("last_layer.bias").copy().requiresGrad(true);
            Tensor rec = F.conv2d(io.get("h"), w, b, 1, 1);
            Parity.tensor("kl.reconstructions (f64)", rec, io.get("reconstructions_f64"), Parity.GRADIENT);
            GeneratorOutput<KlLossLog> out = l.generatorLoss(io.get("targets"), rec, io.get("kl_per_sample"), 1, w);
            Map<String, Double> log = out.log().toMap(prefix);
            for (String k : OPT0_LOGS) {
                if (k.equals("g_loss")) {
                    Parity.meanOfMap("kl." + p + k, log.get(prefix + "/" + k), io.get(p + k + "_f64"),
                            io.get(p + "logits_fake_map_f64"));
                } else {
                    Parity.scalar("kl." + p + k, log.get(prefix + "/" + k), io.get(p + k + "_f64"));
                }
            }
            Parity.scalar("kl." + p + "loss", out.loss(), io.get(p + "loss_f64"));
            assertEquals(out.loss().item(), out.log().totalLoss());
            Parity.tensor("kl." + p + "logits_fake_map", out.logitsFake(), io.get(p + "logits_fake_map_f64"),
                    Parity.LOGITS);
            Parity.tensor("kl." + p + "p_loss_map", out.perceptual(), io.get(p + "p_loss_map_f64"), Parity.SCALAR);
            if (!withGradients) {
                assertNull(out.adaptiveWeight().nllGrads());
                assertEquals(0.0, out.log().dWeight());
                return;
            }
            Parity.tensor("kl." + p + "nll_grads", out.adaptiveWeight().nllGrads(), io.get(p + "nll_grads_f64"),
                    Parity.GRADIENT);
            Parity.tensor("kl." + p + "g_grads", out.adaptiveWeight().gGrads(), io.get(p + "g_grads_f64"),
                    Parity.GRADIENT);
            out.loss().backward();
            Parity.tensor("kl." + p + "grad_last_layer_weight", w.grad(), io.get(p + "grad_last_layer_weight_f64"),
                    Parity.GRADIENT);
            Parity.tensor("kl." + p + "grad_last_layer_bias", b.grad(), io.get(p + "grad_last_layer_bias_f64"),
                    Parity.GRADIENT);
        }
    }

    private static void discriminatorStep(String prefix, AutoencoderLoss l) {
        String p = prefix + ".opt1.";
        try (MemoryScope s = MemoryScope.open()) {
            Tensor rec = F.conv2d(io.get("h"), io.get("last_layer.weight"), io.get("last_layer.bias"), 1, 1);
            DiscriminatorOutput out = l.discriminatorLoss(io.get("targets"), rec, 1);
            Map<String, Double> log = out.log().toMap(prefix);
            Parity.scalar("kl." + p + "disc_loss", out.log().discLoss(), io.get(p + "disc_loss_f64"));
            for (String k : new String[] {"logits_real", "logits_fake"}) {
                Parity.meanOfMap("kl." + p + k, log.get(prefix + "/" + k), io.get(p + k + "_f64"),
                        io.get(p + k + "_map_f64"));
            }
            Parity.scalar("kl." + p + "loss", out.loss(), io.get(p + "loss_f64"));
            Parity.tensor("kl." + p + "logits_real_map", out.logitsReal(), io.get(p + "logits_real_map_f64"),
                    Parity.LOGITS);
            Parity.tensor("kl." + p + "logits_fake_map", out.logitsFake(), io.get(p + "logits_fake_map_f64"),
                    Parity.LOGITS);
        }
    }
}
