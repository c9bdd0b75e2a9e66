package org.ldm4j.training.sd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldm4j.conditioning.text.tokenize.ClipTokenizer;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.training.Sampling;
import org.ldm4j.training.models.CondStage;
import org.ldm4j.training.models.Conditions;
import org.ldm4j.training.models.LatentDiffusion;

/**
 * Tiny random models written under Stable Diffusion's full key layout (U-Net, autoencoder and CLIP prefixes, the
 * schedule buffers and position ids): they load exactly, from safetensors in float32 and float16 and from a
 * {@code .ckpt}; they sample, decode and repeat under the same seed; the EMA weights are taken only when asked;
 * and any mismatch is refused by name before anything is loaded.
 */
class StableDiffusionCheckpointTest {
    @TempDir
    static Path tmp;
    static Path tokenizerDir;
    static ClipTokenizer tokenizer;
    static LatentDiffusion original;

    @BeforeAll
    static void model() throws IOException {
        tokenizerDir = TinySd.writeTokenizer(tmp.resolve("tokenizer"));
        tokenizer = TinySd.tokenizer(tokenizerDir);
        original = TinySd.model(tokenizer, 1);
    }

    private static StableDiffusion.Options options() {
        return StableDiffusion.Options.defaults().withConfig(TinySd.config()).withTokenizer(tokenizerDir);
    }

    /** Every entry of the model equals {@code expected}'s (after rounding to {@code onDisk}). */
    private static void assertWeights(LatentDiffusion expected, LatentDiffusion got, DType onDisk) {
        Map<String, Tensor> want = expected.stateDict();
        Map<String, Tensor> have = got.stateDict();
        assertEquals(want.keySet(), have.keySet());
        for (Map.Entry<String, Tensor> e : want.entrySet()) {
            Tensor h = have.get(e.getKey());
            assertSame(DType.FLOAT32, h.dtype(), e.getKey());
            boolean fromDisk = !e.getKey().equals(SdKeys.SCALE_FACTOR);      // the scale is the config's
            Tensor w = fromDisk ? e.getValue().to(onDisk).to(DType.FLOAT32) : e.getValue();
            assertEquals(0.0, h.maxAbsDiff(w), e.getKey());
        }
    }

    private static Tensor sample(LatentDiffusion ldm, long seed) {
        Sampling.Request r = Sampling.Request.of(Conditions.prompts(List.of("a red cat")), Sampling.Name.DDIM, 2, 7.5,
                seed).withNegative(Conditions.prompts(List.of("a dog")));
        return Sampling.run(ldm, TinySd.SIZE, TinySd.SIZE, r, null);
    }

    @Test
    void loadsTheFullLayoutSamplesAndTheSameSeedGivesTheSameImage() throws IOException {
        Path file = TinySd.writeSafetensors(tmp.resolve("sd.safetensors"),
                TinySd.referenceState(original, DType.FLOAT32));
        assertSame(StableDiffusion.Format.SAFETENSORS, StableDiffusion.detect(file));
        StableDiffusion.Loaded sd = StableDiffusion.load(file, options());
        assertWeights(original, sd.model(), DType.FLOAT32);
        assertSame(CondStage.Kind.CLIP, sd.model().cond().kind());
        assertEquals(0.18215, sd.model().scaleFactor(), 1e-7);
        assertEquals(Map.of("diffusion schedule buffers (recomputed from the config)", 3,
                "CLIP's position ids (a constant buffer)", 1), sd.ignored());
        assertTrue(sd.describe().contains("[FLOAT32]"), sd.describe());

        Tensor a = sample(sd.model(), 42);
        assertArrayEquals(new long[] {1, 3, TinySd.SIZE, TinySd.SIZE}, a.shape());
        for (float v : a.toFloatArray()) {
            assertTrue(Float.isFinite(v));
        }
        assertEquals(0.0, a.maxAbsDiff(sample(sd.model(), 42)), "the same seed gives the same image");
        assertTrue(a.maxAbsDiff(sample(sd.model(), 43)) > 1e-3, "another seed, another image");
    }

