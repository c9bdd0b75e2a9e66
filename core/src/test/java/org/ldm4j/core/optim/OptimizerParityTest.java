package org.ldm4j.core.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;

/**
 * Trajectories of AdamW, Adam and SGD on float64 parameters against {@link PyTorchReference}, element by
 * element after every step, including parameters that miss their gradient on some steps.
 */
class OptimizerParityTest {
    private static final double TOL = 1e-12;

    /** Runs the scenario step by step on {@code opt} and compares every parameter after every step. */
    private static void assertFollows(Scenario sc, Optimizer opt, double[][][] expected) {
        for (int s = 0; s < sc.steps(); s++) {
            sc.run(opt, s, s + 1);
            double[][] actual = Scenario.values(opt.params());
            for (int i = 0; i < actual.length; i++) {
                assertArrayEquals(expected[s][i], actual[i], TOL, "parameter " + Scenario.NAMES[i] + " after step " + s);
            }
        }
        assertEquals(sc.steps(), opt.stepCount());
    }

    @ParameterizedTest(name = "AdamW betas ({0}, {1}) eps {2} weightDecay {3}")
    @CsvSource({
        "0.9, 0.999, 1e-8, 0.01",
        "0.8, 0.95, 1e-3, 0.1",
        "0.0, 0.5, 1e-6, 0.0",
    })
    void adamWFollowsPyTorch(double b1, double b2, double eps, double wd) {
        Scenario sc = new Scenario(11, 6, 0.05);
        AdamW opt = AdamW.builder(sc.params(DType.FLOAT64)).betas(b1, b2).eps(eps).weightDecay(wd).build();
        assertFollows(sc, opt, sc.reference(n -> new PyTorchReference.AdamState(n, b1, b2, eps, wd, true),
                PyTorchReference.AdamState::step));
    }

    @ParameterizedTest(name = "Adam betas ({0}, {1}) eps {2} weightDecay {3}")
    @CsvSource({
        "0.9, 0.999, 1e-8, 0.0",
        "0.8, 0.95, 1e-3, 0.1",
        "0.5, 0.9, 1e-8, 0.02",
    })
    void adamFollowsPyTorch(double b1, double b2, double eps, double wd) {
        Scenario sc = new Scenario(12, 6, 0.05);
        Adam opt = Adam.builder(sc.params(DType.FLOAT64)).betas(b1, b2).eps(eps).weightDecay(wd).build();
        assertFollows(sc, opt, sc.reference(n -> new PyTorchReference.AdamState(n, b1, b2, eps, wd, false),
                PyTorchReference.AdamState::step));
    }

    @ParameterizedTest(name = "SGD momentum {0} dampening {1} weightDecay {2} nesterov {3}")
    @CsvSource({
        "0.0, 0.0, 0.0, false",
        "0.0, 0.0, 0.1, false",
        "0.9, 0.0, 0.0, false",
        "0.9, 0.1, 0.05, false",
        "0.9, 0.0, 0.0, true",
        "0.8, 0.0, 0.1, true",
    })
    void sgdFollowsPyTorch(double momentum, double dampening, double wd, boolean nesterov) {
        Scenario sc = new Scenario(13, 6, 0.1);
        Sgd opt = Sgd.builder(sc.params(DType.FLOAT64)).momentum(momentum).dampening(dampening).weightDecay(wd)
                .nesterov(nesterov).build();
        Function<Integer, PyTorchReference.SgdState> fresh =
                n -> new PyTorchReference.SgdState(momentum, dampening, wd, nesterov);
        assertFollows(sc, opt, sc.reference(fresh, PyTorchReference.SgdState::step));
    }

