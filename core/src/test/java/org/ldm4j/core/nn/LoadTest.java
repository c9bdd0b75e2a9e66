package org.ldm4j.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/** {@link Module#load}: reports, strictness, dtype conversion, identity; {@link Module#to}; memory. */
class LoadTest {
    private static Sequential mlp(long seed) {
        Rng rng = new Rng(seed);
        return new Sequential(new Linear(4, 6, true, rng), new SiLU(), new Linear(6, 3, true, rng));
    }

    private static Map<String, Tensor> mutable(Map<String, Tensor> sd) {
        return new LinkedHashMap<>(sd);
    }

    @Test
    void strictLoadCopiesValuesIntoTheSameTensors() {
        Sequential a = mlp(1);
        Sequential b = mlp(2);
        Tensor w = b.namedParameters().get("0.weight");
        assertNotEquals(0.0, w.maxAbsDiff(a.namedParameters().get("0.weight")));
        LoadReport r = b.load(a.stateDict(), true);
        assertTrue(r.isClean());
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias"), r.loadedKeys());
        assertSame(w, b.namedParameters().get("0.weight"));
        assertTrue(w.requiresGrad());
        for (String k : a.stateDict().keySet()) {
            assertEquals(0.0, a.stateDict().get(k).maxAbsDiff(b.stateDict().get(k)), k);
        }
        Tensor x = new Rng(3).normal(5, 4);
        assertArrayEquals(a.forward(x).toFloatArray(), b.forward(x).toFloatArray());
    }

    @Test
    void missingKeysAreNamedAndStrictLoadsNothing() {
        Sequential b = mlp(2);
        Map<String, Tensor> sd = mutable(mlp(1).stateDict());
        sd.remove("0.bias");
        float[] before = b.namedParameters().get("0.weight").toFloatArray();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.load(sd, true));
        assertTrue(e.getMessage().contains("missing keys [0.bias]"), e.getMessage());
        assertArrayEquals(before, b.namedParameters().get("0.weight").toFloatArray());

