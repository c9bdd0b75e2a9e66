package org.ldm4j.unet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/**
 * The class-conditional path (no fixture): {@code emb = time_embed(t_emb) + label_emb(y)}, checked against a twin
 * model without labels whose {@code time_embed.2.bias} absorbs the label's embedding row.
 */
class ClassConditionalTest {
    private static final UNetConfig CLASSES = Tiny.configA().toBuilder().numClasses(5).build();

    @Test
    void labelEmbeddingIsAddedToTheTimeEmbedding() {
        UNetModel cond = new UNetModel(CLASSES, new Rng(0));
        cond.to(DType.FLOAT64);
        Tiny.randomize(cond, 21);
        Map<String, Tensor> sd = cond.stateDict();
        List<String> keys = new ArrayList<>(sd.keySet());
        assertEquals("label_emb.weight", keys.get(4));                      // torch order: after time_embed
        assertEquals(List.of(5L, 128L), List.of(sd.get("label_emb.weight").shape()[0],
                sd.get("label_emb.weight").shape()[1]));
        assertEquals(CLASSES.parameterCount(), cond.parameterCount());

        UNetModel twin = new UNetModel(Tiny.configA(), new Rng(0));
        twin.to(DType.FLOAT64);
        Map<String, Tensor> rest = new LinkedHashMap<>(sd);
        rest.remove("label_emb.weight");
        twin.load(rest);
        long[] labels = {3, 0, 4};
        try (GradMode.Scope g = GradMode.disabled(); MemoryScope s = MemoryScope.open()) {
            Tensor x = new Rng(22).normal(DType.FLOAT64, 3, 4, 8, 8);
            Tensor t = Tensor.of(new float[] {1, 500, 999}, 3);
            Tensor context = new Rng(23).normal(DType.FLOAT64, 3, 5, 32);
            Map<String, Tensor> trace = new LinkedHashMap<>();
            Tensor out = cond.forward(x, t, context, Tensor.of(labels, 3), trace::put);
            Tensor table = sd.get("label_emb.weight");
            Tensor bias = sd.get("time_embed.2.bias").copy();
            for (int i = 0; i < labels.length; i++) {
                Tensor row = table.slice(0, labels[i], labels[i] + 1).reshape(128);
                twin.stateDict().get("time_embed.2.bias").assign(bias.add(row));
                Tensor expected = twin.forward(x.slice(0, i, i + 1), t.slice(0, i, i + 1),
                        context.slice(0, i, i + 1));
                double d = out.slice(0, i, i + 1).maxAbsDiff(expected);
                assertTrue(d < 1e-12, "sample " + i + " (label " + labels[i] + "): max-abs " + d);
            }
            // the traced time_embed is emb before label_emb, as in the fixtures
            Tensor plain = trace.get("time_embed");
            assertEquals(3, plain.size(0));
            twin.stateDict().get("time_embed.2.bias").assign(bias);
            Map<String, Tensor> twinTrace = new LinkedHashMap<>();
            twin.forward(x, t, context, null, twinTrace::put);
            assertTrue(plain.maxAbsDiff(twinTrace.get("time_embed")) < 1e-15);
        }
    }

    @Test
    void labelsMayBeIntegralFloats() {
        UNetModel cond = new UNetModel(CLASSES, new Rng(0));
        Tiny.randomize(cond, 24);
        try (GradMode.Scope g = GradMode.disabled(); MemoryScope s = MemoryScope.open()) {
            Tensor x = new Rng(25).normal(2, 4, 8, 8);
            Tensor t = Tensor.of(new float[] {5, 50}, 2);
            Tensor context = new Rng(26).normal(2, 3, 32);
            Tensor a = cond.forward(x, t, context, Tensor.of(new float[] {1, 4}, 2));
            Tensor b = cond.forward(x, t, context, Tensor.of(new int[] {1, 4}, 2));
            Tensor other = cond.forward(x, t, context, Tensor.of(new long[] {2, 4}, 2));
            assertEquals(0.0, a.maxAbsDiff(b));
            assertTrue(a.slice(0, 0, 1).maxAbsDiff(other.slice(0, 0, 1)) > 1e-3, "the label must matter");
            assertEquals(0.0, a.slice(0, 1, 2).maxAbsDiff(other.slice(0, 1, 2)), "samples are independent");
        }
    }

    @Test
    void labelsAreRequiredExactlyWhenClassConditional() {
        UNetModel cond = new UNetModel(CLASSES, new Rng(0));
        UNetModel plain = new UNetModel(Tiny.configA(), new Rng(0));
        try (GradMode.Scope g = GradMode.disabled(); MemoryScope s = MemoryScope.open()) {
            Tensor x = Tensor.zeros(2, 4, 8, 8);
            Tensor t = Tensor.of(new float[] {5, 50}, 2);
            Tensor context = Tensor.zeros(2, 3, 32);
            String missing = assertThrows(IllegalArgumentException.class,
                    () -> cond.forward(x, t, context, null)).getMessage();
            assertTrue(missing.contains("y: expected [2] class labels in [0, 5)"), missing);
            String range = assertThrows(IllegalArgumentException.class,
                    () -> cond.forward(x, t, context, Tensor.of(new long[] {1, 5}, 2))).getMessage();
            assertTrue(range.contains("got 5"), range);
            String fraction = assertThrows(IllegalArgumentException.class,
                    () -> cond.forward(x, t, context, Tensor.of(new float[] {1, 2.5f}, 2))).getMessage();
            assertTrue(fraction.contains("integral"), fraction);
            String extra = assertThrows(IllegalArgumentException.class,
                    () -> plain.forward(x, t, context, Tensor.of(new long[] {1, 2}, 2))).getMessage();
            assertTrue(extra.contains("not class-conditional"), extra);
        }
    }
}
