package org.ldm4j.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.io.SafeTensors;
import org.ldm4j.core.io.StateDict;
import org.ldm4j.core.nn.Linear;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.nn.Sequential;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.training.checkpoint.Checkpoint;

/** The EMA against the reference's LitEma: warm-up, update rule, names, swap, resume. */
@SuppressWarnings("try")   // scopes and the swap are used for their effect
class EmaTest {

    /** Named as the reference's UNet: input_blocks.0.0.weight, ..., out.0.bias. */
    static final class TinyUnet extends Module {
        TinyUnet(Rng rng) {
            register("input_blocks", new Sequential(new Sequential(new Linear(3, 4, true, rng))));
            register("out", new Sequential(new Linear(4, 2, true, rng)));
        }
    }

    /** As the reference's DiffusionWrapper: the UNet under "diffusion_model". */
    static final class Wrapper extends Module {
        final TinyUnet unet;

        Wrapper(Rng rng) {
            unet = register("diffusion_model", new TinyUnet(rng));
        }
    }

    /** Two parameters whose names collide once the dots are removed. */
    static final class Clashing extends Module {
        Clashing() {
            register("a", new Holder("bc"));
            register("ab", new Holder("c"));
        }
    }

    static final class Holder extends Module {
        Holder(String name) {
            registerParameter(name, Tensor.zeros(2));
        }
    }

    @Test
    void warmUpDecayIsMinOfDecayAndOnePlusNOverTenPlusNInFloat32() {
        Ema ema = new Ema(new TinyUnet(new Rng(0)));
        assertEquals((float) 0.9999, ema.decay(), 0.0, "the decay buffer is float32, as in the reference");
        assertEquals(0, ema.numUpdates());
        assertTrue(ema.usesNumUpdates());
        long[] n = {1, 2, 9, 89, 1000};
        double[] exact = {2.0 / 11, 3.0 / 12, 10.0 / 19, 90.0 / 99, 1001.0 / 1010};
        for (int i = 0; i < n.length; i++) {
            double d = ema.decayFor(n[i]);
            assertEquals(exact[i], d, 1e-7, "decay of update " + n[i]);
            assertEquals((double) (float) d, d, 0.0, "update " + n[i] + ": computed in float32");
        }
        assertEquals((float) 0.9999, ema.decayFor(200_000), 0.0, "the warm-up is over: the configured decay");
        assertThrows(IllegalArgumentException.class, () -> ema.decayFor(0));

        Ema plain = new Ema(new TinyUnet(new Rng(0)), "", 0.5, false);
        assertEquals(-1, plain.numUpdates(), "the reference's sentinel for no warm-up");
        assertFalse(plain.usesNumUpdates());
        assertEquals(0.5, plain.decayFor(1), 0.0);
        plain.update();
        assertEquals(-1, plain.numUpdates(), "without warm-up the counter stays -1");
    }

    @Test
    void invalidArgumentsAreNamed() {
        TinyUnet m = new TinyUnet(new Rng(0));
        for (double bad : new double[] {-0.1, 1.5, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new Ema(m, "", bad, true));
            assertTrue(e.getMessage().startsWith("decay: expected a value in [0, 1], got"), e.getMessage());
        }
        m.freeze();
        IllegalArgumentException frozen = assertThrows(IllegalArgumentException.class, () -> new Ema(m));
        assertTrue(frozen.getMessage().contains("all frozen"), frozen.getMessage());
        IllegalArgumentException clash = assertThrows(IllegalArgumentException.class, () -> new Ema(new Clashing()));
        assertTrue(clash.getMessage().contains("'a.bc'") && clash.getMessage().contains("'ab.c'")
                && clash.getMessage().contains("'abc'"), clash.getMessage());
    }

    @Test
    void updateMatchesAHandComputationInDoublePrecision() {
        TinyUnet model = new TinyUnet(new Rng(1));
        model.to(DType.FLOAT64);
        Ema ema = new Ema(model, "", 0.9999, true);
        Map<String, double[]> shadow = new LinkedHashMap<>();
        model.trainableParameters().forEach((k, p) -> shadow.put(k, p.toDoubleArray()));

        Rng rng = new Rng(2);
        for (int update = 1; update <= 3; update++) {
            move(model, rng, 1.0);
            ema.update();
            // the reference: d = min(0.9999, (1 + n) / (10 + n)) and 1 - d, both in float32
            float d = Math.min((float) 0.9999, (float) (1 + update) / (float) (10 + update));
            double oneMinus = 1.0f - d;
            for (Map.Entry<String, Tensor> p : model.trainableParameters().entrySet()) {
                double[] s = shadow.get(p.getKey());
                double[] x = p.getValue().toDoubleArray();
                for (int i = 0; i < s.length; i++) {
                    s[i] = s[i] - oneMinus * (s[i] - x[i]);
                }
                assertArrayEquals(s, ema.shadow(p.getKey()).toDoubleArray(), 1e-15,
                        p.getKey() + " after update " + update);
            }
            assertEquals(update, ema.numUpdates());
        }
        assertEquals(DType.FLOAT64, ema.shadow("out.0.weight").dtype(), "shadows keep the parameters' dtype");
    }

