package org.ldm4j.core.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ldm4j.core.testing.GradCheck.check;
import static org.ldm4j.core.testing.GradCheck.input;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;

class ShapesAndMatmulTest {
    private final Rng rng = new Rng(31);

    @Test
    void shapeOpsMoveTheRightElements() {
        Tensor x = Tensor.of(new double[] {0, 1, 2, 3, 4, 5}, 2, 3);
        assertArrayEquals(new double[] {0, 3, 1, 4, 2, 5}, x.transpose(0, 1).contiguous().toDoubleArray(), 0);
        assertArrayEquals(new long[] {3, 2}, x.reshape(-1, 2).shape());
        assertArrayEquals(new double[] {1, 2, 4, 5}, x.slice(1, 1, 3).toDoubleArray(), 0);
        List<Tensor> parts = x.chunk(3, 1);
        assertArrayEquals(new double[] {2, 5}, parts.get(2).toDoubleArray(), 0);
        Tensor cat = ShapeOps.concat(0, x, x.mul(10));
        assertArrayEquals(new long[] {4, 3}, cat.shape());
        assertEquals(50, cat.get(3, 2), 0);
        Tensor padded = ShapeOps.pad(x, 0, 0, 1, 0, 1);          // right 1, bottom 1
        assertArrayEquals(new double[] {0, 1, 2, 0, 3, 4, 5, 0, 0, 0, 0, 0}, padded.toDoubleArray(), 0);
        assertArrayEquals(new long[] {1, 2, 3}, x.unsqueeze(0).shape());
        assertArrayEquals(new long[] {2, 3}, x.unsqueeze(1).squeeze(1).shape());
        assertArrayEquals(new double[] {0, 1, 2, 0, 1, 2}, Tensor.of(new double[] {0, 1, 2}, 3).expand(2, 3)
                .toDoubleArray(), 0);
        assertSame(x, x.to(DType.FLOAT64));
        assertEquals(DType.FLOAT32, x.to(DType.FLOAT32).dtype());
    }

    @Test
    void shapeOpGradientsAreExact() {
        Tensor x = input(rng, 2, 3, 4);
        check(in -> in[0].reshape(4, 6).mul(in[0].reshape(4, 6)), x);
        check(in -> in[0].permute(2, 0, 1).contiguous(), x);
        check(in -> in[0].transpose(1, 2).reshape(2, 12), x);
        check(in -> in[0].slice(2, 1, 3), x);
        check(in -> in[0].chunk(2, 2).get(1).mul(in[0].chunk(2, 2).get(0)), x);
        check(in -> ShapeOps.concat(1, in[0], in[0].mul(2)), x);
        check(in -> ShapeOps.pad(in[0], 0, 1, 2, 0, 1), x);
        check(in -> in[0].expand(3, 2, 3, 4), input(rng, 3, 1));
        check(in -> in[0].slice(0, 0, 1).expand(2, 3, 4).add(in[0]), x);
        // a cast passes the gradient through, converted back (finite differences cannot see through float32)
        Tensor y = input(rng, 3);
        y.to(DType.FLOAT32).mul(Tensor.of(new float[] {1, 2, 3}, 3)).sum().backward();
        assertEquals(DType.FLOAT64, y.grad().dtype());
        assertArrayEquals(new double[] {1, 2, 3}, y.grad().toDoubleArray(), 0);
    }

    @Test
    void matmulCoversTransposesAndBatches() {
        Tensor a = input(rng, 3, 4);
        Tensor b = input(rng, 4, 5);
        double expected = 0;
        for (int k = 0; k < 4; k++) {
            expected += a.get(2, k) * b.get(k, 1);
        }
        assertEquals(expected, a.matmul(b).get(2, 1), 1e-12);
        check(in -> in[0].matmul(in[1]), a, b);
        check(in -> in[0].matmul(in[1], true, false), input(rng, 4, 3), b);
        check(in -> in[0].matmul(in[1], false, true), a, input(rng, 5, 4));
        check(in -> in[0].matmul(in[1], true, true), input(rng, 4, 3), input(rng, 5, 4));
        check(in -> in[0].matmul(in[1]), input(rng, 2, 3, 4), input(rng, 2, 4, 2));
        check(in -> in[0].matmul(in[1], true, true), input(rng, 2, 2, 4, 3), input(rng, 2, 2, 5, 4));
    }

    @Test
    void matmulRefusesToBroadcast() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.zeros(3, 4).matmul(Tensor.zeros(2, 4, 5)));
        assertTrue(e.getMessage().contains("equal rank"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3, 4).matmul(Tensor.zeros(1, 4, 5)));
        assertTrue(e.getMessage().contains("batch dimensions differ"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(3, 4).matmul(Tensor.zeros(3, 4)));
        assertTrue(e.getMessage().contains("inner dimensions differ: 4 vs 3"), e.getMessage());
    }

    @Test
    void linearIsXWTransposePlusB() {
        Tensor x = input(rng, 2, 3, 4);
        Tensor w = input(rng, 5, 4);
        Tensor b = input(rng, 5);
        Tensor y = LinearAlgebra.linear(x, w, b);
        double expected = b.get(3);
        for (int k = 0; k < 4; k++) {
            expected += x.get(1, 2, k) * w.get(3, k);
        }
        assertEquals(expected, y.get(1, 2, 3), 1e-12);
        check(in -> LinearAlgebra.linear(in[0], in[1], in[2]), x, w, b);
        check(in -> LinearAlgebra.linear(in[0], in[1], null), x, w);
    }
}