    @Test
    void float16OnDiskIsConvertedToFloat32OrKeptInHalfPrecision() throws IOException {
        Path file = TinySd.writeSafetensors(tmp.resolve("sd-fp16.safetensors"),
                TinySd.referenceState(original, DType.FLOAT16));
        StableDiffusion.Loaded sd = StableDiffusion.load(file, options());
        assertWeights(original, sd.model(), DType.FLOAT16);
        assertEquals(Map.of(DType.FLOAT16, original.parameterCount()), sd.valuesOnDisk());

        StableDiffusion.Loaded half = StableDiffusion.load(file, options().withDtype(DType.FLOAT16));
        for (Map.Entry<String, Tensor> e : half.model().namedParameters().entrySet()) {
            assertSame(DType.FLOAT16, e.getValue().dtype(), e.getKey());
        }
        assertSame(DType.FLOAT32, half.model().buffer("scale_factor").dtype(), "the scale stays exact");
        assertEquals(0.0, half.model().unet().stateDict().get("out.2.weight").to(DType.FLOAT32)
                .maxAbsDiff(sd.model().unet().stateDict().get("out.2.weight")));
        Tensor full = sample(sd.model(), 9);
        Tensor reduced = sample(half.model(), 9);
        assertSame(DType.FLOAT32, reduced.dtype(), "the sampler's precision, whatever the model's");
        double diff = reduced.maxAbsDiff(full);
        assertTrue(diff > 0 && diff < 0.1, "half precision changes the image a little: " + diff);
    }

