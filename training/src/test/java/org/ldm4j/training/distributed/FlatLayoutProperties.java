package org.ldm4j.training.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;

/** The flat layout that carries weights and gradients between a driver and its replicas. */
class FlatLayoutProperties {

    private static Map<String, Tensor> params(List<Integer> sizes, long seed) {
        Rng rng = new Rng(seed);
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (int i = 0; i < sizes.size(); i++) {
            int n = sizes.get(i);
            m.put("p" + i, i % 2 == 0 ? rng.normal(n) : rng.normal(1, n, 1));
        }
        return m;
    }

    @Property(tries = 50)
    void valuesAndGradientsRoundTripThroughTheFlatVector(
            @ForAll @Size(min = 1, max = 6) List<@IntRange(min = 1, max = 40) Integer> sizes, @ForAll long seed) {
        Map<String, Tensor> a = params(sizes, seed);
        Map<String, Tensor> b = params(sizes, seed + 1);
        FlatLayout layout = FlatLayout.of(a);
        layout.check("b", b);
        assertEquals(sizes.stream().mapToInt(Integer::intValue).sum(), layout.size());
        float[] flat = layout.values(a);
        layout.assignValues(b, flat);
        assertArrayEquals(flat, layout.values(b));
        layout.assignGrads(b, flat);
        assertArrayEquals(flat, layout.grads(b));
        a.forEach((k, v) -> assertArrayEquals(v.toFloatArray(), layout.tensors(flat).get(k).toFloatArray(), k));
    }

    @Property(tries = 200)
    void piecesCoverTheVectorOnceInOrderWithSizesWithinOne(@ForAll @IntRange(min = 0, max = 10_000) int size,
            @ForAll @IntRange(min = 1, max = 64) int pieces) {
        FlatLayout layout = FlatLayout.of(size == 0 ? Map.of("e", Tensor.zeros(0)) : Map.of("w", Tensor.zeros(size)));
        assertEquals(0, layout.pieceStart(0, pieces));
        assertEquals(size, layout.pieceStart(pieces, pieces));
        int min = Integer.MAX_VALUE;
        int max = 0;
        for (int p = 0; p < pieces; p++) {
            int len = layout.pieceStart(p + 1, pieces) - layout.pieceStart(p, pieces);
            assertTrue(len >= 0);
            min = Math.min(min, len);
            max = Math.max(max, len);
        }
        assertTrue(max - min <= 1, "piece sizes " + min + ".." + max);
    }

    @Property(tries = 20)
    void aMismatchedModelIsRefusedByName(@ForAll @IntRange(min = 1, max = 9) int n) {
        FlatLayout layout = FlatLayout.of(Map.of("w", Tensor.zeros(n)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> layout.check("replica", Map.of("w", Tensor.zeros(n + 1))));
        assertTrue(e.getMessage().contains("replica: expected parameter 0 to be 'w'"), e.getMessage());
        IllegalArgumentException f = assertThrows(IllegalArgumentException.class,
                () -> layout.assignValues(Map.of("w", Tensor.zeros(n)), new float[n + 2]));
        assertTrue(f.getMessage().contains("expected " + n + " values, got " + (n + 2)), f.getMessage());
    }
}
