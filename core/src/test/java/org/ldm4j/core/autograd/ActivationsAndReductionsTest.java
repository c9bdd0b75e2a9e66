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

class ActivationsAndReductionsTest {
    private final Rng rng = new Rng(21);

    /** erf by its Taylor series, independent of ND4J. */
    private static double erf(double x) {
        double sum = 0;
        double term = x;
        for (int n = 0; n < 200; n++) {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    @Test
    void activationsMatchTheirFormulas() {
        double[] xs = {-3, -0.5, 0, 0.7, 2.5};
        Tensor x = Tensor.of(xs, 5);
        double[] sig = x.sigmoid().toDoubleArray();
        double[] silu = x.silu().toDoubleArray();
        double[] gelu = x.gelu().toDoubleArray();
        double[] tanh = x.tanh().toDoubleArray();
        for (int i = 0; i < xs.length; i++) {
            double s = 1 / (1 + Math.exp(-xs[i]));
            assertEquals(s, sig[i], 1e-15);
            assertEquals(xs[i] * s, silu[i], 1e-15);
            assertEquals(Math.tanh(xs[i]), tanh[i], 1e-15);
            // the exact erf GELU; ND4J's GELU (sigmoid approximation) is 1e-2 off and would fail here
            assertEquals(0.5 * xs[i] * (1 + erf(xs[i] / Math.sqrt(2))), gelu[i], 1e-7);
        }
        assertArrayEquals(new double[] {0, 0, 0, 0.7, 2.5}, x.relu().toDoubleArray(), 0);
        assertArrayEquals(new double[] {-0.6, -0.1, 0, 0.7, 2.5}, Activations.leakyRelu(x, 0.2).toDoubleArray(), 1e-15);
    }

    @Test
    void activationGradientsAreExact() {
        Tensor x = input(rng, 3, 4);
        check(in -> in[0].sigmoid(), x);
        check(in -> in[0].tanh(), x);
        check(in -> in[0].silu(), x);
        check(in -> in[0].gelu(), x);
        Tensor away = x.abs().add(0.1).mul(rng.bernoulli(DType.FLOAT64, 0.5, 3, 4).mul(2).sub(1)).detach()
                .requiresGrad(true);
        check(in -> in[0].relu(), away);
        check(in -> Activations.leakyRelu(in[0], 0.2), away);
        check(in -> in[0].softmax(1), x);
        check(in -> in[0].softmax(0), x);
        check(in -> in[0].logSoftmax(-1), x);
    }

    @Test
    void softmaxIsStableForLargeInputs() {
        Tensor x = Tensor.of(new float[] {1000, 1001, 1002, -1000}, 1, 4);
        double[] p = x.softmax(1).toDoubleArray();
        double z = 1 + Math.exp(1) + Math.exp(2);
        assertEquals(1 / z, p[0], 1e-6);
        assertEquals(Math.exp(2) / z, p[2], 1e-6);
        assertEquals(0, p[3], 0);
        double[] lp = x.logSoftmax(1).toDoubleArray();
        assertEquals(2 - Math.log(z), lp[2], 1e-4);
        assertTrue(Double.isFinite(lp[3]));
    }

    @Test
    void reductionsKeepOrDropAxes() {
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertArrayEquals(new double[] {5, 7, 9}, x.sum(0).toDoubleArray(), 0);
        assertArrayEquals(new long[] {2, 1}, x.sum(true, 1).shape());
        assertArrayEquals(new long[] {}, x.sum().shape());
        assertEquals(21, x.sum().item(), 0);
        assertArrayEquals(new double[] {2, 5}, x.mean(1).toDoubleArray(), 0);
        assertArrayEquals(new double[] {1, 1}, x.var(true, false, 1).toDoubleArray(), 1e-15);
        assertArrayEquals(new double[] {2.0 / 3, 2.0 / 3}, x.var(false, false, -1).toDoubleArray(), 1e-15);
        assertArrayEquals(new double[] {3, 6}, x.max(false, 1).toDoubleArray(), 0);
    }

    @Test
    void reductionGradientsAreExact() {
        Tensor x = input(rng, 2, 3, 4);
        check(in -> in[0].sum(), x);
        check(in -> in[0].sum(true, 0, 2), x);
        check(in -> in[0].mean(1), x);
        check(in -> in[0].mean(true, -1), x);
        check(in -> in[0].var(false, true, 1, 2), x);
        check(in -> in[0].var(true, false, 0), x);
        check(in -> in[0].max(false, 2), x);
        check(in -> in[0].max(true), x);
    }

    @Test
    void tiedMaximaShareTheGradient() {
        Tensor x = Tensor.of(new double[] {2, 5, 5, 1}, 4).requiresGrad(true);
        x.max(false).backward();
        assertArrayEquals(new double[] {0, 0.5, 0.5, 0}, x.grad().toDoubleArray(), 0);
    }

    @Test
    void softplusIsStableAndFollowsPyTorchsThreshold() {
        double[] xs = {-80, -3, 0, 2.5, 19.5, 25, 90};
        double[] y = Tensor.of(xs, 7).softplus().toDoubleArray();
        for (int i = 0; i < xs.length; i++) {
            double expected = xs[i] > 20 ? xs[i] : Math.log1p(Math.exp(xs[i]));
            assertEquals(expected, y[i], 1e-12 * Math.max(1, Math.abs(expected)), "softplus(" + xs[i] + ")");
        }
        check(in -> in[0].softplus(), input(rng, 3, 4));
        Tensor big = Tensor.of(new double[] {25, 30}, 2).requiresGrad(true);
        big.softplus().sum().backward();
        assertArrayEquals(new double[] {1, 1}, big.grad().toDoubleArray(), 0);
    }

    @Test
    void argmaxAndArgminPickTheFirstExtreme() {
        Tensor x = Tensor.of(new double[] {1, 7, 7, 2, 0, -3, 5, -3}, 2, 4);
        assertArrayEquals(new long[] {1, 2}, x.argmax(1).toLongArray());
        assertArrayEquals(new long[] {0, 1}, x.argmin(1).toLongArray());
        assertArrayEquals(new long[] {0, 0, 0, 0}, x.argmax(0).toLongArray());
        assertArrayEquals(new long[] {1, 1, 1, 1}, x.argmin(0).toLongArray());
        assertArrayEquals(new long[] {2}, x.argmax(1).shape());
        Tensor oh = Indexing.oneHot(Tensor.of(new long[] {2, 0}, 2), 3, DType.FLOAT32);
        assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0}, oh.toFloatArray());
    }

    @Test
    void badAxesAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).sum(2));
        assertTrue(e.getMessage().contains("expected an axis in [-2, 1], got 2"), e.getMessage());
    }
}
