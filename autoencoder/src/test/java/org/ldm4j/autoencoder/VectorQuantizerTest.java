package org.ldm4j.autoencoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;

/** The quantiser on a hand-made example: codes, loss, perplexity, straight-through and loss gradients. */
class VectorQuantizerTest {
    private static final double BETA = 0.25;

    /** Codes e0 = (0, 0), e1 = (1, 0), e2 = (0, 2), in float64. */
    private static VectorQuantizer handMade(boolean legacy) {
        VectorQuantizer vq = new VectorQuantizer(3, 2, BETA, legacy, new Rng(0));
        vq.to(DType.FLOAT64);
        vq.codebook().assign(Tensor.of(new double[] {0, 0, 1, 0, 0, 2}, 3, 2));
        return vq;
    }

    /** Two positions: (0.9, 0.1) is nearest e1, (0.2, 1.5) nearest e2. NCHW [1, 2, 1, 2]. */
    private static Tensor z() {
        return Tensor.of(new double[] {0.9, 0.2, 0.1, 1.5}, 1, 2, 1, 2).requiresGrad(true);
    }

    @Test
    void codesLossAndStatistics() {
        VectorQuantizer.Result r = handMade(true).forward(z());
        assertArrayEquals(new long[] {1, 2}, r.indices().toLongArray());
        assertArrayEquals(new long[] {1, 1, 2}, r.indices().shape());
        assertArrayEquals(new double[] {1, 0, 0, 2}, r.quantized().toDoubleArray(), 1e-15);
        // (1 + beta) * mean((z_q - z)^2) = 1.25 * (0.01 + 0.01 + 0.04 + 0.25) / 4
        assertEquals(1.25 * 0.0775, r.loss().item(), 1e-15);
        assertEquals(0, r.loss().rank());
        assertEquals(2.0, r.perplexity(), 1e-9);                  // two codes, equally often
        assertEquals(2, r.codesUsed());
        assertEquals(2.0 / 3, r.usage(), 1e-15);
        assertEquals(1.25 * 0.0775, handMade(false).forward(z()).loss().item(), 1e-15);
    }

    @Test
    void perplexityOfSkewedUse() {
        // p = (3/4, 1/4): exp(-(0.75 ln 0.75 + 0.25 ln 0.25))
        double expected = Math.exp(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25)));
        assertEquals(expected, VectorQuantizer.perplexity(new long[] {0, 0, 0, 3}, 5), 1e-9);
        assertEquals(1.0, VectorQuantizer.perplexity(new long[] {2, 2}, 5), 1e-9);
    }

    @Test
    void straightThroughPassesTheGradientUnchanged() {
        VectorQuantizer vq = handMade(true);
        Tensor z = z();
        Tensor r = Tensor.of(new double[] {0.3, -1.2, 0.7, 2.0}, 1, 2, 1, 2);
        vq.forward(z).quantized().mul(r).sum().backward();           // dL/dz_q = r
        assertArrayEquals(r.toDoubleArray(), z.grad().toDoubleArray(), 1e-15);
        assertNull(vq.codebook().grad(), "the straight-through path does not reach the codebook");
    }

    @Test
    void legacyLossWeighsTheCodebookTermWithBeta() {
        VectorQuantizer vq = handMade(true);
        Tensor z = z();
        vq.forward(z).loss().backward();
        // commitment mean((sg(z_q) - z)^2), weight 1: dL/dz = 2 (z - z_q) / 4
        assertArrayEquals(new double[] {-0.05, 0.1, 0.05, -0.25}, z.grad().toDoubleArray(), 1e-15);
        // codebook beta * mean((z_q - sg(z))^2): dL/de_k = beta * 2 (e_k - z_i) / 4 over the positions using k
        assertArrayEquals(new double[] {0, 0, 0.0125, -0.0125, -0.025, 0.0625},
                vq.codebook().grad().toDoubleArray(), 1e-15);
    }

    @Test
    void nonLegacyLossWeighsTheCommitmentTermWithBeta() {
        VectorQuantizer vq = handMade(false);
        Tensor z = z();
        vq.forward(z).loss().backward();
        assertArrayEquals(new double[] {-0.0125, 0.025, 0.0125, -0.0625}, z.grad().toDoubleArray(), 1e-15);
        assertArrayEquals(new double[] {0, 0, 0.05, -0.05, -0.1, 0.25}, vq.codebook().grad().toDoubleArray(), 1e-15);
    }

    @Test
    void lookupReturnsTheCodebookVectors() {
        VectorQuantizer vq = handMade(true);
        Tensor back = vq.lookup(Tensor.of(new long[] {2, 0, 1, 1}, 1, 2, 2));
        assertArrayEquals(new long[] {1, 2, 2, 2}, back.shape());
        // positions (0,0)=e2 (0,1)=e0 (1,0)=e1 (1,1)=e1; channel 0 then channel 1
        assertArrayEquals(new double[] {0, 0, 1, 1, 2, 0, 0, 0}, back.toDoubleArray(), 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> vq.lookup(Tensor.of(new double[] {1}, 1, 1, 1)));
        assertTrue(e.getMessage().startsWith("indices: expected INT64 or INT32"), e.getMessage());
    }

    @Test
    void chunkedSearchFindsTheNearestCode() {
        Rng rng = new Rng(7);
        VectorQuantizer vq = new VectorQuantizer(8192, 4, BETA, true, rng);   // 512 rows per distance chunk
        vq.to(DType.FLOAT64);
        vq.codebook().assign(rng.normal(DType.FLOAT64, 8192, 4));
        Tensor z = rng.normal(DType.FLOAT64, 2, 4, 16, 17);                  // 544 rows: two uneven chunks
        long[] got = vq.indices(z).toLongArray();
        double[] e = vq.codebook().toDoubleArray();
        double[] zv = z.toDoubleArray();
        int hw = 16 * 17;
        for (int b = 0; b < 2; b++) {
            for (int p = 0; p < hw; p++) {
                int best = -1;
                double bestD = Double.MAX_VALUE;
                for (int k = 0; k < 8192; k++) {
                    double d = 0;
                    for (int c = 0; c < 4; c++) {
                        double diff = zv[(b * 4 + c) * hw + p] - e[k * 4 + c];
                        d += diff * diff;
                    }
                    if (d < bestD) {
                        bestD = d;
                        best = k;
                    }
                }
                assertEquals(best, got[b * hw + p], "position " + p + " of sample " + b);
            }
        }
        VectorQuantizer.Result r = vq.forward(z);
        assertArrayEquals(got, r.indices().toLongArray());
        assertTrue(vq.lookup(r.indices()).maxAbsDiff(r.quantized()) < 1e-12);
    }

    @Test
    void codebookStartsUniformAndHasTheReferenceKey() {
        VectorQuantizer vq = new VectorQuantizer(100, 3, BETA, true, new Rng(1));
        assertEquals(java.util.List.of("embedding.weight"), java.util.List.copyOf(vq.stateDict().keySet()));
        for (double v : vq.codebook().toDoubleArray()) {
            assertTrue(Math.abs(v) <= 1.0 / 100, "codebook value " + v + " outside U(-1/n, 1/n)");
        }
    }

    @Test
    void wrongChannelsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> handMade(true).forward(Tensor.of(new double[3], 1, 3, 1, 1)));
        assertTrue(e.getMessage().startsWith("z: expected 2 embedDim channels (dim 1), got 3"), e.getMessage());
    }
}
