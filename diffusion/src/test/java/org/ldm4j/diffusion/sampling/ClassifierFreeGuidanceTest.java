package org.ldm4j.diffusion.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.Conditioning;
import org.ldm4j.diffusion.Denoiser;

/** Classifier-free guidance: one batched call, unconditional half first, e = e_u + s (e_c - e_u). */
@SuppressWarnings("try")   // scopes free what the test allocates
class ClassifierFreeGuidanceTest {
    /** out = 0.5 x + (the sample's context value), recording each call's batch and context values. */
    static final class Recording implements Denoiser {
        final List<long[]> shapes = new ArrayList<>();
        final List<float[]> contexts = new ArrayList<>();

        @Override
        public Tensor apply(Tensor xt, Tensor t, Conditioning cond) {
            shapes.add(xt.shape());
            assertEquals(xt.size(0), t.size(0), "t batch");
            Tensor c = cond.context();                     // [B, 1, 1]
            contexts.add(c.toFloatArray());
            return xt.mul(0.5).add(c.reshape(c.size(0), 1, 1, 1));
        }
    }

    private static Conditioning context(float... perSample) {
        return Conditioning.ofContext(Tensor.of(perSample, perSample.length, 1, 1));
    }

    @Property(tries = 30)
    void combinesEuPlusSTimesEcMinusEuInOneBatchedCall(@ForAll @DoubleRange(min = -3, max = 10) double scale,
                                                       @ForAll @IntRange(min = 1, max = 3) int b, @ForAll long seed) {
        try (MemoryScope scope = MemoryScope.open()) {
            Recording model = new Recording();
            float[] cv = new float[b];
            for (int i = 0; i < b; i++) {
                cv[i] = 1 + i;
            }
            Tensor x = new Rng(seed).normal(b, 2, 3, 3);
            Tensor t = Tensor.full(org.ldm4j.core.tensor.DType.FLOAT32, 500, b);
            Tensor e = new ClassifierFreeGuidance(model, scale, context(-4f)).apply(x, t, context(cv));
            boolean skipped = scale == 1;
            assertEquals(1, model.shapes.size(), "one call");
            assertEquals(skipped ? b : 2 * b, model.shapes.get(0)[0], "batch of the call");
            float[] seen = model.contexts.get(0);
            if (!skipped) {
                for (int i = 0; i < b; i++) {
                    assertEquals(-4f, seen[i], 0, "unconditional half first (batch-1 context repeated)");
                    assertEquals(cv[i], seen[b + i], 0, "conditional half second");
                }
            }
            float[] xs = x.toFloatArray();
            float[] es = e.toFloatArray();
            int per = 18;
            for (int i = 0; i < es.length; i++) {
                double eu = 0.5 * xs[i] - 4;
                double ec = 0.5 * xs[i] + cv[i / per];
                assertEquals(eu + scale * (ec - eu), es[i], 1e-5 * (1 + Math.abs(scale)) * 10, "element " + i);
            }
        }
    }

    @Test
    void scaleOneSkipsTheUnconditionalPass() {
        try (MemoryScope scope = MemoryScope.open()) {
            Recording model = new Recording();
            Tensor x = new Rng(1).normal(2, 1, 2, 2);
            Tensor e = new ClassifierFreeGuidance(model, 1.0, context(0f)).apply(x, Tensor.zeros(2), context(3f, 4f));
            assertEquals(1, model.shapes.size());
            assertEquals(2, model.shapes.get(0)[0]);
            assertArrayEquals(new float[] {3f, 4f}, model.contexts.get(0), 0f);
            assertTrue(e.maxAbsDiff(x.mul(0.5).add(Tensor.of(new float[] {3, 4}, 2, 1, 1, 1))) < 1e-6);
        }
    }

    @Test
    void aNegativePromptReplacesTheUnconditionalHalf() {
        try (MemoryScope scope = MemoryScope.open()) {
            Recording model = new Recording();
            ClassifierFreeGuidance g = new ClassifierFreeGuidance(model, 7.5, context(0f)).withUnconditional(context(-1f, -2f));
            g.apply(new Rng(2).normal(2, 1, 2, 2), Tensor.zeros(2), context(5f, 6f));
            assertArrayEquals(new float[] {-1f, -2f, 5f, 6f}, model.contexts.get(0), 0f);
        }
    }

    @Test
    void guidedSamplingCallsTheModelOncePerEvaluation() {
        try (MemoryScope scope = MemoryScope.open()) {
            Recording model = new Recording();
            Sampler s = new PlmsSampler(SamplerRunTest.SD, org.ldm4j.diffusion.Prediction.EPSILON);
            s.sample(new ClassifierFreeGuidance(model, 5, context(0f)), context(1f), new long[] {1, 1, 2, 2}, 10,
                    new Rng(3), null);
            assertEquals(11, model.shapes.size());       // PLMS-10: 11 evaluations, each one batched call
            for (long[] shape : model.shapes) {
                assertEquals(2, shape[0]);
            }
        }
    }

    @Test
    void labelsAndConcatConditioningAreJoined() {
        try (MemoryScope scope = MemoryScope.open()) {
            List<Conditioning> seen = new ArrayList<>();
            Denoiser model = (x, t, c) -> {
                seen.add(c);
                return x;
            };
            Tensor concat = new Rng(4).normal(2, 1, 2, 2);
            Conditioning cond = new Conditioning(null, Tensor.of(new long[] {3, 7}, 2), concat);
            Conditioning nullClass = Conditioning.ofLabels(Tensor.of(new long[] {1000}, 1));
            new ClassifierFreeGuidance(model, 2, nullClass).apply(new Rng(5).normal(2, 1, 2, 2), Tensor.zeros(2), cond);
            assertArrayEquals(new long[] {1000, 1000, 3, 7}, seen.get(0).labels().toLongArray());
            assertArrayEquals(new long[] {4, 1, 2, 2}, seen.get(0).concat().shape());
            Tensor second = seen.get(0).concat().slice(0, 2, 4);
            assertTrue(second.maxAbsDiff(concat) == 0);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ClassifierFreeGuidance(
                    model, 2, Conditioning.NONE).apply(new Rng(5).normal(2, 1, 2, 2), Tensor.zeros(2), cond));
            assertTrue(e.getMessage().startsWith("unconditional.labels"), e.getMessage());
        }
    }
}
