package org.ldm4j.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;

/** Train/eval behaviour, freezing, initialisation ranges, argument checks and the F facade. */
class ModesAndInitTest {
    private final Rng rng = new Rng(3);

    // ---------------------------------------------------------------- train / eval

    @Test
    void dropoutDropsInTrainingAndIsTheIdentityInEval() {
        Dropout drop = new Dropout(0.5, new Rng(9));
        Sequential seq = new Sequential(new Identity(), drop);
        Tensor x = Tensor.ones(100, 100);
        double[] y = seq.forward(x).toDoubleArray();
        int zeros = 0;
        for (double v : y) {
            assertTrue(v == 0.0 || v == 2.0, "survivors are scaled by 1/(1-p): " + v);
            zeros += v == 0.0 ? 1 : 0;
        }
        assertTrue(zeros > 4500 && zeros < 5500, "zeros: " + zeros);
        seq.eval();
        assertFalse(drop.isTraining());
        assertSame(x, seq.forward(x));
        seq.train();
        assertTrue(drop.isTraining());
        assertSame(x, new Dropout(0.0, null).forward(x));
    }

    @Test
    void batchNormUsesBatchStatisticsInTrainingAndRunningOnesInEval() {
        BatchNorm2d bn = new BatchNorm2d(2, 1e-5, 0.1);
        Tensor x = new Rng(4).normal(DType.FLOAT32, 4, 2, 3, 3).mul(3).add(1);
        Tensor y = bn.forward(x);
        double[] mean = x.mean(0, 2, 3).toDoubleArray();
        double[] unbiased = x.var(true, false, 0, 2, 3).toDoubleArray();
        double[] yMean = y.mean(0, 2, 3).toDoubleArray();
        double[] yVar = y.var(false, false, 0, 2, 3).toDoubleArray();
        for (int c = 0; c < 2; c++) {
            assertEquals(0.0, yMean[c], 1e-5);
            assertEquals(1.0, yVar[c], 1e-3);
            assertEquals(0.1 * mean[c], bn.runningMean().toDoubleArray()[c], 1e-5);
            assertEquals(0.9 + 0.1 * unbiased[c], bn.runningVar().toDoubleArray()[c], 1e-4);
        }
        assertEquals(1, bn.numBatchesTracked());
        bn.forward(x);
        assertEquals(2, bn.numBatchesTracked());

        bn.eval();
        float[] rm = bn.runningMean().toFloatArray();
        float[] rv = bn.runningVar().toFloatArray();
        Tensor e = bn.forward(x);
        assertArrayEquals(rm, bn.runningMean().toFloatArray());
        assertArrayEquals(rv, bn.runningVar().toFloatArray());
        assertEquals(2, bn.numBatchesTracked());
        double[] xs = x.toDoubleArray();
        double[] es = e.toDoubleArray();
        for (int i = 0; i < xs.length; i++) {
            int c = (i / 9) % 2;
            assertEquals((xs[i] - rm[c]) / Math.sqrt(rv[c] + 1e-5), es[i], 1e-5);
        }
    }

    /** Pins itself to eval mode, as the reference's disabled_train does for the frozen first stage. */
    private static final class AlwaysEval extends Module implements Layer {
        AlwaysEval(Rng rng) {
            register("drop", new Dropout(0.5, rng));
        }

        @Override
        public Module train(boolean on) {
            return super.train(false);
        }

        @Override
        public Tensor forward(Tensor x) {
            return ((Dropout) namedChildren().get("drop")).forward(x);
        }
    }

    @Test
    void aModuleCanPinItsModeAgainstItsParent() {
        AlwaysEval frozen = new AlwaysEval(rng);
        Sequential seq = new Sequential(new Dropout(0.5, rng), frozen);
        seq.train();
        assertTrue(seq.get(0).isTraining());
        assertFalse(frozen.isTraining());
        assertFalse(frozen.namedModules().get("drop").isTraining());
        Tensor x = Tensor.ones(3, 3);
        assertSame(x, frozen.forward(x));
    }

    // ---------------------------------------------------------------- freeze

