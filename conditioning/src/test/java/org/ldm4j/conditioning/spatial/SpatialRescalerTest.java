package org.ldm4j.conditioning.spatial;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.ldm4j.conditioning.Conditioner;
import org.ldm4j.conditioning.TestSupport;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.core.testing.GradCheck;

/**
 * The spatial rescaler against values computed by hand from PyTorch's {@code F.interpolate(scale_factor=m)}
 * formulas (align_corners False, scale used as given), shapes, keys, gradients and argument errors.
 */
class SpatialRescalerTest {
    private static final double TOL = 1e-12;

    /**
     * Resizes a [1, 1, h, n] map whose rows are all 0, 1, ..., n-1 (h the smallest height that the scale maps to
     * a whole number of rows) and returns the first output row: the 1-D result along x, since each method's
     * weights along y add up to 1.
     */
    private static double[] resizeRow(int n, Interpolation m, double scale) {
        int h = 1;
        while (h * scale != Math.floor(h * scale) || h * scale < 1) {
            h++;
        }
        double[] v = new double[h * n];
        for (int i = 0; i < v.length; i++) {
            v[i] = i % n;
        }
        double[] y = Resize.apply(Tensor.of(v, 1, 1, h, n), m, scale).toDoubleArray();
        return java.util.Arrays.copyOf(y, (int) Resize.outSize(n, scale));
    }

    @Test
    void bilinearUpsamplingMatchesPyTorch() {
        try (MemoryScope s = MemoryScope.open()) {
            // F.interpolate([[1, 2], [3, 4]], scale_factor=2, mode='bilinear'): the classic align_corners=False result
            Tensor x = Tensor.of(new double[] {1, 2, 3, 4}, 1, 1, 2, 2);
            double[] expected = {
                1.0, 1.25, 1.75, 2.0,
                1.5, 1.75, 2.25, 2.5,
                2.5, 2.75, 3.25, 3.5,
                3.0, 3.25, 3.75, 4.0};
            assertArrayEquals(expected, Resize.apply(x, Interpolation.BILINEAR, 2.0).toDoubleArray(), TOL);
        }
    }

