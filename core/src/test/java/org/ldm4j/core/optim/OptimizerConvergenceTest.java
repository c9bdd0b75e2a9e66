package org.ldm4j.core.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/** End to end: each optimizer minimises a convex quadratic built from Tensor ops and autograd, in float32. */
class OptimizerConvergenceTest {

    static Stream<Arguments> optimizers() {
        return Stream.of(
                Arguments.of("AdamW", 200, (Function<Map<String, Tensor>, Optimizer>)
                        p -> AdamW.builder(p).lr(0.1).weightDecay(0).build()),
                Arguments.of("AdamW + weight decay + clipping + cosine", 200, (Function<Map<String, Tensor>, Optimizer>)
                        p -> AdamW.builder(p).lr(0.1).weightDecay(1e-4).build()),
                Arguments.of("Adam", 200, (Function<Map<String, Tensor>, Optimizer>)
                        p -> Adam.builder(p).lr(0.1).build()),
                Arguments.of("SGD", 100, (Function<Map<String, Tensor>, Optimizer>)
                        p -> Sgd.builder(p).lr(0.05).build()),
                Arguments.of("SGD momentum", 200, (Function<Map<String, Tensor>, Optimizer>)
                        p -> Sgd.builder(p).lr(0.02).momentum(0.9).dampening(0.1).build()),
                Arguments.of("SGD nesterov", 200, (Function<Map<String, Tensor>, Optimizer>)
                        p -> Sgd.builder(p).lr(0.02).momentum(0.9).nesterov(true).build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void minimisesAConvexQuadratic(String name, int steps, Function<Map<String, Tensor>, Optimizer> make) {
        // loss = sum((w - target)^2) + sum((2 b - 1)^2), minimum at w = target, b = 0.5
        Tensor target = Tensor.of(new float[] {1, -2, 0.5f, 3, -1, 0}, 2, 3);
        Map<String, Tensor> params = new LinkedHashMap<>();
        params.put("w", Tensor.of(new float[] {-3, 4, 2, 0, 5, -4}, 2, 3).requiresGrad(true));
        params.put("b", Tensor.of(new float[] {3, -3}, 2).requiresGrad(true));
        Optimizer opt = make.apply(params);
        boolean extras = name.contains("clipping");
        LrSchedule schedule = LrSchedule.cosine(opt.lr(), steps, 20, opt.lr() / 100);
        double first = Double.NaN;
        double last = Double.NaN;
        for (int s = 0; s < steps; s++) {
            try (MemoryScope scope = MemoryScope.open()) {
                opt.zeroGrad();
                Tensor w = params.get("w");
                Tensor b = params.get("b");
                Tensor loss = w.sub(target).square().sum().add(b.mul(2.0).sub(1.0).square().sum());
                loss.backward();
                if (extras) {
                    GradClip.clipGlobalNorm(params.values(), 5.0);
                    schedule.applyTo(opt);
                }
                int tracked = scope.trackedCount();
                opt.step();
                assertEquals(tracked, scope.trackedCount(), "step() must not leave arrays in the caller's scope");
                last = loss.item();
                if (s == 0) {
                    first = last;
                }
            }
        }
        for (Tensor p : params.values()) {
            assertTrue(p.isLeaf() && p.requiresGrad(), "parameters stay leaves");
            assertEquals(DType.FLOAT32, p.dtype());
        }
        assertTrue(first > 50, name + ": first loss " + first);
        assertTrue(last < 1e-3, name + ": loss " + first + " -> " + last + " after " + steps + " steps");
        float[] w = params.get("w").toFloatArray();
        float[] t = target.toFloatArray();
        for (int i = 0; i < w.length; i++) {
            assertEquals(t[i], w[i], 2e-2, name + ": w[" + i + "]");
        }
        for (float v : params.get("b").toFloatArray()) {
            assertEquals(0.5, v, 2e-2, name + ": b");
        }
        assertEquals(steps, opt.stepCount());
    }
}
