package org.ldm4j.core.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;

/** Defaults, and errors that name the argument, what was expected and what was found. */
class OptimizerArgumentsTest {
    private static Map<String, Tensor> params() {
        Map<String, Tensor> p = new LinkedHashMap<>();
        p.put("w", Tensor.zeros(DType.FLOAT64, 2, 2).requiresGrad(true));
        return p;
    }

    private static void assertError(String expected, Executable e) {
        String msg = assertThrows(IllegalArgumentException.class, e).getMessage();
        assertEquals(expected, msg);
    }

    @Test
    void defaultsAreTorchs() {
        AdamW adamW = AdamW.create(params());
        assertEquals(1e-3, adamW.lr());
        assertEquals(0.9, adamW.beta1());
        assertEquals(0.999, adamW.beta2());
        assertEquals(1e-8, adamW.eps());
        assertEquals(1e-2, adamW.weightDecay());
        Adam adam = Adam.create(params());
        assertEquals(1e-3, adam.lr());
        assertEquals(0.0, adam.weightDecay());
        Sgd sgd = Sgd.builder(params()).build();
        assertEquals(1e-3, sgd.lr());
        assertEquals(0.0, sgd.momentum());
        assertEquals(0.0, sgd.dampening());
        assertFalse(sgd.nesterov());
        assertEquals(0, sgd.stepCount());
        assertTrue(adamW.toString().startsWith("AdamW(lr=0.001, beta1=0.9"), adamW.toString());
    }

    @Test
    void hyperparametersAreChecked() {
        assertError("lr: expected a finite number >= 0, found -1.0", () -> AdamW.builder(params()).lr(-1));
        assertError("lr: expected a finite number >= 0, found NaN", () -> Adam.builder(params()).lr(Double.NaN));
        assertError("lr: expected a finite number >= 0, found Infinity",
                () -> Sgd.builder(params()).lr(Double.POSITIVE_INFINITY));
        assertError("beta1: expected a number in [0, 1), found 1.0", () -> AdamW.builder(params()).betas(1.0, 0.9));
        assertError("beta2: expected a number in [0, 1), found -0.1", () -> Adam.builder(params()).betas(0.9, -0.1));
        assertError("eps: expected a finite number >= 0, found -1.0E-8", () -> AdamW.builder(params()).eps(-1e-8));
        assertError("weightDecay: expected a finite number >= 0, found -0.01",
                () -> AdamW.builder(params()).weightDecay(-0.01));
        assertError("momentum: expected a finite number >= 0, found -0.9", () -> Sgd.builder(params()).momentum(-0.9));
        assertError("dampening: expected a number in [0, 1], found 1.5", () -> Sgd.builder(params()).dampening(1.5));
        assertError("nesterov: expected momentum > 0 and dampening 0, found momentum 0.0 and dampening 0.0",
                () -> Sgd.builder(params()).nesterov(true).build());
        assertError("nesterov: expected momentum > 0 and dampening 0, found momentum 0.9 and dampening 0.1",
                () -> Sgd.builder(params()).momentum(0.9).dampening(0.1).nesterov(true).build());
        Optimizer opt = AdamW.create(params());
        assertError("lr: expected a finite number >= 0, found -0.5", () -> opt.setLr(-0.5));
        opt.setLr(0);
        assertEquals(0.0, opt.lr());
    }

    @Test
    void parametersAreChecked() {
        assertError("params: expected at least one named parameter, found none",
                () -> AdamW.create(new LinkedHashMap<>()));
        assertError("params: expected at least one named parameter, found null", () -> AdamW.create(null));
        Map<String, Tensor> p = params();
        p.put("v", null);
        assertError("params: 'v': expected a tensor, found null", () -> AdamW.create(p));
        Map<String, Tensor> dup = params();
        dup.put("w2", dup.get("w"));
        assertError("params: 'w' and 'w2' are the same tensor; expected each parameter once",
                () -> Sgd.builder(dup).build());
        Map<String, Tensor> ints = params();
        ints.put("i", Tensor.of(new long[] {1, 2}, 2));
        assertError("params: 'i': expected a floating-point tensor, found INT64", () -> AdamW.create(ints));
        Map<String, Tensor> nonLeaf = params();
        nonLeaf.put("y", nonLeaf.get("w").mul(2.0));
        assertError("params: 'y': expected a leaf tensor (a parameter), found the output of 'mulScalar'",
                () -> AdamW.create(nonLeaf));
        Map<String, Tensor> empty = new LinkedHashMap<>();
        empty.put("", Tensor.zeros(DType.FLOAT64, 1));
        assertError("params: expected a non-empty name, found \"\"", () -> AdamW.create(empty));
    }

    @Test
    void paramsKeepTheirOrderAndCannotBeModified() {
        Map<String, Tensor> p = new LinkedHashMap<>();
        for (String n : new String[] {"z", "a", "m"}) {
            p.put(n, Tensor.zeros(DType.FLOAT64, 1).requiresGrad(true));
        }
        Optimizer opt = Sgd.builder(p).build();
        assertEquals(java.util.List.of("z", "a", "m"), java.util.List.copyOf(opt.params().keySet()));
        assertThrows(UnsupportedOperationException.class, () -> opt.params().remove("z"));
    }
}
