package org.ldm4j.conditioning.text.clip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldm4j.conditioning.TestSupport;
import org.ldm4j.conditioning.text.EmptyPrompt;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.io.SafeTensors;
import org.ldm4j.core.io.StateDict;
import org.ldm4j.core.nn.LoadReport;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/**
 * Loading CLIP weights written under the reference's key names (SD checkpoints, huggingface CLIPTextModel
 * files), with and without the position_ids buffer, and the errors of a mismatched checkpoint.
 */
class ClipLoadTest {
    private static final ClipTextConfig TINY = ClipTextModelTest.TINY;

    /** An SD-style checkpoint: this CLIP under cond_stage_model.transformer., position_ids, and U-Net keys. */
    private static Map<String, Tensor> sdCheckpoint(FrozenClipEmbedder source, boolean withPositionIds) {
        Map<String, Tensor> ckpt = new LinkedHashMap<>();
        ckpt.put("model.diffusion_model.out.2.bias", Tensor.zeros(4));
        source.stateDict().forEach((k, v) -> ckpt.put("cond_stage_model." + k, v));
        if (withPositionIds) {
            ckpt.put("cond_stage_model.transformer.text_model.embeddings.position_ids",
                    Tensor.of(new long[] {0, 1, 2, 3, 4}, 1, 5));
        }
        ckpt.put("first_stage_model.decoder.conv_out.bias", Tensor.zeros(3));
        return ckpt;
    }

    private static FrozenClipEmbedder randomClip(long seed) {
        FrozenClipEmbedder clip = new FrozenClipEmbedder(TINY, EmptyPrompt.of(19, 18, 19), new Rng(seed));
        TestSupport.randomize(clip, seed + 100);
        return clip;
    }

    @Test
    void loadsAStableDiffusionCheckpointWrittenAsSafetensors(@TempDir Path dir) throws IOException {
        FrozenClipEmbedder source = randomClip(1);
        Path file = dir.resolve("sd-tiny.safetensors");
        try (MemoryScope s = MemoryScope.open()) {
            SafeTensors.write(file, sdCheckpoint(source, true));
        }
        StateDict read = SafeTensors.read(file);
        assertTrue(read.contains("cond_stage_model.transformer.text_model.final_layer_norm.weight"));
        FrozenClipEmbedder target = new FrozenClipEmbedder(TINY, EmptyPrompt.of(19, 18, 19), new Rng(2));
        try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
            Tensor ids = Tensor.of(new long[] {18, 4, 9, 19, 19, 18, 1, 2, 3, 19}, 2, 5);
            assertTrue(target.encode(ids).maxAbsDiff(source.encode(ids)) > 1e-3);
            LoadReport r = target.loadCheckpoint(read.tensors());
            assertTrue(r.isClean());
            assertEquals(2 + 2 * 16 + 2, r.loadedKeys().size());
            assertEquals(0.0, target.encode(ids).maxAbsDiff(source.encode(ids)));
        }
    }

    @Test
    void loadsWithoutPositionIdsAndFromHalfPrecision() {
        FrozenClipEmbedder source = randomClip(3);
        FrozenClipEmbedder target = new FrozenClipEmbedder(TINY, EmptyPrompt.of(19, 18, 19), new Rng(4));
        try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
            Map<String, Tensor> half = new LinkedHashMap<>();
            sdCheckpoint(source, false).forEach((k, v) -> half.put(k, v.to(DType.FLOAT16)));
            target.loadCheckpoint(half);
            Tensor ids = Tensor.of(new long[] {18, 4, 9}, 1, 3);
            double diff = target.encode(ids).maxAbsDiff(source.encode(ids));
            assertTrue(diff > 0 && diff < 0.05, "fp16 rounding only: " + diff);
        }
    }

    @Test
    void loadsAHuggingFaceClipTextModelFile(@TempDir Path dir) throws IOException {
        ClipTextModel source = new ClipTextModel(TINY, new Rng(5));
        TestSupport.randomize(source, 6);
        Map<String, Tensor> hf = new LinkedHashMap<>(source.stateDict());
        try (MemoryScope s = MemoryScope.open()) {
            hf.put("text_model.embeddings.position_ids", Tensor.of(new long[] {0, 1, 2, 3, 4}, 1, 5));
            SafeTensors.write(dir.resolve("model.safetensors"), hf);
        }
        ClipTextModel target = new ClipTextModel(TINY, new Rng(7));
        target.loadCheckpoint(SafeTensors.read(dir.resolve("model.safetensors")).tensors(), "");
        try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
            Tensor ids = Tensor.of(new long[] {18, 4, 9, 19}, 1, 4);
            assertEquals(0.0, target.forward(ids).maxAbsDiff(source.forward(ids)));
        }
    }

    @Test
    void mismatchesAreNamedWithTheirShapesAndNothingIsLoaded() {
        FrozenClipEmbedder source = randomClip(8);
        FrozenClipEmbedder target = new FrozenClipEmbedder(TINY, EmptyPrompt.of(19, 18, 19), new Rng(9));
        String p = "cond_stage_model.transformer.text_model.";
        try (MemoryScope s = MemoryScope.open()) {
            Map<String, Tensor> ckpt = sdCheckpoint(source, true);
            ckpt.remove(p + "final_layer_norm.bias");
            ckpt.put(p + "encoder.layers.1.mlp.fc1.weight", Tensor.zeros(16, 8));
            ckpt.put(p + "encoder.layers.2.mlp.fc1.weight", Tensor.zeros(12, 8));
            Tensor before = target.stateDict().get("transformer.text_model.encoder.layers.0.mlp.fc2.bias").copy();
            String msg = assertThrows(IllegalArgumentException.class, () -> target.loadCheckpoint(ckpt)).getMessage();
            assertTrue(msg.contains("missing " + p + "final_layer_norm.bias [8]"), msg);
            assertTrue(msg.contains(p + "encoder.layers.1.mlp.fc1.weight: expected [12, 8], got [16, 8]"), msg);
            assertTrue(msg.contains("unexpected " + p + "encoder.layers.2.mlp.fc1.weight [12, 8]"), msg);
            assertTrue(msg.contains("nothing was loaded"), msg);
            assertEquals(0.0, target.stateDict().get("transformer.text_model.encoder.layers.0.mlp.fc2.bias")
                    .maxAbsDiff(before));

            Map<String, Tensor> badIds = sdCheckpoint(source, false);
            badIds.put(p + "embeddings.position_ids", Tensor.of(new long[] {0, 1, 2}, 1, 3));
            msg = assertThrows(IllegalArgumentException.class, () -> target.loadCheckpoint(badIds)).getMessage();
            assertTrue(msg.contains(p + "embeddings.position_ids: expected [1, 5], got [1, 3]"), msg);

            Map<String, Tensor> noClip = Map.of("model.diffusion_model.out.2.bias", Tensor.zeros(4));
            msg = assertThrows(IllegalArgumentException.class, () -> target.loadCheckpoint(noClip)).getMessage();
            assertTrue(msg.contains("tensors: no key starts with 'cond_stage_model.'"), msg);
        }
    }
}