    @Test
    void float32UpdateAgreesWithDoubleWithinFloatPrecision() {
        TinyUnet model = new TinyUnet(new Rng(3));
        Ema ema = new Ema(model, "", 0.9, true);
        double[] s = model.trainableParameters().get("out.0.bias").toDoubleArray();
        Rng rng = new Rng(4);
        for (int update = 1; update <= 20; update++) {
            move(model, rng, 0.5);
            ema.update();
            double oneMinus = 1.0f - (float) ema.decayFor(update);
            double[] x = model.trainableParameters().get("out.0.bias").toDoubleArray();
            for (int i = 0; i < s.length; i++) {
                s[i] -= oneMinus * (s[i] - x[i]);
            }
        }
        assertArrayEquals(s, ema.shadow("out.0.bias").toDoubleArray(), 1e-5);
        assertEquals(0.7, ema.decayFor(20), 1e-7, "the warm-up value (1 + 20) / 30 is below the decay 0.9");
    }

    @Test
    void shadowNamesAreTheReferencesBufferNames() {
        Wrapper wrapper = new Wrapper(new Rng(5));
        Ema ofWrapper = new Ema(wrapper);
        List<String> expected = List.of("decay", "num_updates", "diffusion_modelinput_blocks00weight",
                "diffusion_modelinput_blocks00bias", "diffusion_modelout0weight", "diffusion_modelout0bias");
        assertEquals(expected, List.copyOf(ofWrapper.stateDict().keySet()));
        assertEquals("diffusion_modelinput_blocks00weight",
                ofWrapper.shadowNames().get("diffusion_model.input_blocks.0.0.weight"));
        assertEquals(DType.FLOAT32, ofWrapper.stateDict().get("decay").dtype());
        assertEquals(DType.INT32, ofWrapper.stateDict().get("num_updates").dtype());
        assertEquals(0, ofWrapper.stateDict().get("decay").rank());

        Ema ofBareUnet = new Ema(wrapper.unet, "diffusion_model.", 0.9999, true);
        assertEquals(expected, List.copyOf(ofBareUnet.stateDict().keySet()),
                "a bare UNet with paramPrefix \"diffusion_model.\" gives the same names");
        assertEquals("diffusion_modelout0bias", ofBareUnet.shadowNames().get("out.0.bias"));

        wrapper.unet.namedParameters().get("out.0.bias").requiresGrad(false);
        Ema partial = new Ema(wrapper);
        assertFalse(partial.stateDict().containsKey("diffusion_modelout0bias"), "frozen parameters have no EMA");
        assertEquals(3, partial.shadowNames().size());
    }

    @Test
    void stateDictUnderModelEmaInACheckpointFile(@TempDir Path dir) throws Exception {
        Ema ema = new Ema(new Wrapper(new Rng(6)));
        ema.update();
        Path file = dir.resolve("c.safetensors");
        Checkpoint.builder(1).ema(ema.state()).build().write(file);
        StateDict raw = SafeTensors.read(file);
        assertTrue(raw.contains("model_ema.diffusion_modelinput_blocks00weight"), raw.names().toString());
        assertEquals(DType.INT32, raw.get("model_ema.num_updates").dtype());
        assertEquals(1.0, raw.get("model_ema.num_updates").item(), 0.0);
        assertEquals((float) 0.9999, raw.get("model_ema.decay").item(), 0.0);
        assertEquals(Ema.STATE_PREFIX, "model_ema.");
    }

