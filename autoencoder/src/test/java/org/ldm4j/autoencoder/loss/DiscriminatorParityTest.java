package org.ldm4j.autoencoder.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.io.StateDict;
import org.ldm4j.core.nn.BatchNorm2d;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.core.testing.Fixtures;

/** The patch discriminator against {@code disc_tiny} / {@code disc_io}: train and eval mode, running statistics. */
class DiscriminatorParityTest {
    private static StateDict weights;
    private static StateDict io;

    @BeforeAll
    static void load() {
        weights = Fixtures.losses("disc_tiny.safetensors");
        io = Fixtures.losses("disc_io.safetensors");
    }

    private static PatchGanDiscriminator fresh() {
        PatchGanDiscriminator d = new PatchGanDiscriminator(3, 16, 2, PatchGanDiscriminator.Norm.BATCH_NORM,
                new Rng(0));
        d.load(weights.tensors());
        return d;
    }

    @Test
    void keysAreTheReferences() {
        assertEquals(List.copyOf(weights.names()).stream().sorted().toList(),
                fresh().stateDict().keySet().stream().sorted().toList());
    }

    @Test
    void trainModeMatchesTracesLogitsAndRunningStatistics() {
        PatchGanDiscriminator d = fresh();
        try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
            List<Tensor> trace = d.forwardTrace(io.get("x"));
            for (int i = 0; i < trace.size(); i++) {
                Parity.tensor("disc.trace_train.main." + i, trace.get(i), io.get("trace_train.main." + i), 1e-5);
            }
            Parity.tensor("disc.logits_train (f64)", trace.get(8), io.get("logits_train_f64"), Parity.LOGITS);
        }
        for (int i : new int[] {3, 6}) {
            BatchNorm2d bn = (BatchNorm2d) d.main().get(i);
            String p = "after_train.main." + i;
            Parity.tensor("disc." + p + ".running_mean", bn.runningMean(), io.get(p + ".running_mean"), 2e-6);
            Parity.tensor("disc." + p + ".running_var", bn.runningVar(), io.get(p + ".running_var"), 2e-6);
            assertEquals((long) io.get(p + ".num_batches_tracked").item(), bn.numBatchesTracked());
        }
    }

    @Test
    void evalModeUsesTheRunningStatistics() {
        PatchGanDiscriminator d = fresh();
        d.eval();
        try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
            List<Tensor> trace = d.forwardTrace(io.get("x"));
            for (int i = 0; i < trace.size(); i++) {
                Parity.tensor("disc.trace_eval.main." + i, trace.get(i), io.get("trace_eval.main." + i), 1e-5);
            }
            Parity.tensor("disc.logits_eval (f64)", trace.get(8), io.get("logits_eval_f64"), Parity.LOGITS);
            Parity.tensor("disc.logits_eval.forward (f64)", d.forward(io.get("x")), io.get("logits_eval_f64"),
                    Parity.LOGITS);
        }
        assertEquals(0L, ((BatchNorm2d) d.main().get(3)).numBatchesTracked());
        Parity.tensor("disc.eval.running_var unchanged", ((BatchNorm2d) d.main().get(3)).runningVar(),
                weights.get("main.3.running_var"), 0);
    }
}
