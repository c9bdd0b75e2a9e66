package org.ldm4j.core.random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;

class RngProperties {

    @Property(tries = 50)
    void theSameSeedGivesTheSameNumbers(@ForAll long seed, @ForAll @IntRange(min = 1, max = 300) int n) {
        assertArrayEquals(new Rng(seed).normal(DType.FLOAT64, n).toDoubleArray(),
                new Rng(seed).normal(DType.FLOAT64, n).toDoubleArray(), 0);
        assertArrayEquals(new Rng(seed).randint(0, 1000, n).toLongArray(), new Rng(seed).randint(0, 1000, n).toLongArray());
    }

    @Property(tries = 30)
    void aRestoredStateContinuesTheStream(@ForAll long seed, @ForAll @IntRange(min = 0, max = 50) int skip) {
        Rng a = new Rng(seed);
        a.uniform(DType.FLOAT64, 0, 1, skip + 1);
        Rng b = Rng.fromState(a.state());
        assertArrayEquals(a.normal(DType.FLOAT64, 7).toDoubleArray(), b.normal(DType.FLOAT64, 7).toDoubleArray(), 0);
        assertEquals(a.nextLong(), b.nextLong());
    }

    @Property(tries = 30)
    void randintStaysInRange(@ForAll long seed, @ForAll @LongRange(min = -5, max = 5) long lo,
                             @ForAll @LongRange(min = 1, max = 2000) long width) {
        for (long v : new Rng(seed).randint(lo, lo + width, 64).toLongArray()) {
            assertTrue(v >= lo && v < lo + width, "value " + v);
        }
    }

    @Test
    void splitsAndForksAreIndependentAndReproducible() {
        Rng root = new Rng(1);
        Rng a = root.split();
        Rng b = root.split();
        assertNotEquals(a.nextLong(), b.nextLong());
        assertEquals(new Rng(1).fork(7).nextLong(), new Rng(1).fork(7).nextLong());
        assertNotEquals(new Rng(1).fork(7).nextLong(), new Rng(1).fork(8).nextLong());
        assertNotEquals(new Rng(1).nextLong(), new Rng(2).nextLong());
    }

    @Test
    void largeParallelFillsEqualSmallSerialOnes() {
        // draws are counter-based: a 200k fill (parallel) must equal the same draws taken in pieces (serial)
        Rng big = new Rng(5);
        double[] whole = big.normal(DType.FLOAT64, 200_000).toDoubleArray();
        Rng pieces = new Rng(5);
        double[] first = pieces.normal(DType.FLOAT64, 1000).toDoubleArray();
        for (int i = 0; i < 1000; i++) {
            assertEquals(whole[i], first[i], 0);
        }
    }

    @Test
    void momentsAreRight() {
        double[] z = new Rng(3).normal(DType.FLOAT64, 200_000).toDoubleArray();
        double mean = 0, m2 = 0, m4 = 0;
        for (double v : z) {
            mean += v / z.length;
        }
        for (double v : z) {
            m2 += (v - mean) * (v - mean) / z.length;
            m4 += Math.pow(v - mean, 4) / z.length;
        }
        assertEquals(0, mean, 0.01);
        assertEquals(1, m2, 0.01);
        assertEquals(3, m4, 0.06);        // Gaussian kurtosis
        double[] u = new Rng(4).uniform(DType.FLOAT64, -1, 3, 100_000).toDoubleArray();
        double um = 0;
        for (double v : u) {
            assertTrue(v >= -1 && v < 3);
            um += v / u.length;
        }
        assertEquals(1, um, 0.02);
        double ones = new Rng(6).bernoulli(DType.FLOAT32, 0.3, 100_000).sum().item();
        assertEquals(30_000, ones, 600);
    }

    @Test
    void permutationsArePermutations() {
        int[] p = new Rng(8).permutation(100);
        boolean[] seen = new boolean[100];
        for (int v : p) {
            seen[v] = true;
        }
        for (boolean s : seen) {
            assertTrue(s);
        }
    }

    @Test
    void badArgumentsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Rng(1).randint(5, 5, 3));
        assertTrue(e.getMessage().startsWith("randint: expected lo < hi"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Rng(1).bernoulli(DType.FLOAT32, 1.5, 3));
        assertTrue(e.getMessage().startsWith("p: expected a probability"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Rng(1).normal(DType.INT64, 3));
        assertTrue(e.getMessage().contains("floating-point"), e.getMessage());
    }

    @Test
    void nothingTouchesNd4jsGlobalGenerator() {
        org.nd4j.linalg.factory.Nd4j.getRandom().setSeed(99);
        long before = org.nd4j.linalg.factory.Nd4j.getRandom().nextLong();
        org.nd4j.linalg.factory.Nd4j.getRandom().setSeed(99);
        new Rng(1).normal(1000);
        Tensor.zeros(3).add(1.0);
        assertEquals(before, org.nd4j.linalg.factory.Nd4j.getRandom().nextLong());
    }
}
