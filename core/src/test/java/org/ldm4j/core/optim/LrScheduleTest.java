package org.ldm4j.core.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;

class LrScheduleTest {
    private static void assertError(String expected, Executable e) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, e).getMessage());
    }

    @Test
    void constant() {
        LrSchedule s = LrSchedule.constant(3e-4);
        assertEquals(3e-4, s.lr(0));
        assertEquals(3e-4, s.lr(1_000_000_000L));
    }

    @Test
    void linearWarmupReachesTheFullRateAtStepWarmupMinusOne() {
        LrSchedule s = LrSchedule.linearWarmup(1e-3, 4);
        double[] expected = {2.5e-4, 5e-4, 7.5e-4, 1e-3, 1e-3, 1e-3};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], s.lr(i), 1e-18, "step " + i);
        }
        assertEquals(1e-3, s.lr(3));          // exactly
        assertEquals(5e-5, LrSchedule.linearWarmup(5e-5, 0).lr(0));
    }

    @Test
    void cosineWarmsUpThenDecaysToMinLr() {
        LrSchedule s = LrSchedule.cosine(1.0, 10, 2, 0.1);
        assertEquals(0.5, s.lr(0), 1e-15);
        assertEquals(1.0, s.lr(1));
        assertEquals(1.0, s.lr(2));                                             // u = 0
        assertEquals(0.1 + 0.45 * (1 + Math.cos(Math.PI / 4)), s.lr(4), 1e-15);  // u = 1/4
        assertEquals(0.55, s.lr(6), 1e-15);                                     // u = 1/2
        assertEquals(0.1, s.lr(10));                                            // u = 1
        assertEquals(0.1, s.lr(1000));
        LrSchedule noWarmup = LrSchedule.cosine(2e-4, 100, 0, 0);
        assertEquals(2e-4, noWarmup.lr(0));
        assertEquals(1e-4, noWarmup.lr(50), 1e-18);
        assertEquals(0.0, noWarmup.lr(100));
    }

    @Test
    void cosineStartsExactlyAtLrAndEndsExactlyAtMinLr() {
        // minLr + 0.5 * (lr - minLr) * (1 + cos 0) rounds to lr + 1 ulp here
        double lr = 1.94330114278;
        double minLr = lr * 0.356535885883;
        LrSchedule s = LrSchedule.cosine(lr, 1000, 10, minLr);
        assertEquals(lr, s.lr(10));
        assertEquals(minLr, s.lr(1000));
    }

    @Test
    void applyToSetsTheRateForTheOptimizersNextStep() {
        Map<String, Tensor> p = new LinkedHashMap<>();
        p.put("w", Tensor.zeros(DType.FLOAT64, 2).requiresGrad(true));
        Sgd opt = Sgd.builder(p).build();
        LrSchedule s = LrSchedule.linearWarmup(1.0, 4);
        s.applyTo(opt);
        assertEquals(0.25, opt.lr());
        opt.step();                          // no gradient: nothing moves, but the step is counted
        opt.step();
        s.applyTo(opt);
        assertEquals(0.75, opt.lr());
    }

    @Test
    void argumentsAreChecked() {
        assertError("lr: expected a finite number >= 0, found -1.0", () -> LrSchedule.constant(-1));
        assertError("warmupSteps: expected a number >= 0, found -5", () -> LrSchedule.linearWarmup(1e-3, -5));
        assertError("minLr: expected a number <= lr (0.001), found 0.01", () -> LrSchedule.cosine(1e-3, 10, 0, 1e-2));
        assertError("totalSteps: expected a number > warmupSteps (10), found 10",
                () -> LrSchedule.cosine(1e-3, 10, 10, 0));
        assertError("minLr: expected a finite number >= 0, found NaN",
                () -> LrSchedule.cosine(1e-3, 10, 0, Double.NaN));
        assertError("step: expected a number >= 0, found -1", () -> LrSchedule.cosine(1e-3, 10, 0, 0).lr(-1));
        assertError("step: expected a number >= 0, found -1", () -> LrSchedule.constant(1e-3).lr(-1));
    }
}
