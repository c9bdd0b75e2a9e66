package org.ldm4j.diffusion.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.Conditioning;
import org.ldm4j.diffusion.NoiseSchedule;
import org.ldm4j.diffusion.Prediction;

/** The run API: evaluation counts, the explicit loop, misuse, progress reporting. */
@SuppressWarnings("try")   // scopes free what the test allocates
class SamplerRunTest {
    static final NoiseSchedule SD = NoiseSchedule.linear(1000, 0.00085, 0.012);
    static final AnalyticGaussian D = new AnalyticGaussian(0.1, 0.6, Prediction.EPSILON, SD);

    @Test
    void evaluationCountsFollowEachMethod() {
        assertEquals(50, new DdimSampler(SD, Prediction.EPSILON).start(50).evaluations());
        assertEquals(31, new DdimSampler(SD, Prediction.EPSILON).start(30).steps());     // the reference's 31
        SamplerRun plms = new PlmsSampler(SD, Prediction.EPSILON).start(50);
        assertEquals(50, plms.steps());
        assertEquals(51, plms.evaluations());                                              // warm-up: one more
        SamplerRun heun = new HeunSampler(SD, Prediction.EPSILON).start(30);
        assertEquals(30, heun.steps());
        assertEquals(59, heun.evaluations());                                              // 2n - 1
        assertEquals(1000, new DdpmSampler(SD, Prediction.EPSILON).start(1000).evaluations());
        assertEquals(25, new DpmPlusPlus2MSampler(SD, Prediction.EPSILON, true).start(25).evaluations());
        assertEquals(12, new EulerSampler(SD, Prediction.EPSILON).start(40, SamplerOptions.strength(0.3)).steps());
    }

    @Test
    void timestepsWalkDownTheSchedule() {
        SamplerRun ddim = new DdimSampler(SD, Prediction.EPSILON).start(50);
        assertEquals(981, ddim.timestep(0), 0);
        assertEquals(1, ddim.timestep(49), 0);
        SamplerRun plms = new PlmsSampler(SD, Prediction.EPSILON).start(50);
        assertEquals(981, plms.timestep(0), 0);
        assertEquals(961, plms.timestep(1), 0);     // the warm-up evaluates at t_next ...
        assertEquals(961, plms.timestep(2), 0);     // ... and again there on the next step
        SamplerRun ddpm = new DdpmSampler(SD, Prediction.EPSILON).start(1000);
        assertEquals(999, ddpm.timestep(0), 0);
        assertEquals(0, ddpm.timestep(999), 0);
        SamplerRun euler = new EulerSampler(SD, Prediction.EPSILON).start(10);
        assertEquals(999, euler.timestep(0), 1e-9);
        assertEquals(0, euler.timestep(9), 1e-9);
        assertEquals(888, euler.timestep(1), 1e-9);
        SamplerRun heun = new HeunSampler(SD, Prediction.EPSILON).start(10);
        assertEquals(888, heun.timestep(1), 1e-9);  // the corrector's evaluation at sigma_next
        assertEquals(888, heun.timestep(2), 1e-9);
    }

    @Test
    void theExplicitLoopEqualsSample() {
        for (SamplerKind kind : SamplerKind.values()) {
            try (MemoryScope outer = MemoryScope.open()) {
                Sampler s = kind.make(SD, Prediction.EPSILON);
                float[] viaSample = s.sample(D, Conditioning.NONE, new long[] {1, 2, 3, 3}, 7, new Rng(4), null)
                        .toFloatArray();
                Rng rng = new Rng(4);
                SamplerRun run = s.start(7);
                Tensor x = run.begin(rng.normal(1, 2, 3, 3));
                Tensor buffer = x;
                while (!run.isDone()) {
                    try (MemoryScope step = MemoryScope.open()) {
                        Tensor out = D.apply(x, run.timesteps(1), Conditioning.NONE);
                        x = run.step(out, run.position(), x, rng);
                    }
                }
                assertSame(buffer, x, "the run's buffer");
                assertArrayEquals(viaSample, x.toFloatArray(), 0f, kind.toString());
            }
        }
    }

    @Test
    void progressIsReportedOncePerStepWithTheX0Estimate() {
        for (SamplerKind kind : SamplerKind.values()) {
            List<Integer> seen = new ArrayList<>();
            int[] total = new int[1];
            try (MemoryScope scope = MemoryScope.open()) {
                kind.make(SD, Prediction.EPSILON).sample(D, Conditioning.NONE, new long[] {1, 1, 2, 2}, 6, new Rng(1),
                        (step, n, x0) -> {
                            seen.add(step);
                            total[0] = n;
                            assertArrayEquals(new long[] {1, 1, 2, 2}, x0.shape());
                        });
            }
            assertEquals(total[0], seen.size(), kind.toString());
            for (int i = 0; i < seen.size(); i++) {
                assertEquals(i, seen.get(i), kind.toString());
            }
        }
    }

    @Test
    void misuseIsReported() {
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor z = new Rng(1).normal(1, 1, 2, 2);
            SamplerRun run = new DdimSampler(SD, Prediction.EPSILON).start(2);
            IllegalStateException notBegun = assertThrows(IllegalStateException.class, () -> run.step(z, 0, z));
            assertTrue(notBegun.getMessage().contains("begin"), notBegun.getMessage());
            Tensor x = run.begin(z);
            assertThrows(IllegalStateException.class, () -> run.begin(z));
            IllegalStateException order = assertThrows(IllegalStateException.class, () -> run.step(z, 1, x));
            assertTrue(order.getMessage().contains("expected evaluation 0"), order.getMessage());
            IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                    () -> run.step(new Rng(2).normal(1, 1, 2, 3), 0, x));
            assertTrue(shape.getMessage().contains("modelOutput"), shape.getMessage());
            run.step(z, 0, x);
            run.step(z, 1, x);
            assertTrue(run.isDone());
            assertThrows(IllegalStateException.class, () -> run.step(z, 2, x));
            assertThrows(IllegalStateException.class, run::timestep);

            SamplerRun eta1 = new DdimSampler(SD, Prediction.EPSILON, 1.0).start(2);
            Tensor x1 = eta1.begin(z);
            IllegalArgumentException noRng = assertThrows(IllegalArgumentException.class, () -> eta1.step(z, 0, x1));
            assertTrue(noRng.getMessage().startsWith("rng:"), noRng.getMessage());

            SamplerRun img2img = new DdimSampler(SD, Prediction.EPSILON).start(10, SamplerOptions.strength(0.5));
            IllegalArgumentException noLatent = assertThrows(IllegalArgumentException.class, () -> img2img.begin(z));
            assertTrue(noLatent.getMessage().startsWith("latent:"), noLatent.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> SamplerOptions.strength(0));
        assertThrows(IllegalArgumentException.class, () -> SamplerOptions.strength(1.5));
        assertThrows(IllegalArgumentException.class, () -> new SamplerOptions(1, null, Tensor.zeros(1, 1, 2, 2)));
        assertEquals(3, SamplerOptions.strength(0.3).stepsToRun(10));
        assertEquals(1, SamplerOptions.strength(0.01).stepsToRun(10));
    }
}