    @Test
    void freezeStopsGradientsToParametersButNotThroughTheModule() {
        Sequential seq = new Sequential(new Linear(3, 4, true, rng), new SiLU(), new Linear(4, 2, true, rng));
        seq.freeze();
        Tensor x = rng.normal(5, 3).requiresGrad(true);
        seq.forward(x).sum().backward();
        assertNotNull(x.grad());
        for (Tensor p : seq.parameters()) {
            assertFalse(p.requiresGrad());
            assertNull(p.grad());
        }
        assertTrue(seq.forward(rng.normal(5, 3)).isLeaf(), "no graph when nothing requires grad");

        seq.unfreeze();
        seq.forward(rng.normal(5, 3)).sum().backward();
        for (Tensor p : seq.parameters()) {
            assertNotNull(p.grad());
        }
        seq.zeroGrad();
        assertNull(seq.parameters().get(0).grad());
    }

    @Test
    void trainableParametersLeaveFrozenOnesOut() {
        Linear frozen = new Linear(3, 4, true, rng);
        Linear trained = new Linear(4, 2, true, rng);
        Sequential seq = new Sequential(frozen, trained);
        frozen.freeze();
        assertEquals(java.util.List.of("1.weight", "1.bias"), java.util.List.copyOf(seq.trainableParameters().keySet()));
        assertEquals(4, seq.namedParameters().size());
    }

    // ---------------------------------------------------------------- initialisation

    /** Uniform in [-bound, bound]: the extremes close to the bound, variance bound^2 / 3, mean near 0. */
    private static void assertUniform(Tensor t, double bound, double varianceTolerance) {
        double[] v = t.toDoubleArray();
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        double sum = 0;
        double sq = 0;
        for (double d : v) {
            min = Math.min(min, d);
            max = Math.max(max, d);
            sum += d;
            sq += d * d;
        }
        double mean = sum / v.length;
        double var = sq / v.length - mean * mean;
        assertTrue(min >= -bound && max <= bound, "range [" + min + ", " + max + "] exceeds +-" + bound);
        assertTrue(min < -0.95 * bound && max > 0.95 * bound, "range [" + min + ", " + max + "] too narrow");
        assertEquals(0.0, mean, 0.05 * bound);
        assertEquals(bound * bound / 3, var, varianceTolerance * bound * bound / 3);
    }

    @Test
    void linearAndConvolutionInitialiseLikePyTorch() {
        Linear linear = new Linear(100, 200, true, rng);
        assertUniform(linear.weight(), 1.0 / Math.sqrt(100), 0.05);
        assertUniform(linear.bias(), 1.0 / Math.sqrt(100), 0.3);
        Conv2d conv = new Conv2d(8, 16, 3, 1, 1, true, rng);
        assertUniform(conv.weight(), 1.0 / Math.sqrt(72), 0.15);
        Conv1d conv1 = new Conv1d(64, 192, 1, true, rng);
        assertUniform(conv1.weight(), 1.0 / 8, 0.1);
        assertArrayEquals(new long[] {192, 64, 1}, conv1.weight().shape());
    }

