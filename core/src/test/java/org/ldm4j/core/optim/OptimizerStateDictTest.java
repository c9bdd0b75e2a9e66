package org.ldm4j.core.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/** Saving, loading and resuming optimizer state. */
class OptimizerStateDictTest {

    static Stream<Arguments> optimizers() {
        Function<Map<String, Tensor>, Optimizer> adamW = p -> AdamW.builder(p).betas(0.8, 0.99).weightDecay(0.1).build();
        Function<Map<String, Tensor>, Optimizer> adam = p -> Adam.builder(p).weightDecay(0.05).eps(1e-6).build();
        Function<Map<String, Tensor>, Optimizer> sgd = p -> Sgd.builder(p).momentum(0.9).weightDecay(0.01).build();
        Function<Map<String, Tensor>, Optimizer> nesterov = p -> Sgd.builder(p).momentum(0.7).nesterov(true).build();
        return Stream.of(Arguments.of("AdamW", adamW), Arguments.of("Adam", adam), Arguments.of("SGD", sgd),
                Arguments.of("SGD nesterov", nesterov));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void resumingFromAStateDictIsBitwiseEqualToAnUninterruptedRun(String name,
                                                                  Function<Map<String, Tensor>, Optimizer> make) {
        for (int split = 0; split <= 6; split += 3) {
            Scenario sc = new Scenario(21, 6, 0.03);
            Optimizer uninterrupted = make.apply(sc.params(DType.FLOAT64));
            sc.run(uninterrupted, 0, sc.steps());

            Optimizer first = make.apply(sc.params(DType.FLOAT64));
            sc.run(first, 0, split);
            Map<String, Tensor> saved = first.stateDict();
            Optimizer resumed = make.apply(sc.params(DType.FLOAT64, Scenario.values(first.params())));
            resumed.loadStateDict(saved);
            assertEquals(split, resumed.stepCount());
            sc.run(resumed, split, sc.steps());

            double[][] expected = Scenario.values(uninterrupted.params());
            double[][] actual = Scenario.values(resumed.params());
            for (int i = 0; i < expected.length; i++) {
                assertArrayEquals(expected[i], actual[i], name + " " + Scenario.NAMES[i] + " resumed at " + split);
            }
            Map<String, Tensor> a = uninterrupted.stateDict();
            Map<String, Tensor> b = resumed.stateDict();
            assertEquals(List.copyOf(a.keySet()), List.copyOf(b.keySet()));
            for (String k : a.keySet()) {
                assertArrayEquals(a.get(k).toDoubleArray(), b.get(k).toDoubleArray(), k);
            }
        }
    }

    @Test
    void keysAreNamedAfterTheParametersAndScalarsAreRankZeroFloat64() {
        Scenario sc = new Scenario(22, 1, 0.1);
        AdamW adamW = AdamW.builder(sc.params(DType.FLOAT32)).build();
        assertEquals(List.of("step", "lr", "beta1", "beta2", "eps", "weight_decay", "decoupled_weight_decay",
                "w.step", "w.exp_avg", "w.exp_avg_sq", "b.step", "b.exp_avg", "b.exp_avg_sq",
                "s.step", "s.exp_avg", "s.exp_avg_sq"), List.copyOf(adamW.stateDict().keySet()));
        Map<String, Tensor> d = adamW.stateDict();
        for (String k : List.of("step", "lr", "beta1", "beta2", "eps", "weight_decay", "decoupled_weight_decay",
                "w.step", "s.step")) {
            assertEquals(0, d.get(k).rank(), k);
            assertEquals(DType.FLOAT64, d.get(k).dtype(), k);
        }
        assertEquals(1e-3, d.get("lr").item());
        assertEquals(0.999, d.get("beta2").item());
        assertEquals(1.0, d.get("decoupled_weight_decay").item());
        assertArrayEquals(new long[] {3, 4}, d.get("w.exp_avg").shape());
        assertEquals(0.0, Adam.create(sc.params(DType.FLOAT64)).stateDict().get("decoupled_weight_decay").item());

        assertEquals(List.of("step", "lr", "momentum", "dampening", "weight_decay", "nesterov", "w.step",
                "w.momentum_buffer", "b.step", "b.momentum_buffer", "s.step", "s.momentum_buffer"),
                List.copyOf(Sgd.builder(sc.params(DType.FLOAT64)).momentum(0.9).build().stateDict().keySet()));
        assertEquals(List.of("step", "lr", "momentum", "dampening", "weight_decay", "nesterov", "w.step", "b.step",
                "s.step"), List.copyOf(Sgd.builder(sc.params(DType.FLOAT64)).build().stateDict().keySet()));
    }

    @Test
    void loadingRestoresLrAndStepCount() {
        Scenario sc = new Scenario(23, 3, 0.1);
        AdamW a = AdamW.builder(sc.params(DType.FLOAT64)).build();
        sc.run(a, 0, 3);
        a.setLr(4.5e-6);
        AdamW b = AdamW.builder(sc.params(DType.FLOAT64)).build();
        b.loadStateDict(a.stateDict());
        assertEquals(4.5e-6, b.lr());
        assertEquals(3, b.stepCount());
    }

    @Test
    void bufferEntriesAreConvertedToTheParametersDtype() {
        Scenario sc = new Scenario(24, 2, 0.1);
        AdamW a = AdamW.builder(sc.params(DType.FLOAT64)).build();
        sc.run(a, 0, 2);
        AdamW b = AdamW.builder(sc.params(DType.FLOAT32)).build();
        b.loadStateDict(a.stateDict());
        Tensor m = b.stateDict().get("w.exp_avg");
        assertEquals(DType.FLOAT32, m.dtype());
        assertArrayEquals(a.stateDict().get("w.exp_avg").toDoubleArray(), m.toDoubleArray(), 1e-7);
    }

    private static String loadError(Optimizer opt, Map<String, Tensor> dict) {
        return assertThrows(IllegalArgumentException.class, () -> opt.loadStateDict(dict)).getMessage();
    }

    private static void assertContains(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "expected \"" + p + "\" in: " + message);
        }
    }

    @Test
    void loadingNamesEachMissingUnexpectedOrMismatchedKey() {
        Scenario sc = new Scenario(25, 2, 0.1);
        AdamW saved = AdamW.builder(sc.params(DType.FLOAT64)).build();
        sc.run(saved, 0, 2);
        AdamW target = AdamW.builder(sc.params(DType.FLOAT64)).build();

        Map<String, Tensor> d = saved.stateDict();
        d.remove("w.exp_avg_sq");
        assertContains(loadError(target, d), "1 problem:", "missing key 'w.exp_avg_sq'");

        d = saved.stateDict();
        d.put("v.exp_avg", Tensor.zeros(DType.FLOAT64, 3));
        d.put("momentum", Tensor.scalar(DType.FLOAT64, 0.9));
        d.put("w.momentum_buffer", Tensor.zeros(DType.FLOAT64, 3, 4));
        assertContains(loadError(target, d), "3 problems:", "unexpected key 'v.exp_avg'", "unexpected key 'momentum'",
                "unexpected key 'w.momentum_buffer'");

        d = saved.stateDict();
        d.put("w.exp_avg", Tensor.zeros(DType.FLOAT64, 4, 3));
        d.put("step", Tensor.of(new double[] {2}, 1));
        assertContains(loadError(target, d), "key 'w.exp_avg': expected shape [3, 4], found [4, 3]",
                "key 'step': expected shape [], found [1]");

        d = saved.stateDict();
        d.put("beta1", Tensor.scalar(DType.FLOAT64, 0.95));
        d.put("b.step", Tensor.scalar(DType.FLOAT64, 2.5));
        d.put("lr", Tensor.scalar(DType.FLOAT64, -1));
        d.put("s.exp_avg", null);
        assertContains(loadError(target, d), "key 'beta1': expected 0.9 (this optimizer's), found 0.95",
                "key 'b.step': expected a whole number >= 0, found 2.5", "key 'lr': expected a finite number >= 0",
                "key 's.exp_avg': expected a tensor, found null");

        // an AdamW checkpoint is not an Adam one, and not an SGD one
        assertContains(loadError(Adam.builder(sc.params(DType.FLOAT64)).weightDecay(1e-2).build(), saved.stateDict()),
                "key 'decoupled_weight_decay': expected 0.0 (this optimizer's), found 1.0");
        assertContains(loadError(Sgd.builder(sc.params(DType.FLOAT64)).momentum(0.9).build(), saved.stateDict()),
                "missing key 'momentum'", "missing key 'w.momentum_buffer'", "unexpected key 'beta1'",
                "unexpected key 'w.exp_avg'");
        assertThrows(IllegalArgumentException.class, () -> target.loadStateDict(null));
    }

    @Test
    void aFailedLoadChangesNothing() {
        Scenario sc = new Scenario(26, 3, 0.1);
        AdamW saved = AdamW.builder(sc.params(DType.FLOAT64)).build();
        sc.run(saved, 0, 3);
        AdamW target = AdamW.builder(sc.params(DType.FLOAT64)).build();
        sc.run(target, 0, 1);
        target.setLr(0.123);
        Map<String, double[]> before = snapshot(target);
        Map<String, Tensor> d = saved.stateDict();
        d.put("eps", Tensor.scalar(DType.FLOAT64, 1e-3));   // the last check to fail
        loadError(target, d);
        assertEquals(1, target.stepCount());
        assertEquals(0.123, target.lr());
        Map<String, double[]> after = snapshot(target);
        for (String k : before.keySet()) {
            assertArrayEquals(before.get(k), after.get(k), k);
        }
    }

    private static Map<String, double[]> snapshot(Optimizer opt) {
        Map<String, double[]> m = new java.util.LinkedHashMap<>();
        opt.stateDict().forEach((k, v) -> m.put(k, v.toDoubleArray()));
        return m;
    }

    @Test
    void aStateDictTakenInsideAScopeOutlivesIt() {
        Scenario sc = new Scenario(28, 2, 0.1);
        AdamW opt = AdamW.builder(sc.params(DType.FLOAT64)).build();
        Map<String, Tensor> d;
        MemoryScope scope = MemoryScope.open();
        try {
            sc.run(opt, 0, 2);
            d = opt.stateDict();
        } finally {
            scope.close();                     // frees everything created in the scope, except persistent arrays
        }
        assertEquals(2.0, d.get("step").item());
        assertEquals(2.0, d.get("w.step").item());
        AdamW other = AdamW.builder(sc.params(DType.FLOAT64)).build();
        other.loadStateDict(d);
        assertEquals(2, other.stepCount());
    }

    @Test
    void bufferEntriesShareTheOptimizersMemoryUntilCopied() {
        Scenario sc = new Scenario(27, 2, 0.1);
        AdamW opt = AdamW.builder(sc.params(DType.FLOAT64)).build();
        sc.run(opt, 0, 1);
        Map<String, Tensor> d = opt.stateDict();
        Tensor live = d.get("w.exp_avg");
        Tensor copy = live.copy();
        sc.run(opt, 1, 2);
        assertTrue(live.maxAbsDiff(copy) > 0, "the live entry follows the optimizer");
        assertEquals(1.0, d.get("step").item(), "scalar entries are snapshots");
    }
}
