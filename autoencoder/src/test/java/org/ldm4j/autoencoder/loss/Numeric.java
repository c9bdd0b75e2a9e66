package org.ldm4j.autoencoder.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.function.Supplier;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/**
 * Central differences of several float64 scalars at once, perturbing one leaf element by element (for checks that
 * {@code GradCheck} cannot express: gradients taken by {@code Autograd.grad}, and a total loss whose adaptive weight
 * must be held fixed because the reference detaches it).
 */
final class Numeric {
    static final double EPS = 1e-6;
    static final double ATOL = 1e-6;
    static final double RTOL = 1e-5;

    private Numeric() {
    }

    /** d f_j / d leaf_i for every output j of {@code f}: [outputs][leaf elements]. */
    static double[][] gradients(Tensor leaf, Supplier<double[]> f) {
        return gradients(leaf, f, EPS);
    }

    static double[][] gradients(Tensor leaf, Supplier<double[]> f, double eps) {
        int n = (int) leaf.numel();
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
            all[i] = i;
        }
        return gradients(leaf, f, eps, all);
    }

    /** As {@link #gradients(Tensor, Supplier)} for the given flat indices only: [outputs][indices]. */
    static double[][] gradients(Tensor leaf, Supplier<double[]> f, double eps, int[] indices) {
        double[] base = leaf.toDoubleArray();
        long[] shape = leaf.shape();
        double[][] out = null;
        for (int k = 0; k < indices.length; k++) {
            int i = indices[k];
            double[] plus = at(leaf, base, shape, i, eps, f);
            double[] minus = at(leaf, base, shape, i, -eps, f);
            if (out == null) {
                out = new double[plus.length][indices.length];
            }
            for (int j = 0; j < plus.length; j++) {
                out[j][k] = (plus[j] - minus[j]) / (2 * eps);
            }
        }
        try (MemoryScope s = MemoryScope.open()) {
            leaf.assign(Tensor.of(base, shape));
        }
        return out;
    }

    private static double[] at(Tensor leaf, double[] base, long[] shape, int i, double delta, Supplier<double[]> f) {
        try (MemoryScope s = MemoryScope.open()) {
            double[] v = base.clone();
            v[i] += delta;
            leaf.assign(Tensor.of(v, shape));
            return f.get();
        }
    }

    /**
     * Checks {@code param}'s gradient from {@code objective().backward()} against central differences at
     * {@code count} random elements (all where there are fewer): for weights too large to perturb one by one.
     */
    static void assertSampled(String what, Supplier<Tensor> objective, Tensor param, int count, long seed) {
        int n = (int) param.numel();
        int[] idx;
        if (n <= count) {
            idx = new int[n];
            for (int i = 0; i < n; i++) {
                idx[i] = i;
            }
        } else {
            int[] perm = new org.ldm4j.core.random.Rng(seed).permutation(n);
            idx = java.util.Arrays.copyOf(perm, count);
        }
        double[] analytic;
        try (MemoryScope s = MemoryScope.open()) {
            param.zeroGrad();
            objective.get().backward();
            double[] full = param.grad().toDoubleArray();
            analytic = new double[idx.length];
            for (int k = 0; k < idx.length; k++) {
                analytic[k] = full[idx[k]];
            }
        }
        double[][] numeric = gradients(param, () -> new double[] {objective.get().item()}, EPS, idx);
        assertClose(what, analytic, numeric[0]);
    }

    /** |analytic - numeric| <= 1e-6 + 1e-5 |numeric| elementwise. */
    static void assertClose(String what, Tensor analytic, double[] numeric) {
        assertNotNull(analytic, what + ": no analytic gradient");
        assertClose(what, analytic.toDoubleArray(), numeric);
    }

    static void assertClose(String what, double[] analytic, double[] numeric) {
        assertEquals(numeric.length, analytic.length, what + ": sizes");
        double worst = 0;
        for (int i = 0; i < numeric.length; i++) {
            double err = Math.abs(analytic[i] - numeric[i]);
            worst = Math.max(worst, err);
            if (err > ATOL + RTOL * Math.abs(numeric[i])) {
                throw new AssertionError(String.format("%s at %d: analytic %.10g, numeric %.10g", what, i,
                        analytic[i], numeric[i]));
            }
        }
        System.out.printf("GRADCHECK %-44s %d elements, max |analytic - numeric| %.2e%n", what, numeric.length, worst);
    }

    static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }
}