    @Test
    void theEmaWeightsAreTakenOnlyWhenAsked() throws IOException {
        LatentDiffusion ema = TinySd.model(tokenizer, 2);
        Map<String, Tensor> state = new LinkedHashMap<>(TinySd.referenceState(original, DType.FLOAT32));
        state.putAll(TinySd.emaState(ema));
        Path file = TinySd.writeSafetensors(tmp.resolve("sd-ema.safetensors"), state);

        StableDiffusion.Loaded raw = StableDiffusion.load(file, options());
        assertWeights(original, raw.model(), DType.FLOAT32);
        assertFalse(raw.ema());
        assertEquals(ema.unet().stateDict().size(), raw.ignored().get("EMA weights (not chosen; --ema selects them)"));

        StableDiffusion.Loaded averaged = StableDiffusion.load(file, options().withEma(true));
        assertTrue(averaged.ema());
        Map<String, Tensor> got = averaged.model().stateDict();
        ema.unet().stateDict().forEach((k, v) -> assertEquals(0.0, got.get(SdKeys.UNET + k).maxAbsDiff(v), k));
        original.stateDict().forEach((k, v) -> {
            if (!k.startsWith(SdKeys.UNET)) {
                assertEquals(0.0, got.get(k).maxAbsDiff(v), "not part of the EMA: " + k);
            }
        });
        assertEquals(ema.unet().stateDict().size(),
                averaged.ignored().get("raw U-Net weights (the EMA weights were chosen)"));
        assertEquals(2, averaged.ignored().get("the EMA's decay and update count"));

        Path noEma = TinySd.writeSafetensors(tmp.resolve("sd-no-ema.safetensors"),
                TinySd.referenceState(original, DType.FLOAT32));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StableDiffusion.load(noEma, options().withEma(true)));
        assertTrue(e.getMessage().contains("has no EMA weights (model_ema.*)"), e.getMessage());
    }

    @Test
    void aCkptWithTheSameLayoutLoadsTheSameWeights() throws IOException {
        Path file = TorchZip.write(tmp.resolve("model.ckpt"), TinySd.referenceState(original, DType.FLOAT32), 470000);
        assertSame(StableDiffusion.Format.CKPT, StableDiffusion.detect(file));
        StableDiffusion.Loaded sd = StableDiffusion.load(file, options());
        assertSame(StableDiffusion.Format.CKPT, sd.format());
        assertWeights(original, sd.model(), DType.FLOAT32);
    }

    @Test
    void mismatchesAreNamedAndNothingIsLoaded() throws IOException {
        Map<String, Tensor> state = new LinkedHashMap<>(TinySd.referenceState(original, DType.FLOAT32));
        state.remove(SdKeys.UNET + "out.2.bias");
        state.put(SdKeys.FIRST_STAGE + "encoder.extra.weight", Tensor.zeros(3));
        state.put(SdKeys.TEXT_MODEL + "final_layer_norm.weight", Tensor.zeros(31));
        Path file = TinySd.writeSafetensors(tmp.resolve("broken.safetensors"), state);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StableDiffusion.load(file, options()));
        String m = e.getMessage();
        assertTrue(m.contains("nothing was loaded"), m);
        assertTrue(m.contains("1 missing key: model.diffusion_model.out.2.bias [4]"), m);
        assertTrue(m.contains("1 unexpected key: first_stage_model.encoder.extra.weight [3]"), m);
        assertTrue(m.contains("cond_stage_model.transformer.text_model.final_layer_norm.weight: expected [32], "
                + "got [31]"), m);

        // a whole part missing: a few keys are listed, then a count
        Map<String, Tensor> noDecoder = new LinkedHashMap<>(TinySd.referenceState(original, DType.FLOAT32));
        noDecoder.keySet().removeIf(k -> k.startsWith(SdKeys.FIRST_STAGE + "decoder."));
        Path partial = TinySd.writeSafetensors(tmp.resolve("partial.safetensors"), noDecoder);
        String many = assertThrows(IllegalArgumentException.class, () -> StableDiffusion.load(partial, options()))
                .getMessage();
        assertTrue(many.matches(".*\\d+ missing keys: first_stage_model\\.decoder\\..*more\\)"), many);
        assertTrue(many.length() < 1500, "at most a few keys are listed: " + many.length());
    }

    @Test
    void theTokenizerTheScheduleAndTheFileKindAreChecked() throws IOException {
        Path file = TinySd.writeSafetensors(tmp.resolve("sd2.safetensors"),
                TinySd.referenceState(original, DType.FLOAT32));
        String noTokenizer = assertThrows(IllegalArgumentException.class, () -> StableDiffusion.load(file,
                StableDiffusion.Options.defaults().withConfig(TinySd.config()))).getMessage();
        assertTrue(noTokenizer.contains("--tokenizer DIR"), noTokenizer);

        Map<String, Tensor> state = new LinkedHashMap<>(TinySd.referenceState(original, DType.FLOAT32));
        state.put("alphas_cumprod", Tensor.of(TinySd.config().schedule().build().alphasCumprod(), 1000).mul(0.9)
                .to(DType.FLOAT32));
        Path otherSchedule = TinySd.writeSafetensors(tmp.resolve("sched.safetensors"), state);
        String sched = assertThrows(IllegalArgumentException.class,
                () -> StableDiffusion.load(otherSchedule, options())).getMessage();
        assertTrue(sched.contains("alphas_cumprod[0]") && sched.contains("another noise schedule"), sched);

        Path notSd = TinySd.writeSafetensors(tmp.resolve("unet-only.safetensors"),
                Map.of(SdKeys.UNET + "out.2.bias", Tensor.zeros(4)));
        assertNull(StableDiffusion.detect(notSd));
        assertNull(StableDiffusion.detect(tokenizerDir));
        String e = assertThrows(IllegalArgumentException.class, () -> StableDiffusion.load(notSd, options()))
                .getMessage();
        assertTrue(e.contains("expected a Stable Diffusion 1.x checkpoint"), e);
        assertNotEquals(StableDiffusion.Format.DIFFUSERS, StableDiffusion.detect(file));
    }
}
