package org.ldm4j.core.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ldm4j.core.testing.GradCheck.check;
import static org.ldm4j.core.testing.GradCheck.input;

import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

class CheckpointTest {
    private final Rng rng = new Rng(4);

    @Test
    void checkpointedBlocksGiveTheSameValuesAndGradients() {
        Tensor w1 = rng.normal(DType.FLOAT64, 6, 5).requiresGrad(true);
        Tensor w2 = rng.normal(DType.FLOAT64, 5, 6).requiresGrad(true);
        Function<Tensor[], Tensor> block = in -> LinearAlgebra.linear(in[0], w1, null).silu()
                .mul(in[1]).add(LinearAlgebra.linear(in[0], w1, null).gelu());
        Tensor x = input(rng, 3, 5);
        Tensor s = input(rng, 3, 6);
        Tensor plain = LinearAlgebra.linear(block.apply(new Tensor[] {x, s}), w2, null).square().sum();
        plain.backward();
        double[] gw1 = w1.grad().toDoubleArray();
        double[] gw2 = w2.grad().toDoubleArray();
        double[] gx = x.grad().toDoubleArray();
        w1.zeroGrad();
        w2.zeroGrad();
        x.zeroGrad();
        s.zeroGrad();
        Tensor ck = LinearAlgebra.linear(Checkpoint.apply(block, x, s), w2, null).square().sum();
        assertArrayEquals(new double[] {plain.item()}, new double[] {ck.item()}, 1e-12);
        ck.backward();
        assertArrayEquals(gw1, w1.grad().toDoubleArray(), 1e-12);
        assertArrayEquals(gw2, w2.grad().toDoubleArray(), 1e-12);
        assertArrayEquals(gx, x.grad().toDoubleArray(), 1e-12);
        check(in -> Checkpoint.apply(block, in[0], in[1]), input(rng, 2, 5), input(rng, 2, 6));
    }

    @Test
    void parametersGetGradientsEvenWhenNoInputRequiresThem() {
        Tensor w = rng.normal(DType.FLOAT64, 4, 3).requiresGrad(true);
        Tensor x = rng.normal(DType.FLOAT64, 2, 3);
        Checkpoint.apply(in -> LinearAlgebra.linear(in[0], w, null).tanh(), x).sum().backward();
        assertTrue(w.grad() != null);
        double[] ck = w.grad().toDoubleArray();
        w.zeroGrad();
        LinearAlgebra.linear(x, w, null).tanh().sum().backward();
        assertArrayEquals(w.grad().toDoubleArray(), ck, 1e-12);
    }

    @Test
    void aCheckpointedBlockKeepsNoIntermediates() {
        Tensor w = rng.normal(64, 64).mul(0.1).detach().requiresGrad(true);
        Tensor x = rng.normal(256, 64).requiresGrad(true);
        Function<Tensor[], Tensor> block = in -> {
            Tensor h = in[0];
            for (int i = 0; i < 8; i++) {
                h = LinearAlgebra.linear(h, w, null).silu();
            }
            return h;
        };
        long plain;
        long checkpointed;
        try (MemoryScope s = MemoryScope.open()) {
            block.apply(new Tensor[] {x});
            plain = s.trackedBytes();
        }
        try (MemoryScope s = MemoryScope.open()) {
            Checkpoint.apply(block, x);
            checkpointed = s.trackedBytes();
        }
        assertTrue(checkpointed * 8 <= plain, "kept " + checkpointed + " bytes, the plain block " + plain);
    }
}
