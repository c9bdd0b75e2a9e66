package org.ldm4j.core.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ldm4j.core.testing.GradCheck.check;
import static org.ldm4j.core.testing.GradCheck.input;

import org.junit.jupiter.api.Test;
import org.ldm4j.core.autograd.Losses.Reduction;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;

class LossesAndIndexingTest {
    private final Rng rng = new Rng(9);

    @Test
    void lossesMatchTheirDefinitions() {
        Tensor a = Tensor.of(new double[] {1, -2, 3}, 3);
        Tensor b = Tensor.of(new double[] {0.5, 1, 3}, 3);
        assertEquals((0.5 + 3 + 0) / 3, Losses.l1(a, b, Reduction.MEAN).item(), 1e-15);
        assertEquals(0.25 + 9, Losses.mse(a, b, Reduction.SUM).item(), 1e-15);
        Tensor logits = Tensor.of(new double[] {-50, 0, 2, 60}, 4);
        Tensor t = Tensor.of(new double[] {0, 1, 0.3, 1}, 4);
        double[] bce = Losses.bceWithLogits(logits, t, Reduction.NONE).toDoubleArray();
        double[] x = logits.toDoubleArray();
        double[] tv = t.toDoubleArray();
        for (int i = 0; i < 4; i++) {
            double sig = 1 / (1 + Math.exp(-x[i]));
            double expected = i == 0 ? Math.log1p(Math.exp(-50)) : -(tv[i] * Math.log(sig) + (1 - tv[i]) * Math.log1p(-sig));
            if (i == 3) {
                expected = Math.log1p(Math.exp(-60));     // stable where the naive formula underflows
            }
            assertEquals(expected, bce[i], 1e-12, "element " + i);
        }
    }

    @Test
    void lossGradientsAreExact() {
        Tensor a = input(rng, 2, 3);
        Tensor b = input(rng, 2, 3);
        check(in -> Losses.l1(in[0], in[1], Reduction.MEAN), a, b);
        check(in -> Losses.mse(in[0], in[1], Reduction.SUM), a, b);
        Tensor targets = rng.uniform(DType.FLOAT64, 0, 1, 2, 3).requiresGrad(true);
        check(in -> Losses.bceWithLogits(in[0], in[1], Reduction.MEAN), a, targets);
        check(in -> Losses.bceWithLogits(in[0], in[1], Reduction.NONE), a, targets);
    }

    @Test
    void embeddingLooksUpRowsAndAccumulatesRepeatedIndices() {
        Tensor table = input(rng, 5, 3);
        Tensor idx = Tensor.of(new long[] {4, 0, 4, 2}, 2, 2);
        Tensor e = Indexing.embedding(table, idx);
        assertArrayEquals(new long[] {2, 2, 3}, e.shape());
        assertEquals(table.get(4, 1), e.get(1, 0, 1), 0);
        e.sum().backward();
        assertArrayEquals(new double[] {1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 2, 2, 2}, table.grad().toDoubleArray(), 0);
        check(in -> Indexing.embedding(in[0], idx), table);
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> Indexing.embedding(table, Tensor.of(new long[] {5}, 1)));
        assertTrue(ex.getMessage().contains("[0, 5)"), ex.getMessage());
    }

    @Test
    void whereSelectsWithoutLeakingInfinities() {
        Tensor cond = Tensor.of(new double[] {1, 0, 1}, 3);
        Tensor a = input(rng, 2, 3);
        Tensor neginf = Tensor.scalar(DType.FLOAT64, Double.NEGATIVE_INFINITY);
        Tensor y = Indexing.where(cond, a, neginf);
        assertEquals(a.get(1, 2), y.get(1, 2), 0);
        assertEquals(Double.NEGATIVE_INFINITY, y.get(1, 1), 0);
        Tensor b = input(rng, 2, 1);
        check(in -> Indexing.where(cond, in[0], in[1]), a, b);
    }

    @Test
    void dropoutIsSeededScaledAndDifferentiable() {
        Tensor x = Tensor.ones(DType.FLOAT64, 1000);
        Tensor y1 = RandomOps.dropout(x, 0.25, new Rng(1));
        Tensor y2 = RandomOps.dropout(x, 0.25, new Rng(1));
        assertArrayEquals(y1.toDoubleArray(), y2.toDoubleArray(), 0);
        assertNotEquals(0, y1.maxAbsDiff(RandomOps.dropout(x, 0.25, new Rng(2))));
        int kept = 0;
        for (double v : y1.toDoubleArray()) {
            assertTrue(v == 0 || Math.abs(v - 4.0 / 3) < 1e-12, "value " + v);
            kept += v == 0 ? 0 : 1;
        }
        assertTrue(kept > 700 && kept < 800, "kept " + kept);
        check(in -> RandomOps.dropout(in[0], 0.5, new Rng(4)), input(rng, 3, 4));
    }
}