    @Test
    void embeddingIsStandardNormalAndNormsStartAtIdentity() {
        double[] e = new Embedding(50, 40, rng).weight().toDoubleArray();
        double sum = 0;
        double sq = 0;
        for (double d : e) {
            sum += d;
            sq += d * d;
        }
        assertEquals(0.0, sum / e.length, 0.1);
        assertEquals(1.0, sq / e.length, 0.15);
        GroupNorm gn = new GroupNorm(4, 8, 1e-6);
        assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1, 1, 1}, gn.weight().toFloatArray());
        assertArrayEquals(new float[8], gn.bias().toFloatArray());
        BatchNorm2d bn = new BatchNorm2d(2);
        assertArrayEquals(new float[] {0, 0}, bn.runningMean().toFloatArray());
        assertArrayEquals(new float[] {1, 1}, bn.runningVar().toFloatArray());
        assertEquals(0, bn.numBatchesTracked());
        assertEquals(0, new LayerNorm(4, 1e-5, false).parameterCount());
    }

    // ---------------------------------------------------------------- checks

    @Test
    void layersNameTheArgumentTheExpectationAndWhatTheyGot() {
        Conv2d conv = new Conv2d(64, 64, 3, 1, 1, true, rng);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> conv.forward(Tensor.zeros(2, 32, 8, 8)));
        assertEquals("x: expected 64 input channels (dim 1), got 32 in [2, 32, 8, 8]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Linear(8, 2, true, rng).forward(Tensor.zeros(3, 4)));
        assertEquals("x: expected 8 input features (dim 1), got 4 in [3, 4]", e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new GroupNorm(32, 64, 1e-6).forward(Tensor.zeros(2, 32, 4, 4)));
        assertThrows(IllegalArgumentException.class, () -> new LayerNorm(8, 1e-5, true).forward(Tensor.zeros(2, 4)));
        assertThrows(IllegalArgumentException.class, () -> new BatchNorm2d(3).forward(Tensor.zeros(2, 3, 4)));
        assertThrows(IllegalArgumentException.class,
                () -> new Conv1d(4, 4, 1, true, rng).forward(Tensor.zeros(2, 3, 5)));
        assertThrows(IllegalArgumentException.class, () -> new Embedding(4, 2, rng).forward(Tensor.zeros(3)));
        assertThrows(IllegalArgumentException.class,
                () -> new Linear(8, 2, true, rng).forward(Tensor.zeros(DType.FLOAT64, 3, 8)));
        assertThrows(IllegalArgumentException.class, () -> new GroupNorm(3, 64, 1e-6));
        assertThrows(IllegalArgumentException.class, () -> new Conv1d(4, 4, 3, true, rng));
        assertThrows(IllegalArgumentException.class, () -> new Dropout(1.0, rng));
    }

    /** Registration misuse. */
    private static final class Bad extends Module {
        Bad(int variant) {
            registerParameter("w", Tensor.ones(2));
            switch (variant) {
                case 0 -> registerParameter("w", Tensor.ones(2));
                case 1 -> register("w", new Identity());
                case 2 -> registerBuffer("a.b", Tensor.ones(2));
                case 3 -> registerParameter("i", Tensor.of(new long[] {1}, 1));
                case 4 -> register("self", this);
                default -> register("", new Identity());
            }
        }
    }

    @Test
    void registrationRejectsDuplicateDottedAndInvalidNamesAndCycles() {
        for (int v = 0; v < 6; v++) {
            int variant = v;
            assertThrows(IllegalArgumentException.class, () -> new Bad(variant), "variant " + v);
        }
        Sequential inner = new Sequential(new Identity());
        Sequential outer = new Sequential(inner);
        assertThrows(IllegalArgumentException.class, () -> inner.add(outer));
        assertThrows(IllegalArgumentException.class, () -> new Sequential(new ModuleList<>()));
        assertThrows(IllegalArgumentException.class, () -> new Linear(2, 2, true, rng).parameter("nope"));
    }

    // ---------------------------------------------------------------- F

    @Test
    void functionalFacadeDelegates() {
        Linear linear = new Linear(3, 2, true, rng);
        Tensor x = rng.normal(4, 3);
        assertEquals(0.0, F.linear(x, linear.weight(), linear.bias()).maxAbsDiff(linear.forward(x)));
        Embedding emb = new Embedding(5, 2, rng);
        Tensor idx = Tensor.of(new long[] {4, 0}, 2);
        assertEquals(0.0, F.embedding(idx, emb.weight()).maxAbsDiff(emb.forward(idx)));
        Tensor img = rng.normal(1, 2, 4, 4);
        assertArrayEquals(new long[] {1, 2, 5, 5}, F.pad(img, 0, 1, 0, 1).shape());
        assertArrayEquals(new long[] {1, 2, 8, 8}, F.interpolateNearest(img, 2).shape());
        assertArrayEquals(new long[] {1, 4, 4, 4}, F.cat(1, img, img).shape());
        assertEquals(0.0, F.mseLoss(img, img).item(), 0.0);
        assertEquals(0.0, F.silu(img).maxAbsDiff(new SiLU().forward(img)));
    }
}
