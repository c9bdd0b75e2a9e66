package org.ldm4j.core.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ldm4j.core.testing.GradCheck.check;
import static org.ldm4j.core.testing.GradCheck.input;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;

class ConvolutionsTest {
    private final Rng rng = new Rng(11);

    /** A plain loop convolution in double: the reference every kernel is held to. */
    static double[] naiveConv(double[] x, long[] xs, double[] w, long[] ws, double[] b, int s, int p) {
        int n = (int) xs[0], c = (int) xs[1], h = (int) xs[2], wd = (int) xs[3];
        int o = (int) ws[0], kh = (int) ws[2], kw = (int) ws[3];
        int oh = (h + 2 * p - kh) / s + 1, ow = (wd + 2 * p - kw) / s + 1;
        double[] y = new double[n * o * oh * ow];
        for (int ni = 0; ni < n; ni++) {
            for (int oi = 0; oi < o; oi++) {
                for (int yi = 0; yi < oh; yi++) {
                    for (int xi = 0; xi < ow; xi++) {
                        double acc = b == null ? 0 : b[oi];
                        for (int ci = 0; ci < c; ci++) {
                            for (int u = 0; u < kh; u++) {
                                for (int v = 0; v < kw; v++) {
                                    int iy = yi * s - p + u, ix = xi * s - p + v;
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < wd) {
                                        acc += x[((ni * c + ci) * h + iy) * wd + ix] * w[((oi * c + ci) * kh + u) * kw + v];
                                    }
                                }
                            }
                        }
                        y[((ni * o + oi) * oh + yi) * ow + xi] = acc;
                    }
                }
            }
        }
        return y;
    }

    @ParameterizedTest
    @CsvSource({"1,1", "2,1", "1,0", "2,0"})
    void conv2dMatchesAPlainLoopAndHasExactGradients(int stride, int pad) {
        Tensor x = input(rng, 2, 3, 5, 6);
        Tensor w = input(rng, 4, 3, 3, 3);
        Tensor b = input(rng, 4);
        Tensor y = Convolutions.conv2d(x, w, b, stride, pad);
        double[] ref = naiveConv(x.toDoubleArray(), x.shape(), w.toDoubleArray(), w.shape(), b.toDoubleArray(), stride, pad);
        assertArrayEquals(ref, y.toDoubleArray(), 1e-12);
        check(in -> Convolutions.conv2d(in[0], in[1], in[2], stride, pad), x, w, b);
        check(in -> Convolutions.conv2d(in[0], in[1], null, stride, pad), x, w);
    }

    /**
     * ND4J_NOTES section 8: libtorch's oneDNN build computes a wrong input gradient for few output channels.
     * The float32 (oneDNN) backward must agree with the float64 (reference kernel) one for small and odd shapes.
     */
    @ParameterizedTest
    @CsvSource({"64,1,8,8", "64,3,7,9", "64,4,16,16", "32,8,5,5", "64,4,33,31", "3,4,9,7", "128,4,16,16"})
    void float32BackwardAgreesWithFloat64ForFewOutputChannels(int cin, int cout, int h, int w) {
        Tensor xd = rng.normal(DType.FLOAT64, 2, cin, h, w).requiresGrad(true);
        Tensor wd = rng.normal(DType.FLOAT64, cout, cin, 3, 3).mul(0.1).detach().requiresGrad(true);
        Tensor bd = rng.normal(DType.FLOAT64, cout).requiresGrad(true);
        Tensor xf = xd.to(DType.FLOAT32).detach().requiresGrad(true);
        Tensor wf = wd.to(DType.FLOAT32).detach().requiresGrad(true);
        Tensor bf = bd.to(DType.FLOAT32).detach().requiresGrad(true);
        Tensor gd = rng.normal(DType.FLOAT64, 2, cout, h, w);
        Convolutions.conv2d(xd, wd, bd, 1, 1).backward(gd);
        Convolutions.conv2d(xf, wf, bf, 1, 1).backward(gd.to(DType.FLOAT32));
        assertTrue(relErr(xd.grad(), xf.grad()) < 1e-5, "input gradient rel err " + relErr(xd.grad(), xf.grad()));
        assertTrue(relErr(wd.grad(), wf.grad()) < 1e-5, "weight gradient rel err " + relErr(wd.grad(), wf.grad()));
        assertTrue(relErr(bd.grad(), bf.grad()) < 1e-5, "bias gradient rel err " + relErr(bd.grad(), bf.grad()));
    }

    private static double relErr(Tensor ref, Tensor got) {
        double[] a = ref.toDoubleArray();
        double[] b = got.toDoubleArray();
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - b[i]) * (a[i] - b[i]);
            den += a[i] * a[i];
        }
        return Math.sqrt(num / den);
    }

    @Test
    void conv1x1IsAPerPositionLinearMap() {
        Tensor x = input(rng, 2, 3, 5);
        Tensor w = input(rng, 4, 3, 1);
        Tensor b = input(rng, 4);
        Tensor y = Convolutions.conv1x1(x, w, b);
        assertArrayEquals(new long[] {2, 4, 5}, y.shape());
        double expected = b.get(2);
        for (int c = 0; c < 3; c++) {
            expected += w.get(2, c, 0) * x.get(1, c, 3);
        }
        assertEquals(expected, y.get(1, 2, 3), 1e-12);
        check(in -> Convolutions.conv1x1(in[0], in[1], in[2]), x, w, b);
    }

    @Test
    void nearestUpsampleRepeatsPixelsAndSumsGradients() {
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4}, 1, 1, 2, 2);
        Tensor y = Convolutions.upsampleNearest(x, 2);
        assertArrayEquals(new double[] {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, y.toDoubleArray(), 0);
        check(in -> Convolutions.upsampleNearest(in[0], 2), input(rng, 2, 3, 3, 2));
    }

    @Test
    void averagePoolingCountsPaddingAsPyTorchDoes() {
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3);
        // kernel 2 stride 2 padding 1: the top-left window holds only x[0,0]; count_include_pad divides by 4
        Tensor y = Convolutions.avgPool2d(x, 2, 2, 1);
        assertArrayEquals(new double[] {0.25, 5.0 / 4, 11.0 / 4, 28.0 / 4}, y.toDoubleArray(), 1e-12);
        assertArrayEquals(new double[] {3.5, 5.5, 11.5, 13.5},
                Convolutions.avgPool2d(Tensor.of(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
                        1, 1, 4, 4), 2, 2, 0).toDoubleArray(), 1e-12);
        check(in -> Convolutions.avgPool2d(in[0], 2, 2, 0), input(rng, 2, 2, 4, 6));
        check(in -> Convolutions.avgPool2d(in[0], 3, 2, 1), input(rng, 1, 2, 5, 5));
    }

    @Test
    void maxPoolingTakesTheWindowMaximum() {
        Tensor x = Tensor.of(new double[] {1, 5, 3, 4, 2, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 15}, 1, 1, 4, 4);
        assertArrayEquals(new double[] {6, 8, 14, 16}, Convolutions.maxPool2d(x, 2, 2, 0).toDoubleArray(), 0);
        check(in -> Convolutions.maxPool2d(in[0], 2, 2, 0), input(rng, 2, 2, 4, 6));
    }

    @Test
    void badShapesAreNamed() {
        Tensor x = Tensor.zeros(2, 3, 8, 8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Convolutions.conv2d(x, Tensor.zeros(4, 5, 3, 3), null, 1, 1));
        assertTrue(e.getMessage().startsWith("x: expected 5 input channels"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Convolutions.conv2d(Tensor.zeros(3, 8, 8),
                Tensor.zeros(4, 3, 3, 3), null, 1, 1));
        assertTrue(e.getMessage().contains("expected rank 4"), e.getMessage());
    }
}
