package org.ldm4j.core.testing;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/**
 * Finite-difference checks of the gradients of a module's parameters at a random sample of elements (core's
 * GradCheck checks every element, which is too slow for a whole U-Net or transformer): the analytic gradient of
 * {@code sum(f() * r)} against central differences, in float64.
 */
public final class SampledGradCheck {
    private static final double EPS = 1e-6;

    private SampledGradCheck() {
    }

    /** Checks {@code samples} (tensor, element) pairs drawn uniformly over the named parameters. */
    public static void check(Supplier<Tensor> f, Map<String, Tensor> params, int samples, long seed, double atol,
                      double rtol) {
        List<String> names = new ArrayList<>(params.keySet());
        for (Tensor p : params.values()) {
            if (p.dtype() != DType.FLOAT64) {
                fail("sampled gradcheck runs in double precision; got " + p.dtype());
            }
            p.zeroGrad();
        }
        Tensor r;
        try (GradMode.Scope g = GradMode.disabled()) {
            r = new Rng(12345).normal(DType.FLOAT64, f.get().shape());
        }
        f.get().mul(r).sum().backward();
        Rng rng = new Rng(seed);
        for (int s = 0; s < samples; s++) {
            String name = names.get((int) rng.nextLong(names.size()));
            Tensor p = params.get(name);
            assertNotNull(p.grad(), name + " received no gradient");
            int i = (int) rng.nextLong(p.numel());
            double analytic = p.grad().toDoubleArray()[i];
            double[] values = p.toDoubleArray();
            double orig = values[i];
            values[i] = orig + EPS;
            double plus = objective(f, p, values, r);
            values[i] = orig - EPS;
            double minus = objective(f, p, values, r);
            values[i] = orig;
            set(p, values);
            double numeric = (plus - minus) / (2 * EPS);
            if (Math.abs(analytic - numeric) > atol + rtol * Math.abs(numeric)) {
                fail(String.format("gradient of %s at flat index %d: analytic %.10g, numeric %.10g", name, i,
                        analytic, numeric));
            }
        }
    }

    private static void set(Tensor p, double[] values) {
        try (MemoryScope s = MemoryScope.open()) {
            p.assign(Tensor.of(values, p.shape()));
        }
    }

    private static double objective(Supplier<Tensor> f, Tensor p, double[] values, Tensor r) {
        set(p, values);
        try (GradMode.Scope g = GradMode.disabled(); MemoryScope s = MemoryScope.open()) {
            return f.get().mul(r).sum().item();
        }
    }
}