        LoadReport r = b.load(sd, false);
        assertEquals(List.of("0.bias"), r.missingKeys());
        assertEquals(List.of("0.weight", "2.weight", "2.bias"), r.loadedKeys());
        assertFalse(r.isClean());
        assertEquals(0.0, b.namedParameters().get("0.weight").maxAbsDiff(sd.get("0.weight")));
    }

    @Test
    void unexpectedKeysAreNamed() {
        Sequential b = mlp(2);
        Map<String, Tensor> sd = mutable(mlp(1).stateDict());
        sd.put("4.weight", Tensor.zeros(3, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.load(sd));
        assertTrue(e.getMessage().contains("unexpected keys [4.weight]"), e.getMessage());
        LoadReport r = b.load(sd, false);
        assertEquals(List.of("4.weight"), r.unexpectedKeys());
        assertEquals(4, r.loadedKeys().size());
    }

    @Test
    void shapeMismatchesAreNamedWithBothShapesAndSkippedWhenLenient() {
        Sequential b = mlp(2);
        Map<String, Tensor> sd = mutable(mlp(1).stateDict());
        sd.put("2.weight", Tensor.zeros(3, 5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.load(sd, true));
        assertTrue(e.getMessage().contains("2.weight: expected [3, 6], got [3, 5]"), e.getMessage());
        float[] before = b.namedParameters().get("2.weight").toFloatArray();
        LoadReport r = b.load(sd, false);
        assertEquals(List.of("2.weight"), r.mismatchedKeys());
        assertEquals(new LoadReport.ShapeMismatch("2.weight", new long[] {3, 6}, new long[] {3, 5}),
                r.shapeMismatches().get(0));
        assertArrayEquals(before, b.namedParameters().get("2.weight").toFloatArray());
        assertEquals(0.0, b.namedParameters().get("2.bias").maxAbsDiff(sd.get("2.bias")));
    }

    @Test
    void halfAndDoubleCheckpointsAreConvertedIntoFloatParameters() {
        Sequential a = mlp(1);
        Sequential b = mlp(2);
        Map<String, Tensor> half = new LinkedHashMap<>();
        a.stateDict().forEach((k, v) -> half.put(k, v.to(DType.FLOAT16)));
        Tensor w = b.namedParameters().get("0.weight");
        b.load(half, true);
        assertSame(w, b.namedParameters().get("0.weight"));
        assertEquals(DType.FLOAT32, w.dtype());
        assertEquals(0.0, w.maxAbsDiff(half.get("0.weight").to(DType.FLOAT32)));
        assertTrue(w.maxAbsDiff(a.namedParameters().get("0.weight")) < 1e-3);

        Map<String, Tensor> dbl = new LinkedHashMap<>();
        a.stateDict().forEach((k, v) -> dbl.put(k, v.to(DType.FLOAT64)));
        b.load(dbl);
        assertEquals(0.0, w.maxAbsDiff(a.namedParameters().get("0.weight")));
    }

    @Test
    void batchNormBuffersLoadIncludingTheIntegerCounter() {
        BatchNorm2d a = new BatchNorm2d(2);
        a.forward(new Rng(4).normal(3, 2, 2, 2));
        a.forward(new Rng(5).normal(3, 2, 2, 2));
        BatchNorm2d b = new BatchNorm2d(2);
        b.load(a.stateDict());
        assertEquals(2, b.numBatchesTracked());
        assertEquals(0.0, b.runningMean().maxAbsDiff(a.runningMean()));
        assertEquals(0.0, b.runningVar().maxAbsDiff(a.runningVar()));
        assertEquals(DType.INT64, b.buffer("num_batches_tracked").dtype());
    }

    @Test
    void stateDictValuesAreDetachedViewsOfTheModuleTensors() {
        Sequential a = mlp(1);
        Tensor v = a.stateDict().get("0.weight");
        assertFalse(v.requiresGrad());
        a.namedParameters().get("0.weight").assign(Tensor.zeros(6, 4));
        assertEquals(0.0, v.maxAbsDiff(Tensor.zeros(6, 4)));
    }

    @Test
    void toConvertsFloatingTensorsAndKeepsFlagsAndIntegerBuffers() {
        Sequential m = new Sequential(new Conv2d(2, 4, 3, 1, 1, true, new Rng(1)), new BatchNorm2d(4));
        m.get(0).freeze();
        Tensor old = m.namedParameters().get("0.weight");
        float[] values = old.toFloatArray();
        m.to(DType.FLOAT64);
        Map<String, Tensor> params = m.namedParameters();
        assertEquals(DType.FLOAT64, params.get("0.weight").dtype());
        assertFalse(params.get("0.weight").requiresGrad());
        assertTrue(params.get("1.weight").requiresGrad());
        assertEquals(DType.FLOAT64, m.namedBuffers().get("1.running_var").dtype());
        assertEquals(DType.INT64, m.namedBuffers().get("1.num_batches_tracked").dtype());
        double[] converted = params.get("0.weight").toDoubleArray();
        for (int i = 0; i < values.length; i++) {
            assertEquals(values[i], converted[i], 0.0);
        }
        assertThrows(IllegalStateException.class, old::array, "the replaced tensor is freed");
        Tensor y = m.forward(new Rng(2).normal(DType.FLOAT64, 2, 2, 3, 3));
        assertEquals(DType.FLOAT64, y.dtype());
        assertThrows(IllegalArgumentException.class, () -> m.to(DType.INT32));
    }

    @Test
    void aModuleBuiltInsideAScopeKeepsItsParametersAfterTheScopeCloses() {
        Linear layer;
        try (MemoryScope scope = MemoryScope.open()) {
            layer = new Linear(3, 2, true, new Rng(1));
            layer.forward(Tensor.ones(1, 3));
        }
        Tensor y = layer.forward(Tensor.ones(4, 3));
        assertArrayEquals(new long[] {4, 2}, y.shape());
        assertEquals(6, layer.weight().numel());
    }

    /** A module with a non-persistent buffer. */
    private static final class WithScratch extends Module {
        WithScratch() {
            registerParameter("scale", Tensor.ones(2));
            registerBuffer("shift", Tensor.zeros(2));
            registerBuffer("cache", Tensor.zeros(2), false);
        }
    }

    @Test
    void nonPersistentBuffersStayOutOfTheStateDict() {
        WithScratch m = new WithScratch();
        assertEquals(List.of("scale", "shift"), List.copyOf(m.stateDict().keySet()));
        assertEquals(List.of("shift", "cache"), List.copyOf(m.namedBuffers().keySet()));
        assertTrue(m.load(Map.of("scale", Tensor.zeros(2), "shift", Tensor.ones(2))).isClean());
    }
}
