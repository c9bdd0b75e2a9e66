package org.ldm4j.core.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * {@link SkipInit}: the same keys and shapes as an initialised build, zeros in the scope's dtype, no random draws,
 * buffers kept, and scopes that nest and belong to their thread.
 */
class SkipInitTest {

    /** Every kind of layer this package initialises, plus a buffer of each sort. */
    static Sequential model(Rng rng) {
        return new Sequential(new Conv2d(3, 8, 3, 1, 1, true, rng), new GroupNorm(4, 8, 1e-6),
                new Conv1d(8, 4, 1, true, rng), new Linear(4, 6, true, rng), new Embedding(10, 6, rng),
                new LayerNorm(6, 1e-5, true), new BatchNorm2d(2, 1e-5, 0.1));
    }

    @Test
    void buildsTheSameKeysAndShapesAsZerosOfTheScopesDtypeWithoutDrawing() {
        Map<String, Tensor> reference = model(new Rng(1)).stateDict();
        Rng rng = new Rng(1);
        Sequential skipped;
        try (SkipInit s = SkipInit.open(DType.FLOAT16)) {
            assertTrue(SkipInit.isActive());
            assertSame(DType.FLOAT16, s.dtype());
            skipped = model(rng);
        }
        assertFalse(SkipInit.isActive());
        Map<String, Tensor> got = skipped.stateDict();
        assertEquals(reference.keySet(), got.keySet());
        for (Map.Entry<String, Tensor> e : got.entrySet()) {
            Tensor ref = reference.get(e.getKey());
            assertTrue(Shapes.equal(ref.shape(), e.getValue().shape()), e.getKey());
            if (e.getKey().endsWith("num_batches_tracked")) {
                assertSame(DType.INT64, e.getValue().dtype(), "integer buffers keep their type");
                continue;
            }
            assertSame(DType.FLOAT16, e.getValue().dtype(), e.getKey());
            if (skipped.namedParameters().containsKey(e.getKey())) {
                assertEquals(0.0, e.getValue().abs().sum().item(), e.getKey() + " starts at zero");
            } else {
                assertEquals(0.0, e.getValue().to(DType.FLOAT32).sub(ref).abs().sum().item(),
                        e.getKey() + ": buffers keep their values");
            }
        }
        for (Tensor p : skipped.parameters()) {
            assertTrue(p.requiresGrad());
        }
        assertEquals(new Rng(1).nextLong(), rng.nextLong(), "the layers drew nothing from the generator");
    }

    @Test
    void modulesBuiltAfterTheScopeAreInitialisedAsBeforeAndLoadingFillsASkippedOne() {
        Sequential skipped;
        try (SkipInit s = SkipInit.open()) {
            skipped = model(new Rng(2));
        }
        Sequential trained = model(new Rng(2));
        Map<String, Tensor> fresh = model(new Rng(2)).stateDict();
        for (Map.Entry<String, Tensor> e : trained.stateDict().entrySet()) {
            assertEquals(0.0, e.getValue().maxAbsDiff(fresh.get(e.getKey())), "initialised again: " + e.getKey());
        }
        skipped.load(trained.stateDict());
        Linear a = (Linear) trained.namedChildren().get("3");
        Linear b = (Linear) skipped.namedChildren().get("3");
        Tensor x = new Rng(5).normal(DType.FLOAT32, 2, 4);
        assertEquals(0.0, a.forward(x).maxAbsDiff(b.forward(x)));
    }

    @Test
    void scopesNestCloseInnermostFirstAndBelongToTheirThread() throws InterruptedException {
        try (SkipInit outer = SkipInit.open(DType.FLOAT16)) {
            try (SkipInit inner = SkipInit.open(DType.FLOAT32)) {
                assertSame(inner, SkipInit.current());
                IllegalStateException e = assertThrows(IllegalStateException.class, outer::close);
                assertTrue(e.getMessage().contains("innermost first"), e.getMessage());
                assertSame(DType.FLOAT32, new Linear(2, 2, false, new Rng(0)).weight().dtype());
            }
            assertSame(outer, SkipInit.current());
            assertSame(DType.FLOAT16, new Linear(2, 2, false, new Rng(0)).weight().dtype());

            AtomicReference<Throwable> fromOther = new AtomicReference<>();
            AtomicReference<SkipInit> seen = new AtomicReference<>();
            Thread t = new Thread(() -> {
                seen.set(SkipInit.current());
                try {
                    outer.close();
                } catch (Throwable x) {
                    fromOther.set(x);
                }
            });
            t.start();
            t.join();
            assertNull(seen.get(), "another thread builds as usual");
            assertTrue(fromOther.get() instanceof IllegalStateException, String.valueOf(fromOther.get()));
        }
        assertNull(SkipInit.current());
        assertThrows(IllegalArgumentException.class, () -> SkipInit.open(DType.INT64));
    }
}
