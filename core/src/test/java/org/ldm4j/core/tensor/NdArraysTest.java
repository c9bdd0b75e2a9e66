package org.ldm4j.core.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class NdArraysTest {

    private static INDArray arange(long... shape) {
        int n = (int) Shapes.numel(shape);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = i + 1;
        }
        return Nd4j.create(v, shape, 'c');
    }

    @Test
    void broadcastToFollowsNumpyForEveryPlaceOfTheOnes() {
        long[][][] cases = {{{1}, {3}}, {{}, {2, 2}}, {{1, 1}, {2, 3}}, {{2, 1}, {2, 3}}, {{1, 3}, {2, 3}},
            {{3}, {2, 3}}, {{2, 1, 3}, {2, 4, 3}}, {{4, 1, 1}, {2, 4, 3, 5}}, {{2, 3, 1, 4, 1}, {2, 3, 5, 4, 2}}};
        for (long[][] c : cases) {
            INDArray a = arange(c[0]);
            INDArray b = NdArrays.broadcastTo(a, c[1]);
            assertArrayEquals(c[1], b.shape());
            assertFalse(b.isView());
            double[] got = b.dup('c').data().asDouble();
            double[] src = a.dup('c').data().asDouble();
            long[] out = c[1];
            long[] in = c[0];
            for (int flat = 0; flat < got.length; flat++) {
                long r = flat;
                long srcFlat = 0;
                long[] idx = new long[out.length];
                for (int i = out.length - 1; i >= 0; i--) {
                    idx[i] = r % out[i];
                    r /= out[i];
                }
                for (int i = 0; i < in.length; i++) {
                    srcFlat = srcFlat * in[i] + (in[i] == 1 ? 0 : idx[i + out.length - in.length]);
                }
                assertEquals(src[(int) srcFlat], got[flat], 0, "case " + java.util.Arrays.deepToString(c) + " at " + flat);
            }
        }
    }

    @Test
    void ownedTakesOverAFreshBuffer() {
        INDArray fresh = arange(2, 6);
        INDArray own = NdArrays.owned(fresh.reshape('c', 3, 4), new long[] {3, 4});
        assertFalse(own.isView());
        assertEquals(12, own.getDouble(2, 3), 0);
        assertArrayEquals(new long[] {3, 4}, own.shape());
    }
}
