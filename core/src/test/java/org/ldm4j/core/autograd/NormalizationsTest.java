package org.ldm4j.core.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ldm4j.core.testing.GradCheck.check;
import static org.ldm4j.core.testing.GradCheck.input;

import org.junit.jupiter.api.Test;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;

class NormalizationsTest {
    private final Rng rng = new Rng(5);

    /** Plain-loop GroupNorm in double. */
    private static double[] naiveGroupNorm(double[] x, long[] s, int groups, double[] w, double[] b, double eps) {
        int n = (int) s[0], c = (int) s[1];
        int sp = x.length / (n * c);
        int cg = c / groups;
        double[] y = new double[x.length];
        for (int ni = 0; ni < n; ni++) {
            for (int gi = 0; gi < groups; gi++) {
                double mean = 0, var = 0;
                int from = (ni * c + gi * cg) * sp, to = from + cg * sp;
                for (int i = from; i < to; i++) {
                    mean += x[i];
                }
                mean /= (to - from);
                for (int i = from; i < to; i++) {
                    var += (x[i] - mean) * (x[i] - mean);
                }
                var /= (to - from);
                for (int i = from; i < to; i++) {
                    int ch = (i / sp) % c;
                    y[i] = (x[i] - mean) / Math.sqrt(var + eps) * w[ch] + b[ch];
                }
            }
        }
        return y;
    }

    @Test
    void groupNormMatchesAPlainLoopAndHasExactGradients() {
        Tensor x = input(rng, 2, 6, 3, 4);
        Tensor w = input(rng, 6);
        Tensor b = input(rng, 6);
        Tensor y = Normalizations.groupNorm(x, 3, w, b, 1e-6);
        assertArrayEquals(naiveGroupNorm(x.toDoubleArray(), x.shape(), 3, w.toDoubleArray(), b.toDoubleArray(), 1e-6),
                y.toDoubleArray(), 1e-12);
        check(in -> Normalizations.groupNorm(in[0], 3, in[1], in[2], 1e-5), x, w, b);
        check(in -> Normalizations.groupNorm(in[0], 2, null, null, 1e-5), input(rng, 2, 4, 5));
    }

    @Test
    void groupNormEpsilonMattersForNearlyConstantGroups() {
        // [3.0001, 3, 3, 3]: PyTorch gives values near 0 with eps; ND4J's own layer_norm (no eps) would give 1.7
        Tensor x = Tensor.of(new float[] {3.0001f, 3, 3, 3}, 1, 1, 4);
        Tensor y = Normalizations.groupNorm(x, 1, null, null, 1e-5);
        assertTrue(Math.abs(y.get(0, 0, 0)) < 0.1, y.toString());
    }

    @Test
    void layerNormNormalisesTheLastAxis() {
        Tensor x = input(rng, 2, 3, 5);
        Tensor w = input(rng, 5);
        Tensor b = input(rng, 5);
        Tensor y = Normalizations.layerNorm(x, w, b, 1e-5);
        double[] xs = x.toDoubleArray();
        double mean = 0, var = 0;
        for (int i = 5; i < 10; i++) {
            mean += xs[i] / 5;
        }
        for (int i = 5; i < 10; i++) {
            var += (xs[i] - mean) * (xs[i] - mean) / 5;
        }
        assertEquals((xs[7] - mean) / Math.sqrt(var + 1e-5) * w.get(2) + b.get(2), y.get(0, 1, 2), 1e-12);
        check(in -> Normalizations.layerNorm(in[0], in[1], in[2], 1e-5), x, w, b);
        check(in -> Normalizations.layerNorm(in[0], null, null, 1e-5), input(rng, 4, 3));
    }

    @Test
    void batchNormTrainingUsesBatchStatisticsAndUpdatesRunningOnes() {
        Tensor x = input(rng, 3, 2, 2, 2);
        Tensor w = input(rng, 2);
        Tensor b = input(rng, 2);
        Tensor rm = Tensor.zeros(DType.FLOAT64, 2);
        Tensor rv = Tensor.ones(DType.FLOAT64, 2);
        Tensor y = Normalizations.batchNorm(x, w, b, rm, rv, true, 0.1, 1e-5);
        // channel 1 statistics by hand
        double mean = 0, var = 0;
        int count = 0;
        for (int n = 0; n < 3; n++) {
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 2; j++) {
                    mean += x.get(n, 1, i, j);
                    count++;
                }
            }
        }
        mean /= count;
        for (int n = 0; n < 3; n++) {
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 2; j++) {
                    var += Math.pow(x.get(n, 1, i, j) - mean, 2);
                }
            }
        }
        double biased = var / count;
        assertEquals((x.get(2, 1, 1, 0) - mean) / Math.sqrt(biased + 1e-5) * w.get(1) + b.get(1), y.get(2, 1, 1, 0),
                1e-12);
        assertEquals(0.1 * mean, rm.get(1), 1e-12);
        assertEquals(0.9 + 0.1 * var / (count - 1), rv.get(1), 1e-12);
        check(in -> Normalizations.batchNorm(in[0], in[1], in[2], Tensor.zeros(DType.FLOAT64, 2),
                Tensor.ones(DType.FLOAT64, 2), true, 0.1, 1e-5), x, w, b);
    }

    @Test
    void batchNormEvalUsesRunningStatistics() {
        Tensor x = input(rng, 2, 3, 2, 2);
        Tensor w = input(rng, 3);
        Tensor b = input(rng, 3);
        Tensor rm = Tensor.of(new double[] {0.5, -1, 2}, 3);
        Tensor rv = Tensor.of(new double[] {1.5, 0.25, 4}, 3);
        Tensor y = Normalizations.batchNorm(x, w, b, rm, rv, false, 0.1, 1e-5);
        assertEquals((x.get(1, 2, 0, 1) - 2) / Math.sqrt(4 + 1e-5) * w.get(2) + b.get(2), y.get(1, 2, 0, 1), 1e-12);
        assertArrayEquals(new double[] {0.5, -1, 2}, rm.toDoubleArray(), 0);
        check(in -> Normalizations.batchNorm(in[0], in[1], in[2], rm, rv, false, 0.1, 1e-5), x, w, b);
    }

    @Test
    void badGroupCountIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Normalizations.groupNorm(Tensor.zeros(2, 6, 4, 4), 4, null, null, 1e-6));
        assertTrue(e.getMessage().startsWith("groups: expected a divisor of the 6 channels"), e.getMessage());
    }
}
