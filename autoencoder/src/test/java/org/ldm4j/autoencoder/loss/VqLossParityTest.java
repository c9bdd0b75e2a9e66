package org.ldm4j.autoencoder.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.io.StateDict;
import org.ldm4j.core.nn.F;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.core.testing.Fixtures;

/**
 * {@link VqAutoencoderLoss} against {@code loss_vq_io} (taming's VQLPIPSWithDiscriminator): generator and
 * discriminator steps for hinge and vanilla, every logged part, the adaptive weight's gradients and the last
 * layer's gradient, in float32 against the float64 references.
 */
class VqLossParityTest {
    private static final String[] OPT0_LOGS = {"total_loss", "quant_loss", "nll_loss", "rec_loss", "p_loss",
        "d_weight", "disc_factor"};
    private static StateDict io;
    private static Map<String, Tensor> weights;
    private static Lpips lpips;

    @BeforeAll
    static void load() {
        StateDict lp = Fixtures.losses("lpips_tiny.safetensors");
        weights = Parity.union(lp.withPrefix("perceptual_loss."), Fixtures.losses("loss_tiny.safetensors"));
        weights.remove("logvar");
        io = Fixtures.losses("loss_vq_io.safetensors");
        lpips = new Lpips(new Rng(0)).loadWeights(lp.tensors());
    }

    /** The fixture's VQLPIPSWithDiscriminator(disc_start=0, disc_num_layers=2, disc_weight=0.5, disc_ndf=64). */
    private static VqAutoencoderLoss loss(GanLoss gan) {
        VqLossConfig c = VqLossConfig.defaults(0).withDiscNumLayers(2).withDiscWeight(0.5).withDiscLoss(gan);
        VqAutoencoderLoss l = new VqAutoencoderLoss(c, lpips, new Rng(1));
        l.load(weights);
        return l;
    }

    @Test
    void stateDictKeysAreTheReferencesWithoutLogvar() {
        assertEquals(weights.keySet().stream().sorted().toList(),
                loss(GanLoss.HINGE).stateDict().keySet().stream().sorted().toList());
    }

    @Test
    void hinge() {
        generatorStep("hinge", loss(GanLoss.HINGE));
        discriminatorStep("hinge", loss(GanLoss.HINGE));
    }

    @Test
    void vanilla() {
        generatorStep("vanilla", loss(GanLoss.VANILLA));
        discriminatorStep("vanilla", loss(GanLoss.VANILLA));
    }

    private static void generatorStep(String prefix, VqAutoencoderLoss l) {
        String p = prefix + ".opt0.";
        try (MemoryScope s = MemoryScope.open()) {
            Tensor w = io.get("last_layer.weight").copy().requiresGrad(true);
            Tensor b = io.get("last_layer.bias").copy().requiresGrad(true);
            Tensor rec = F.conv2d(io.get("h"), w, b, 1, 1);
            GeneratorOutput<VqLossLog> out = l.generatorLoss(io.get("codebook_loss"), io.get("targets"), rec, 1, w);
            Map<String, Double> log = out.log().toMap(prefix);
            for (String k : OPT0_LOGS) {
                Parity.scalar("vq." + p + k, log.get(prefix + "/" + k), io.get(p + k + "_f64"));
            }
            Parity.meanOfMap("vq." + p + "g_loss", out.log().gLoss(), io.get(p + "g_loss_f64"),
                    io.get(p + "logits_fake_map_f64"));
            Parity.scalar("vq." + p + "loss", out.loss(), io.get(p + "loss_f64"));
            assertEquals(out.loss().item(), out.log().totalLoss());
            Parity.tensor("vq." + p + "logits_fake_map", out.logitsFake(), io.get(p + "logits_fake_map_f64"),
                    Parity.LOGITS);
            Parity.tensor("vq." + p + "p_loss_map", out.perceptual(), io.get(p + "p_loss_map_f64"), Parity.SCALAR);
            Parity.tensor("vq." + p + "nll_grads", out.adaptiveWeight().nllGrads(), io.get(p + "nll_grads_f64"),
                    Parity.GRADIENT);
            Parity.tensor("vq." + p + "g_grads", out.adaptiveWeight().gGrads(), io.get(p + "g_grads_f64"),
                    Parity.GRADIENT);
            out.loss().backward();
            Parity.tensor("vq." + p + "grad_last_layer_weight", w.grad(), io.get(p + "grad_last_layer_weight_f64"),
                    Parity.GRADIENT);
            Parity.tensor("vq." + p + "grad_last_layer_bias", b.grad(), io.get(p + "grad_last_layer_bias_f64"),
                    Parity.GRADIENT);
        }
    }

    private static void discriminatorStep(String prefix, VqAutoencoderLoss l) {
        String p = prefix + ".opt1.";
        try (MemoryScope s = MemoryScope.open()) {
            Tensor rec = F.conv2d(io.get("h"), io.get("last_layer.weight"), io.get("last_layer.bias"), 1, 1);
            DiscriminatorOutput out = l.discriminatorLoss(io.get("targets"), rec, 1);
            Parity.scalar("vq." + p + "disc_loss", out.log().discLoss(), io.get(p + "disc_loss_f64"));
            Parity.meanOfMap("vq." + p + "logits_real", out.log().logitsReal(), io.get(p + "logits_real_f64"),
                    io.get(p + "logits_real_map_f64"));
            Parity.meanOfMap("vq." + p + "logits_fake", out.log().logitsFake(), io.get(p + "logits_fake_f64"),
                    io.get(p + "logits_fake_map_f64"));
            Parity.scalar("vq." + p + "loss", out.loss(), io.get(p + "loss_f64"));
            Parity.tensor("vq." + p + "logits_real_map", out.logitsReal(), io.get(p + "logits_real_map_f64"),
                    Parity.LOGITS);
            Parity.tensor("vq." + p + "logits_fake_map", out.logitsFake(), io.get(p + "logits_fake_map_f64"),
                    Parity.LOGITS);
        }
    }
}