    @Test
    void stateBuffersAndPerParameterStepsMatchTheReference() {
        Scenario sc = new Scenario(14, 5, 0.01);
        AdamW opt = AdamW.builder(sc.params(DType.FLOAT64)).weightDecay(0.1).build();
        sc.run(opt, 0, sc.steps());
        PyTorchReference.AdamState[] ref = new PyTorchReference.AdamState[Scenario.NAMES.length];
        double[][] p = sc.initial.clone();
        for (int i = 0; i < ref.length; i++) {
            p[i] = p[i].clone();
            ref[i] = new PyTorchReference.AdamState(p[i].length, 0.9, 0.999, 1e-8, 0.1, true);
        }
        for (int s = 0; s < sc.steps(); s++) {
            for (int i = 0; i < ref.length; i++) {
                if (sc.grads[s][i] != null) {
                    ref[i].step(p[i], sc.grads[s][i], sc.lrs[s]);
                }
            }
        }
        Map<String, Tensor> d = opt.stateDict();
        for (int i = 0; i < ref.length; i++) {
            String n = Scenario.NAMES[i];
            assertEquals(ref[i].step, (long) d.get(n + ".step").item(), n + ".step");
            assertArrayEquals(ref[i].expAvg, d.get(n + ".exp_avg").toDoubleArray(), TOL, n + ".exp_avg");
            assertArrayEquals(ref[i].expAvgSq, d.get(n + ".exp_avg_sq").toDoubleArray(), TOL, n + ".exp_avg_sq");
        }
        assertEquals(5, (long) d.get("w.step").item());
        assertEquals(4, (long) d.get("b.step").item());     // no gradient at step 2
        assertEquals(3, (long) d.get("s.step").item());     // none at steps 0 and 3
    }

    @Test
    void aParameterWithoutGradientIsNotTouched() {
        Scenario sc = new Scenario(15, 1, 0.1);
        Map<String, Tensor> params = sc.params(DType.FLOAT64);
        Optimizer[] opts = {
            AdamW.builder(params).weightDecay(0.5).build(),
            Adam.builder(params).weightDecay(0.5).build(),
            Sgd.builder(params).momentum(0.9).weightDecay(0.5).build(),
        };
        Tensor b = params.get("b");
        double[] before = b.toDoubleArray();
        for (Optimizer opt : opts) {
            opt.zeroGrad();
            params.get("w").setGrad(Tensor.ones(DType.FLOAT64, 3, 4));
            assertNull(b.grad());
            opt.step();
            assertArrayEquals(before, b.toDoubleArray(), 0.0, opt.getClass().getSimpleName()
                    + " changed a parameter without gradient (weight decay must be skipped too)");
            for (Map.Entry<String, Tensor> e : opt.stateDict().entrySet()) {
                if (e.getKey().startsWith("b.")) {
                    assertArrayEquals(new double[(int) e.getValue().numel()], e.getValue().toDoubleArray(), 0.0,
                            e.getKey());
                }
            }
        }
    }

    @Test
    void float32ParametersKeepFloat32StateAndFollowTheReferenceToFloatPrecision() {
        Scenario sc = new Scenario(16, 5, 0.05);
        Map<String, Tensor> params = sc.params(DType.FLOAT32);
        AdamW opt = AdamW.builder(params).build();
        for (Map.Entry<String, Tensor> e : opt.stateDict().entrySet()) {
            boolean buffer = e.getKey().endsWith(".exp_avg") || e.getKey().endsWith(".exp_avg_sq");
            DType expected = buffer ? DType.FLOAT32 : DType.FLOAT64;      // scalars are float64
            assertEquals(expected, e.getValue().dtype(), e.getKey());
        }
        sc.run(opt, 0, sc.steps());
        double[][][] ref = sc.reference(n -> new PyTorchReference.AdamState(n, 0.9, 0.999, 1e-8, 1e-2, true),
                PyTorchReference.AdamState::step);
        double[][] actual = Scenario.values(params);
        for (int i = 0; i < actual.length; i++) {
            assertArrayEquals(ref[sc.steps() - 1][i], actual[i], 2e-6, Scenario.NAMES[i]);
            assertEquals(DType.FLOAT32, params.get(Scenario.NAMES[i]).dtype());
        }
    }
}
