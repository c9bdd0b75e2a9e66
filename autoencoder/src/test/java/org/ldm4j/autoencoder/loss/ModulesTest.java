package org.ldm4j.autoencoder.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.io.SafeTensors;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/** State-dict keys, initialisation, ActNorm's data-dependent init and LPIPS weight files, without fixtures. */
class ModulesTest {
    private static Lpips source;

    @BeforeAll
    static void source() {
        source = new Lpips(new Rng(31));
    }

    @Test
    void lpipsKeysAreTamingsInItsOrder() {
        List<String> expected = new ArrayList<>(List.of("scaling_layer.shift", "scaling_layer.scale"));
        int[][] convs = {{0, 2}, {5, 7}, {10, 12, 14}, {17, 19, 21}, {24, 26, 28}};
        for (int s = 0; s < 5; s++) {
            for (int i : convs[s]) {
                expected.add("net.slice" + (s + 1) + "." + i + ".weight");
                expected.add("net.slice" + (s + 1) + "." + i + ".bias");
            }
        }
        for (int k = 0; k < 5; k++) {
            expected.add("lin" + k + ".model.1.weight");
        }
        assertEquals(expected, new ArrayList<>(source.stateDict().keySet()));
        assertEquals(14_716_160L, source.parameterCount());
        assertTrue(source.trainableParameters().isEmpty());
    }

    @Test
    void lpipsWeightFilesLoadStrictlyAndNameWhatIsWrong(@TempDir Path dir) throws IOException {
        Path good = dir.resolve("lpips.safetensors");
        SafeTensors.write(good, source.stateDict());
        Lpips loaded = Lpips.load(good);
        for (Map.Entry<String, Tensor> e : source.stateDict().entrySet()) {
            assertEquals(0.0, e.getValue().maxAbsDiff(loaded.stateDict().get(e.getKey())), e.getKey());
        }

        Map<String, Tensor> missing = new LinkedHashMap<>(source.stateDict());
        missing.remove("net.slice3.12.bias");
        Path bad = dir.resolve("missing.safetensors");
        SafeTensors.write(bad, missing);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Lpips.load(bad));
        assertTrue(e.getMessage().startsWith("file " + bad + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("missing keys [net.slice3.12.bias]"), e.getMessage());

        Map<String, Tensor> wrong = new LinkedHashMap<>(source.stateDict());
        try (MemoryScope s = MemoryScope.open()) {
            wrong.put("lin0.model.1.weight", Tensor.zeros(1, 32, 1, 1));
            wrong.put("lin5.model.1.weight", Tensor.zeros(1, 32, 1, 1));
            e = assertThrows(IllegalArgumentException.class, () -> new Lpips(new Rng(0)).loadWeights(wrong));
        }
        assertTrue(e.getMessage().contains("lin0.model.1.weight: expected [1, 64, 1, 1], got [1, 32, 1, 1]"),
                e.getMessage());
        assertTrue(e.getMessage().contains("unexpected keys [lin5.model.1.weight]"), e.getMessage());

        Map<String, Tensor> checkpoint = new LinkedHashMap<>();
        source.stateDict().forEach((k, v) -> checkpoint.put("loss.perceptual_loss." + k, v));
        checkpoint.put("loss.logvar", source.stateDict().get("scaling_layer.shift"));
        checkpoint.put("encoder.conv_in.weight", source.stateDict().get("scaling_layer.shift"));
        Lpips fromCheckpoint = new Lpips(new Rng(1)).loadWeights(checkpoint);
        assertEquals(0.0, fromCheckpoint.stateDict().get("lin3.model.1.weight")
                .maxAbsDiff(source.stateDict().get("lin3.model.1.weight")));
    }

    @Test
    void discriminatorLayoutKeysAndWeightsInit() {
        PatchGanDiscriminator d = new PatchGanDiscriminator(3, 64, 3, PatchGanDiscriminator.Norm.BATCH_NORM,
                new Rng(32));
        assertEquals(List.of("main.0.weight", "main.0.bias", "main.2.weight", "main.3.weight", "main.3.bias",
                "main.3.running_mean", "main.3.running_var", "main.3.num_batches_tracked", "main.5.weight",
                "main.6.weight", "main.6.bias", "main.6.running_mean", "main.6.running_var",
                "main.6.num_batches_tracked", "main.8.weight", "main.9.weight", "main.9.bias", "main.9.running_mean",
                "main.9.running_var", "main.9.num_batches_tracked", "main.11.weight", "main.11.bias"),
                new ArrayList<>(d.stateDict().keySet()));
        assertArrayEquals(new long[] {512, 256, 4, 4}, d.stateDict().get("main.8.weight").shape());
        assertEquals(30, d.outputSize(256));
        double[] w = d.stateDict().get("main.8.weight").toDoubleArray();
        assertEquals(0.0, mean(w), 1e-4);
        assertEquals(0.02, Math.sqrt(variance(w)), 2e-4);
        double[] bn = d.stateDict().get("main.9.weight").toDoubleArray();
        assertEquals(1.0, mean(bn), 0.005);
        assertEquals(0.02, Math.sqrt(variance(bn)), 0.003);
        assertEquals(0.0, Parity.absMax(d.stateDict().get("main.9.bias")));
        assertTrue(Parity.absMax(d.stateDict().get("main.0.bias")) > 0);          // conv biases keep their init

        PatchGanDiscriminator act = new PatchGanDiscriminator(3, 8, 2, PatchGanDiscriminator.Norm.ACT_NORM,
                new Rng(33));
        assertEquals(List.of("main.0.weight", "main.0.bias", "main.2.weight", "main.2.bias", "main.3.loc",
                "main.3.scale", "main.3.initialized", "main.5.weight", "main.5.bias", "main.6.loc", "main.6.scale",
                "main.6.initialized", "main.8.weight", "main.8.bias"), new ArrayList<>(act.stateDict().keySet()));
        assertEquals(DType.UINT8, act.stateDict().get("main.3.initialized").dtype());
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static double variance(double[] v) {
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return s / (v.length - 1);
    }

    @Test
    void actNormInitialisesFromTheFirstTrainingBatchOnly() {
        ActNorm norm = new ActNorm(3);
        Rng rng = new Rng(34);
        try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
            Tensor x = rng.normal(4, 3, 5, 5).mul(3).add(2);
            norm.eval();
            assertEquals(0.0, norm.forward(x).maxAbsDiff(x));                      // eval: no initialisation
            assertFalse(norm.isInitialized());
            norm.train();
            Tensor h = norm.forward(x);
            assertTrue(norm.isInitialized());
            double[] mean = h.mean(true, 0, 2, 3).toDoubleArray();
            double[] std = h.var(true, true, 0, 2, 3).sqrt().toDoubleArray();
            for (int c = 0; c < 3; c++) {
                assertEquals(0.0, mean[c], 1e-5);
                assertEquals(1.0, std[c], 1e-5);
            }
            Tensor x2 = rng.normal(4, 3, 5, 5);
            Tensor expected = x2.add(norm.parameter("loc")).mul(norm.parameter("scale"));
            assertEquals(0.0, norm.forward(x2).maxAbsDiff(expected));               // no second initialisation
            ActNorm restored = new ActNorm(3);
            restored.load(norm.stateDict());
            assertTrue(restored.isInitialized());
            assertEquals(0.0, restored.forward(x2).maxAbsDiff(expected));
            assertArrayEquals(new long[] {4, 3}, restored.forward(rng.normal(4, 3)).shape());   // [B, C] input
        }
    }
}