    @Test
    void bilinearUsesTheGivenScaleNotInOverOut() {
        try (MemoryScope s = MemoryScope.open()) {
            // 5 -> floor(2.5) = 2 samples; source (i + 0.5) / 0.5 - 0.5 = 2i + 0.5: averages of (0,1) and (2,3)
            assertArrayEquals(new double[] {0.5, 2.5}, resizeRow(5, Interpolation.BILINEAR, 0.5), TOL);
            // 4 -> 3; sources 1/6, 1.5, 17/6
            assertArrayEquals(new double[] {1.0 / 6, 1.5, 17.0 / 6}, resizeRow(4, Interpolation.BILINEAR, 0.75),
                    TOL);
            // 2-D, non-square, halving: the mean of each 2 x 2 block
            double[] v = new double[24];
            for (int i = 0; i < 24; i++) {
                v[i] = i * i % 7;
            }
            Tensor x = Tensor.of(v, 1, 1, 4, 6);
            double[] y = Resize.apply(x, Interpolation.BILINEAR, 0.5).toDoubleArray();
            assertEquals(6, y.length);
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 3; j++) {
                    double mean = (v[(2 * i) * 6 + 2 * j] + v[(2 * i) * 6 + 2 * j + 1] + v[(2 * i + 1) * 6 + 2 * j]
                            + v[(2 * i + 1) * 6 + 2 * j + 1]) / 4;
                    assertEquals(mean, y[i * 3 + j], TOL);
                }
            }
        }
    }

    @Test
    void areaIsAdaptiveAveragePooling() {
        try (MemoryScope s = MemoryScope.open()) {
            // 5 -> 2: windows [0, 3) and [2, 5)
            assertArrayEquals(new double[] {1, 3}, resizeRow(5, Interpolation.AREA, 0.5), TOL);
            // 6 -> 4 (scale 0.75): windows [0,2) [1,3) [3,5) [4,6)
            assertArrayEquals(new double[] {0.5, 1.5, 3.5, 4.5}, resizeRow(6, Interpolation.AREA, 0.75), TOL);
            // 3 -> 6 (upsampling): each output window holds one input
            assertArrayEquals(new double[] {0, 0, 1, 1, 2, 2}, resizeRow(3, Interpolation.AREA, 2.0), TOL);
            Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 1, 1, 4, 4);
            assertArrayEquals(new double[] {8.5}, Resize.apply(x, Interpolation.AREA, 0.25).toDoubleArray(), TOL);
        }
    }

    @Test
    void nearestTakesTheFloorOfTheScaledIndex() {
        try (MemoryScope s = MemoryScope.open()) {
            assertArrayEquals(new double[] {0, 2}, resizeRow(5, Interpolation.NEAREST, 0.5), TOL);
            assertArrayEquals(new double[] {0, 0, 1, 1, 2, 2}, resizeRow(3, Interpolation.NEAREST, 2.0), TOL);
            assertArrayEquals(new double[] {0, 1, 2}, resizeRow(4, Interpolation.NEAREST, 0.75), TOL);
            // 3 -> 4: floor(i * float(1/1.5)) = 0, 0, 1, 2
            assertArrayEquals(new double[] {0, 0, 1, 2}, resizeRow(3, Interpolation.NEAREST, 1.5), TOL);
            Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 1, 1, 2, 3);
            assertArrayEquals(new double[] {1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 4, 4, 5, 5, 6, 6},
                    Resize.apply(x, Interpolation.NEAREST, 2.0).toDoubleArray(), TOL);
        }
    }

    @Test
    void stagesAndChannelMapperShapesAndKeys() {
        Rng rng = new Rng(0);
        SpatialRescaler semantic = new SpatialRescaler(2, Interpolation.BILINEAR, 0.5, 5, 3, false, rng);
        assertEquals(List.of("channel_mapper.weight"), TestSupport.keys(semantic));
        assertArrayEquals(new long[] {3, 5, 1, 1}, semantic.stateDict().get("channel_mapper.weight").shape());
        SpatialRescaler biased = new SpatialRescaler(1, Interpolation.AREA, 0.5, 5, 3, true, rng);
        assertEquals(List.of("channel_mapper.weight", "channel_mapper.bias"), TestSupport.keys(biased));
        SpatialRescaler plain = new SpatialRescaler(5);
        assertEquals(List.of(), TestSupport.keys(plain));
        assertEquals(Conditioner.Kind.SPATIAL, semantic.kind());
        assertEquals(3, semantic.outputDim());
        assertEquals(5, plain.outputDim());
        try (MemoryScope s = MemoryScope.open()) {
            Tensor x = rng.normal(2, 5, 16, 12);
            assertArrayEquals(new long[] {2, 3, 4, 3}, semantic.encode(x).shape());
            assertArrayEquals(new long[] {4, 3}, semantic.outputSize(16, 12));
            assertArrayEquals(new long[] {2, 5, 8, 6}, plain.encode(x).shape());
            SpatialRescaler up = new SpatialRescaler(3, Interpolation.NEAREST, 2.0, 5, 0, false, null);
            assertArrayEquals(new long[] {2, 5, 128, 96}, up.encode(x).shape());
            SpatialRescaler none = new SpatialRescaler(0, Interpolation.BILINEAR, 0.5, 5, 0, false, null);
            assertEquals(0.0, none.encode(x).maxAbsDiff(x));
            Tensor uc = semantic.unconditionalLike(x);
            assertArrayEquals(x.shape(), uc.shape());
            assertEquals(0.0, uc.abs().sum().item());
            // two bilinear halvings then the 1x1 conv, written out
            Tensor h = Resize.apply(Resize.apply(x, Interpolation.BILINEAR, 0.5), Interpolation.BILINEAR, 0.5);
            Tensor w = semantic.stateDict().get("channel_mapper.weight").reshape(3, 5);
            Tensor expected = TestSupport.affine(h.permute(0, 2, 3, 1), w, null).permute(0, 3, 1, 2);
            assertTrue(semantic.encode(x).maxAbsDiff(expected) < 1e-5);
        }
    }

    @Test
    void float32MatchesFloat64() {
        try (MemoryScope s = MemoryScope.open()) {
            Tensor x = new Rng(5).normal(DType.FLOAT64, 1, 2, 7, 5);
            for (Interpolation m : Interpolation.values()) {
                Tensor y64 = Resize.apply(x, m, 0.6);
                Tensor y32 = Resize.apply(x.to(DType.FLOAT32), m, 0.6);
                assertEquals(DType.FLOAT32, y32.dtype());
                assertTrue(y32.to(DType.FLOAT64).maxAbsDiff(y64) < 1e-5, m.toString());
            }
        }
    }

    @Test
    void gradientsFlowThroughEveryMethod() {
        Rng rng = new Rng(6);
        for (Interpolation m : Interpolation.values()) {
            for (double scale : new double[] {0.5, 1.5}) {
                SpatialRescaler r = TestSupport.prepared(new SpatialRescaler(1, m, scale, 2, 3, true, rng), 7);
                try (MemoryScope s = MemoryScope.open()) {
                    Tensor x = GradCheck.input(rng, 1, 2, 5, 4);
                    Tensor w = r.stateDict().get("channel_mapper.weight");
                    GradCheck.check(in -> r.forward(in[0]), x);
                    Tensor xc = x.detach();
                    TestSupport.sampledGradCheck(() -> r.forward(xc), r.namedParameters(), 8, 1, 1e-6, 1e-5);
                    assertEquals(3, w.size(0));
                }
            }
        }
    }

    @Test
    void badInputsNameTheArgument() {
        SpatialRescaler r = new SpatialRescaler(2, Interpolation.AREA, 0.5, 3, 0, false, null);
        try (MemoryScope s = MemoryScope.open()) {
            String msg = assertThrows(IllegalArgumentException.class, () -> r.encode(Tensor.zeros(3, 8, 8)))
                    .getMessage();
            assertTrue(msg.contains("x: expected rank 4, got rank 3 [3, 8, 8]"), msg);
            msg = assertThrows(IllegalArgumentException.class, () -> r.encode(Tensor.zeros(1, 4, 8, 8)))
                    .getMessage();
            assertTrue(msg.contains("x: expected 3 channels (dim 1), got 4 in [1, 4, 8, 8]"), msg);
            msg = assertThrows(IllegalArgumentException.class, () -> r.encode(Tensor.zeros(1, 3, 3, 8)))
                    .getMessage();
            assertTrue(msg.contains("leaves an empty map"), msg);
            msg = assertThrows(IllegalArgumentException.class,
                    () -> r.encode(Tensor.of(new long[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 3, 3, 1))).getMessage();
            assertTrue(msg.contains("x: expected a floating-point tensor"), msg);
        }
        String msg = assertThrows(IllegalArgumentException.class,
                () -> new SpatialRescaler(1, Interpolation.AREA, 0, 3, 0, false, null)).getMessage();
        assertTrue(msg.contains("multiplier: expected a positive scale factor, got 0.0"), msg);
        msg = assertThrows(IllegalArgumentException.class,
                () -> new SpatialRescaler(-1, Interpolation.AREA, 0.5, 3, 0, false, null)).getMessage();
        assertTrue(msg.contains("nStages: expected 0 or more stages, got -1"), msg);
    }
}
