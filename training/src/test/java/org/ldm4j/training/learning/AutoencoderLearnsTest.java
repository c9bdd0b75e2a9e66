package org.ldm4j.training.learning;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.ldm4j.autoencoder.AutoencoderConfig;
import org.ldm4j.autoencoder.AutoencoderKL;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.autograd.Losses;
import org.ldm4j.core.optim.AdamW;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.training.data.Batch;
import org.ldm4j.training.data.Batches;
import org.ldm4j.training.data.ShapesDataset;

/** Issue 3's learning check: a tiny AutoencoderKL halves its reconstruction L1 on a fixed batch of shapes. */
class AutoencoderLearnsTest {

    @Test
    void aTinyAutoencoderHalvesItsReconstructionErrorOnBuiltInImages() {
        Rng rng = new Rng(3);
        AutoencoderConfig cfg = new AutoencoderConfig(32, List.of(1, 2), 1, List.of(), 4, true, 0.0, 32, 3, 3, 4, 0);
        AutoencoderKL model = new AutoencoderKL(cfg, rng.split());
        AdamW opt = AdamW.builder(model.trainableParameters()).lr(3e-3).weightDecay(0).build();
        Batch batch = Batches.range(ShapesDataset.of(32, 11), 0, 4);
        Tensor x = batch.images();
        Rng noise = rng.split();
        double before = reconstructionL1(model, x);
        for (int step = 0; step < 60; step++) {
            try (MemoryScope s = MemoryScope.open()) {
                AutoencoderKL.Output out = model.forward(x, noise, true);
                Tensor loss = Losses.l1(out.reconstruction(), x, Losses.Reduction.MEAN)
                        .add(out.posterior().kl().mean().mul(1e-6));
                opt.zeroGrad();
                loss.backward();
                opt.step();
            }
        }
        double after = reconstructionL1(model, x);
        assertTrue(after <= before / 2, "reconstruction L1 " + before + " -> " + after + ": expected at most half");
    }

    private static double reconstructionL1(AutoencoderKL model, Tensor x) {
        try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
            return Losses.l1(model.decode(model.encode(x).mode()), x, Losses.Reduction.MEAN).item();
        }
    }
}
