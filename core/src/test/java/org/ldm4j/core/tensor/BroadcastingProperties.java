package org.ldm4j.core.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.ldm4j.core.random.Rng;

/** Broadcasting follows numpy: checked against an index-by-index reference, values and gradients. */
class BroadcastingProperties {

    @Provide
    Arbitrary<Tuple.Tuple2<long[], long[]>> broadcastablePairs() {
        Arbitrary<long[]> full = Arbitraries.longs().between(1, 3).array(long[].class).ofMinSize(0).ofMaxSize(4);
        return full.flatMap(shape -> {
            Arbitrary<long[]> a = derived(shape);
            Arbitrary<long[]> b = derived(shape);
            return Combinators.combine(a, b).as(Tuple::of);
        });
    }

    /** Drops some leading dims and sets some dims to 1. */
    private static Arbitrary<long[]> derived(long[] shape) {
        return Combinators.combine(Arbitraries.integers().between(0, shape.length),
                Arbitraries.integers().between(0, 15)).as((drop, ones) -> {
            long[] s = new long[shape.length - drop];
            for (int i = 0; i < s.length; i++) {
                s[i] = (ones >> (i % 4) & 1) == 1 ? 1 : shape[i + drop];
            }
            return s;
        });
    }

    private static double at(double[] v, long[] shape, long[] outIndex) {
        int off = outIndex.length - shape.length;
        long flat = 0;
        for (int i = 0; i < shape.length; i++) {
            flat = flat * shape[i] + (shape[i] == 1 ? 0 : outIndex[i + off]);
        }
        return v[(int) flat];
    }

    @Property(tries = 200)
    void elementwiseOpsBroadcastLikeNumpy(@ForAll("broadcastablePairs") Tuple.Tuple2<long[], long[]> shapes,
                                          @ForAll long seed) {
        Rng rng = new Rng(seed);
        Tensor a = rng.normal(DType.FLOAT64, shapes.get1()).requiresGrad(true);
        Tensor b = rng.uniform(DType.FLOAT64, 0.5, 2, shapes.get2()).requiresGrad(true);
        long[] out = Shapes.broadcast("test", a.shape(), b.shape());
        Tensor y = a.mul(b).add(a.div(b)).sub(b);
        assertArrayEquals(out, y.shape());
        double[] av = a.toDoubleArray();
        double[] bv = b.toDoubleArray();
        double[] yv = y.toDoubleArray();
        long[] idx = new long[out.length];
        for (int flat = 0; flat < yv.length; flat++) {
            long r = flat;
            for (int i = out.length - 1; i >= 0; i--) {
                idx[i] = r % out[i];
                r /= out[i];
            }
            double x = at(av, a.shape(), idx);
            double z = at(bv, b.shape(), idx);
            assertEquals(x * z + x / z - z, yv[flat], 1e-12);
        }
        // gradients reduce back to each operand's shape, and sum to the number of broadcast copies
        y.sum().backward();
        assertArrayEquals(a.shape(), a.grad().shape());
        assertArrayEquals(b.shape(), b.grad().shape());
        Tensor ones = Tensor.ones(DType.FLOAT64, a.shape()).requiresGrad(true);
        ones.mul(Tensor.ones(DType.FLOAT64, b.shape())).sum().backward();
        double total = 0;
        for (double g : ones.grad().toDoubleArray()) {
            total += g;
        }
        assertEquals(Shapes.numel(out), total, 0);
    }
}
