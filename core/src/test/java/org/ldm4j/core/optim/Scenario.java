package org.ldm4j.core.optim;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;

/**
 * A fixed training trajectory for the optimizer tests: three parameters ("w" [3, 4], "b" [4], the scalar "s"
 * of shape []), their initial values, and for each step each parameter's gradient (null: no gradient that
 * step) and the learning rate.
 */
final class Scenario {
    static final String[] NAMES = {"w", "b", "s"};
    static final long[][] SHAPES = {{3, 4}, {4}, {}};

    final double[][] initial;        // [param][element]
    final double[][][] grads;        // [step][param][element], or null for no gradient
    final double[] lrs;              // [step]

    /** {@code steps} steps; "b" gets no gradient at step 2, "s" none at steps 0 and 3. */
    Scenario(long seed, int steps, double baseLr) {
        Random r = new Random(seed);
        initial = new double[NAMES.length][];
        for (int i = 0; i < NAMES.length; i++) {
            initial[i] = gaussian(r, numel(SHAPES[i]), 1.0);
        }
        grads = new double[steps][NAMES.length][];
        lrs = new double[steps];
        for (int s = 0; s < steps; s++) {
            for (int i = 0; i < NAMES.length; i++) {
                boolean none = (i == 1 && s == 2) || (i == 2 && (s == 0 || s == 3));
                // gradients of very different sizes, so that eps and the moments' scales both matter
                grads[s][i] = none ? null : gaussian(r, numel(SHAPES[i]), Math.pow(10, r.nextInt(5) - 3));
            }
            lrs[s] = baseLr * (1 + 0.25 * s);    // changes every step: the step must use the current lr
        }
    }

    int steps() {
        return lrs.length;
    }

    /** Fresh leaf parameters with the initial values (or {@code values}), in dtype {@code dtype}. */
    Map<String, Tensor> params(DType dtype, double[][] values) {
        Map<String, Tensor> p = new LinkedHashMap<>();
        for (int i = 0; i < NAMES.length; i++) {
            p.put(NAMES[i], Tensor.of(values[i].clone(), SHAPES[i]).to(dtype).detach().copy().requiresGrad(true));
        }
        return p;
    }

    Map<String, Tensor> params(DType dtype) {
        return params(dtype, initial);
    }

    /** Runs steps {@code from} (inclusive) to {@code to} (exclusive) of the scenario on {@code opt}. */
    void run(Optimizer opt, int from, int to) {
        for (int s = from; s < to; s++) {
            opt.zeroGrad();
            int i = 0;
            for (Tensor p : opt.params().values()) {
                if (grads[s][i] != null) {
                    p.setGrad(Tensor.of(grads[s][i], SHAPES[i]).to(p.dtype()));
                }
                i++;
            }
            opt.setLr(lrs[s]);
            opt.step();
        }
    }

    /** The reference trajectory: values of every parameter after each step, [step][param][element]. */
    <S> double[][][] reference(Function<Integer, S> newState, StepFn<S> step) {
        double[][] p = new double[NAMES.length][];
        Object[] states = new Object[NAMES.length];
        for (int i = 0; i < NAMES.length; i++) {
            p[i] = initial[i].clone();
            states[i] = newState.apply(p[i].length);
        }
        double[][][] out = new double[steps()][NAMES.length][];
        for (int s = 0; s < steps(); s++) {
            for (int i = 0; i < NAMES.length; i++) {
                if (grads[s][i] != null) {
                    @SuppressWarnings("unchecked")
                    S st = (S) states[i];
                    step.apply(st, p[i], grads[s][i], lrs[s]);
                }
                out[s][i] = p[i].clone();
            }
        }
        return out;
    }

    interface StepFn<S> {
        void apply(S state, double[] param, double[] grad, double lr);
    }

    static double[][] values(Map<String, Tensor> params) {
        return params.values().stream().map(Tensor::toDoubleArray).toArray(double[][]::new);
    }

    private static double[] gaussian(Random r, int n, double scale) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = scale * r.nextGaussian();
        }
        return v;
    }

    private static int numel(long[] shape) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        return n;
    }
}