    @Test
    void swapInPutsEmaWeightsInAndRestoresTrainingWeightsBitForBit() {
        TinyUnet model = new TinyUnet(new Rng(7));
        Ema ema = new Ema(model, "", 0.5, false);
        Rng rng = new Rng(8);
        for (int i = 0; i < 3; i++) {
            move(model, rng, 1.0);
            ema.update();
        }
        Map<String, double[]> training = snapshot(model.trainableParameters());
        Map<String, double[]> averaged = new LinkedHashMap<>();
        ema.shadowNames().keySet().forEach(k -> averaged.put(k, ema.shadow(k).toDoubleArray()));
        assertNotEquals(training.get("out.0.weight")[0], averaged.get("out.0.weight")[0]);

        try (Ema.Swap swap = ema.swapIn()) {
            assertTrue(ema.isSwapped());
            assertSame(averaged, snapshot(model.trainableParameters()), "the model holds the EMA weights");
            IllegalStateException e = assertThrows(IllegalStateException.class, ema::update);
            assertTrue(e.getMessage().contains("close the Swap"), e.getMessage());
            assertThrows(IllegalStateException.class, ema::state);
            assertThrows(IllegalStateException.class, ema::swapIn);
        }
        assertFalse(ema.isSwapped());
        assertSame(training, snapshot(model.trainableParameters()), "training weights are back");
        Map<String, double[]> shadowsAfter = new LinkedHashMap<>();
        ema.shadowNames().keySet().forEach(k -> shadowsAfter.put(k, ema.shadow(k).toDoubleArray()));
        assertSame(averaged, shadowsAfter, "the EMA is unchanged");
        ema.update();      // usable again
    }

    @Test
    void copyToFillsAnotherModelOrRefusesWithoutCopying() {
        TinyUnet model = new TinyUnet(new Rng(9));
        Ema ema = new Ema(model);
        move(model, new Rng(10), 1.0);
        ema.update();
        TinyUnet export = new TinyUnet(new Rng(11));
        export.freeze();        // an inference copy: frozen parameters are still targets
        ema.copyTo(export);
        for (String k : ema.shadowNames().keySet()) {
            assertArrayEquals(ema.shadow(k).toDoubleArray(), export.namedParameters().get(k).toDoubleArray(), 0.0, k);
        }
        Wrapper wrong = new Wrapper(new Rng(12));
        Map<String, double[]> before = snapshot(wrong.namedParameters());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ema.copyTo(wrong));
        assertTrue(e.getMessage().contains("no parameter 'input_blocks.0.0.weight'"), e.getMessage());
        assertSame(before, snapshot(wrong.namedParameters()), "nothing was copied");
    }

    @Test
    void updateRefusesAModelWhoseTrainableParametersChanged() {
        TinyUnet model = new TinyUnet(new Rng(13));
        Ema ema = new Ema(model);
        model.namedParameters().get("out.0.bias").requiresGrad(false);
        IllegalStateException e = assertThrows(IllegalStateException.class, ema::update);
        assertTrue(e.getMessage().contains("'out.0.bias' is frozen now"), e.getMessage());
    }

    @Test
    void resumingFromACheckpointContinuesExactly(@TempDir Path dir) throws Exception {
        Wrapper a = new Wrapper(new Rng(14));
        Ema emaA = new Ema(a);
        for (int step = 0; step < 5; step++) {
            move(a, new Rng(100 + step), 0.3);
            emaA.update();
        }
        Path file = dir.resolve("step-5.safetensors");
        Checkpoint.builder(5).model(a.stateDict()).ema(emaA.state()).build().write(file);
        for (int step = 5; step < 9; step++) {
            move(a, new Rng(100 + step), 0.3);
            emaA.update();
        }

        Wrapper b = new Wrapper(new Rng(99));         // other initial weights, overwritten by the checkpoint
        Ema emaB = new Ema(b);
        Checkpoint c = Checkpoint.read(file, Checkpoint.MODEL, Checkpoint.EMA);
        b.load(c.group(Checkpoint.MODEL), true);
        emaB.load(c.group(Checkpoint.EMA), true);
        assertEquals(5, emaB.numUpdates());
        for (int step = 5; step < 9; step++) {
            move(b, new Rng(100 + step), 0.3);
            emaB.update();
        }
        assertEquals(emaA.numUpdates(), emaB.numUpdates());
        for (String k : emaA.shadowNames().keySet()) {
            assertArrayEquals(emaA.shadow(k).toFloatArray(), emaB.shadow(k).toFloatArray(), 0f, k);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** A stand-in for an optimizer step: every trainable parameter moves by scale * N(0, 1). */
    private static void move(Module model, Rng rng, double scale) {
        try (GradMode.Scope g = GradMode.disabled(); MemoryScope s = MemoryScope.open()) {
            for (Tensor p : model.trainableParameters().values()) {
                p.assign(p.detach().add(rng.normal(p.dtype(), p.shape()).mul(scale)));
            }
        }
    }

    private static Map<String, double[]> snapshot(Map<String, Tensor> params) {
        Map<String, double[]> out = new LinkedHashMap<>();
        params.forEach((k, p) -> out.put(k, p.toDoubleArray()));
        return out;
    }

    private static void assertSame(Map<String, double[]> expected, Map<String, double[]> actual, String what) {
        assertEquals(expected.keySet(), actual.keySet(), what);
        expected.forEach((k, v) -> assertArrayEquals(v, actual.get(k), 0.0, what + ": " + k));
    }
}
