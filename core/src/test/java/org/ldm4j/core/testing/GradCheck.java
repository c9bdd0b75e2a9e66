package org.ldm4j.core.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.function.Function;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Finite-difference gradient checks in double precision, PyTorch {@code gradcheck} style: the analytic
 * gradient of {@code sum(f(x) * r)} for a fixed random {@code r} is compared with central differences of the
 * same scalar, element by element, for every input that requires grad.
 *
 * <pre>{@code
 * Rng rng = new Rng(1);
 * GradCheck.check(in -> in[0].silu(), GradCheck.input(rng, 2, 3));
 * }</pre>
 */
public final class GradCheck {
    private static final double EPS = 1e-6;
    private static final double ATOL = 1e-6;
    private static final double RTOL = 1e-5;

    private GradCheck() {
    }

    /** A float64 leaf of N(0, 1) values that requires grad. */
    public static Tensor input(Rng rng, long... shape) {
        return rng.normal(DType.FLOAT64, shape).requiresGrad(true);
    }

    /** A float64 leaf of uniform values in [lo, hi) that requires grad. */
    public static Tensor uniformInput(Rng rng, double lo, double hi, long... shape) {
        return rng.uniform(DType.FLOAT64, lo, hi, shape).requiresGrad(true);
    }

    /** Checks every input that requires grad with the default tolerances. */
    public static void check(Function<Tensor[], Tensor> f, Tensor... inputs) {
        check(f, ATOL, RTOL, inputs);
    }

    /** Checks every input that requires grad: |analytic - numeric| <= atol + rtol * |numeric|. */
    public static void check(Function<Tensor[], Tensor> f, double atol, double rtol, Tensor... inputs) {
        for (Tensor t : inputs) {
            if (t.requiresGrad() && t.dtype() != DType.FLOAT64) {
                fail("gradcheck runs in double precision; got " + t.dtype());
            }
            t.zeroGrad();
        }
        Tensor probe;
        try (GradMode.Scope g = GradMode.disabled()) {
            probe = f.apply(inputs);
        }
        Tensor r = new Rng(12345).normal(DType.FLOAT64, probe.shape());
        Tensor out = f.apply(inputs);
        assertEquals(DType.FLOAT64, out.dtype(), "the function under test must keep float64");
        out.mul(r).sum().backward();
        for (int k = 0; k < inputs.length; k++) {
            Tensor x = inputs[k];
            if (!x.requiresGrad()) {
                continue;
            }
            assertNotNull(x.grad(), "input " + k + " received no gradient");
            double[] analytic = x.grad().toDoubleArray();
            INDArray a = x.array();
            long n = a.length();
            for (long i = 0; i < n; i++) {
                double orig = a.getDouble(i);
                a.putScalar(i, orig + EPS);
                double plus = objective(f, inputs, r);
                a.putScalar(i, orig - EPS);
                double minus = objective(f, inputs, r);
                a.putScalar(i, orig);
                double numeric = (plus - minus) / (2 * EPS);
                double an = analytic[(int) i];
                if (Math.abs(an - numeric) > atol + rtol * Math.abs(numeric)) {
                    fail(String.format("gradient of input %d %s at flat index %d: analytic %.10g, numeric %.10g",
                            k, java.util.Arrays.toString(x.shape()), i, an, numeric));
                }
            }
        }
    }

    private static double objective(Function<Tensor[], Tensor> f, Tensor[] inputs, Tensor r) {
        try (GradMode.Scope g = GradMode.disabled()) {
            return f.apply(inputs).mul(r).sum().item();
        }
    }
}
