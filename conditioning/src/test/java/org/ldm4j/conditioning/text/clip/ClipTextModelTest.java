package org.ldm4j.conditioning.text.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.ldm4j.conditioning.TestSupport;
import org.ldm4j.conditioning.text.EmptyPrompt;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.autograd.ShapeOps;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.core.testing.GradCheck;

/**
 * The CLIP text transformer: huggingface's key names, a forward written out with an explicit causal loop, the
 * causal independence of earlier outputs from later tokens, gradients and the parameter count.
 */
class ClipTextModelTest {
    /** Width 8, 2 layers of 2 heads, 20 tokens, 5 positions, MLP 12. */
    static final ClipTextConfig TINY = new ClipTextConfig(20, 8, 2, 2, 5, 12, ClipTextConfig.Activation.QUICK_GELU,
            1e-5);

    /** The keys of huggingface's CLIPTextModel for {@code layers} layers, as SD stores them under {@code prefix}. */
    static List<String> referenceKeys(String prefix, int layers) {
        List<String> k = new ArrayList<>();
        k.add(prefix + "text_model.embeddings.token_embedding.weight");
        k.add(prefix + "text_model.embeddings.position_embedding.weight");
        for (int i = 0; i < layers; i++) {
            String l = prefix + "text_model.encoder.layers." + i + ".";
            for (String p : List.of("self_attn.k_proj", "self_attn.v_proj", "self_attn.q_proj", "self_attn.out_proj",
                    "layer_norm1", "mlp.fc1", "mlp.fc2", "layer_norm2")) {
                k.add(l + p + ".weight");
                k.add(l + p + ".bias");
            }
        }
        k.add(prefix + "text_model.final_layer_norm.weight");
        k.add(prefix + "text_model.final_layer_norm.bias");
        return k;
    }

    @Test
    void keysAreHuggingFacesUnderTheStableDiffusionPrefix() {
        FrozenClipEmbedder clip = new FrozenClipEmbedder(TINY, EmptyPrompt.of(19, 18, 19), new Rng(0));
        assertEquals(List.of(
                "transformer.text_model.embeddings.token_embedding.weight",
                "transformer.text_model.embeddings.position_embedding.weight",
                "transformer.text_model.encoder.layers.0.self_attn.k_proj.weight",
                "transformer.text_model.encoder.layers.0.self_attn.k_proj.bias",
                "transformer.text_model.encoder.layers.0.self_attn.v_proj.weight",
                "transformer.text_model.encoder.layers.0.self_attn.v_proj.bias",
                "transformer.text_model.encoder.layers.0.self_attn.q_proj.weight",
                "transformer.text_model.encoder.layers.0.self_attn.q_proj.bias",
                "transformer.text_model.encoder.layers.0.self_attn.out_proj.weight",
                "transformer.text_model.encoder.layers.0.self_attn.out_proj.bias",
                "transformer.text_model.encoder.layers.0.layer_norm1.weight",
                "transformer.text_model.encoder.layers.0.layer_norm1.bias",
                "transformer.text_model.encoder.layers.0.mlp.fc1.weight",
                "transformer.text_model.encoder.layers.0.mlp.fc1.bias",
                "transformer.text_model.encoder.layers.0.mlp.fc2.weight",
                "transformer.text_model.encoder.layers.0.mlp.fc2.bias",
                "transformer.text_model.encoder.layers.0.layer_norm2.weight",
                "transformer.text_model.encoder.layers.0.layer_norm2.bias"),
                TestSupport.keys(clip).subList(0, 18));
        assertEquals(referenceKeys("transformer.", 2), TestSupport.keys(clip));
        assertEquals(referenceKeys("", 2), TestSupport.keys(clip.transformer()));
        Map<String, Tensor> sd = clip.stateDict();
        assertArrayEquals(new long[] {12, 8}, sd.get("transformer.text_model.encoder.layers.1.mlp.fc1.weight").shape());
        assertArrayEquals(new long[] {8, 12}, sd.get("transformer.text_model.encoder.layers.1.mlp.fc2.weight").shape());
        assertArrayEquals(new long[] {5, 8},
                sd.get("transformer.text_model.embeddings.position_embedding.weight").shape());
        // position_ids is a non-persistent buffer: registered, not saved
        Tensor ids = clip.namedBuffers().get("transformer.text_model.embeddings.position_ids");
        assertArrayEquals(new long[] {0, 1, 2, 3, 4}, ids.toLongArray());
        assertArrayEquals(new long[] {1, 5}, ids.shape());
        assertEquals(TINY.parameterCount(), clip.parameterCount());
        assertTrue(clip.trainableParameters().isEmpty(), "frozen");
    }

    /** huggingface's CLIPTextTransformer written out: each query i attends to keys 0..i (slices, no mask). */
    static Tensor referenceForward(Map<String, Tensor> sd, Tensor ids, ClipTextConfig c) {
        String p = "text_model.";
        long b = ids.size(0);
        long n = ids.size(1);
        int hd = c.headDim();
        Tensor tok = sd.get(p + "embeddings.token_embedding.weight");
        List<Tensor> rows = new ArrayList<>();
        for (long id : ids.toLongArray()) {
            rows.add(tok.slice(0, id, id + 1));
        }
        Tensor h = ShapeOps.concat(0, rows.toArray(new Tensor[0])).reshape(b, n, c.width())
                .add(sd.get(p + "embeddings.position_embedding.weight").slice(0, 0, n));
        for (int l = 0; l < c.layers(); l++) {
            String k = p + "encoder.layers." + l + ".";
            Tensor x = TestSupport.layerNorm(h, sd.get(k + "layer_norm1.weight"), sd.get(k + "layer_norm1.bias"),
                    c.layerNormEps());
            Tensor q = TestSupport.affine(x, sd.get(k + "self_attn.q_proj.weight"), sd.get(k + "self_attn.q_proj.bias"));
            Tensor kk = TestSupport.affine(x, sd.get(k + "self_attn.k_proj.weight"), sd.get(k + "self_attn.k_proj.bias"));
            Tensor v = TestSupport.affine(x, sd.get(k + "self_attn.v_proj.weight"), sd.get(k + "self_attn.v_proj.bias"));
            List<Tensor> heads = new ArrayList<>();
            for (int head = 0; head < c.heads(); head++) {
                long lo = (long) head * hd;
                List<Tensor> outs = new ArrayList<>();
                for (long i = 0; i < n; i++) {
                    Tensor qi = q.slice(1, i, i + 1).slice(2, lo, lo + hd);            // (B, 1, d)
                    Tensor kj = kk.slice(1, 0, i + 1).slice(2, lo, lo + hd);           // (B, i+1, d)
                    Tensor vj = v.slice(1, 0, i + 1).slice(2, lo, lo + hd);
                    Tensor pr = qi.matmul(kj, false, true).mul(Math.pow(hd, -0.5)).softmax(-1);
                    outs.add(pr.matmul(vj));                                           // (B, 1, d)
                }
                heads.add(ShapeOps.concat(1, outs.toArray(new Tensor[0])));
            }
            Tensor o = ShapeOps.concat(2, heads.toArray(new Tensor[0]));
            h = h.add(TestSupport.affine(o, sd.get(k + "self_attn.out_proj.weight"),
                    sd.get(k + "self_attn.out_proj.bias")));
            x = TestSupport.layerNorm(h, sd.get(k + "layer_norm2.weight"), sd.get(k + "layer_norm2.bias"),
                    c.layerNormEps());
            x = TestSupport.affine(x, sd.get(k + "mlp.fc1.weight"), sd.get(k + "mlp.fc1.bias"));
            x = x.mul(x.mul(1.702).sigmoid());
            h = h.add(TestSupport.affine(x, sd.get(k + "mlp.fc2.weight"), sd.get(k + "mlp.fc2.bias")));
        }
        return TestSupport.layerNorm(h, sd.get(p + "final_layer_norm.weight"), sd.get(p + "final_layer_norm.bias"),
                c.layerNormEps());
    }

    @Test
    void forwardMatchesTheWrittenOutReference() {
        ClipTextModel clip = TestSupport.prepared(new ClipTextModel(TINY, new Rng(1)), 2);
        try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
            Tensor ids = Tensor.of(new long[] {18, 3, 7, 19, 19, 18, 12, 0, 5, 19}, 2, 5);
            Tensor h = clip.forward(ids);
            assertArrayEquals(new long[] {2, 5, 8}, h.shape());
            assertTrue(h.maxAbsDiff(referenceForward(clip.stateDict(), ids, TINY)) < 1e-12);
            Tensor shorter = Tensor.of(new long[] {18, 3, 7}, 1, 3);
            assertTrue(clip.forward(shorter).maxAbsDiff(referenceForward(clip.stateDict(), shorter, TINY)) < 1e-12);
        }
    }

    @Test
    void exactGeluVariantUsesErf() {
        ClipTextConfig gelu = new ClipTextConfig(20, 8, 1, 2, 5, 12, ClipTextConfig.Activation.GELU, 1e-5);
        ClipTextModel quick = TestSupport.prepared(new ClipTextModel(TINY, new Rng(1)), 2);
        ClipTextModel exact = TestSupport.prepared(new ClipTextModel(gelu, new Rng(1)), 2);
        try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
            Tensor x = Tensor.of(new double[] {-1, 0.5, 2}, 3);
            Tensor q = ClipMlp.quickGelu(x);
            assertEquals(-1 / (1 + Math.exp(1.702)), q.get(0), 1e-15);
            assertEquals(2 / (1 + Math.exp(-3.404)), q.get(2), 1e-15);
            Tensor ids = Tensor.of(new long[] {1, 2, 3}, 1, 3);
            assertArrayEquals(new long[] {1, 3, 8}, exact.forward(ids).shape());
            assertArrayEquals(new long[] {1, 3, 8}, quick.forward(ids).shape());
        }
    }

    @Test
    void laterTokensDoNotChangeEarlierOutputs() {
        ClipTextModel clip = TestSupport.prepared(new ClipTextModel(TINY, new Rng(3)), 4);
        try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
            Tensor a = clip.forward(Tensor.of(new long[] {18, 3, 7, 11, 19}, 1, 5));
            Tensor b = clip.forward(Tensor.of(new long[] {18, 3, 7, 2, 6}, 1, 5));        // positions 3, 4 changed
            assertEquals(0.0, a.slice(1, 0, 3).maxAbsDiff(b.slice(1, 0, 3)), "outputs 0..2 see tokens 0..2 only");
            assertTrue(a.slice(1, 3, 5).maxAbsDiff(b.slice(1, 3, 5)) > 1e-3);
            // and through the embeddings: perturbing a later input leaves earlier rows exactly unchanged
            Tensor x = new Rng(5).normal(org.ldm4j.core.tensor.DType.FLOAT64, 2, 5, 8);
            // (not a constant shift of the row: every LayerNorm would remove it)
            Tensor bump = Tensor.of(new double[] {0, 0, 0, 0, 1}, 1, 5, 1)
                    .mul(new Rng(6).normal(org.ldm4j.core.tensor.DType.FLOAT64, 1, 1, 8));
            Tensor y = x.add(bump);
            Tensor hx = clip.forwardEmbeddings(x);
            Tensor hy = clip.forwardEmbeddings(y);
            assertEquals(0.0, hx.slice(1, 0, 4).maxAbsDiff(hy.slice(1, 0, 4)));
            assertTrue(hx.slice(1, 4, 5).maxAbsDiff(hy.slice(1, 4, 5)) > 1e-3);
        }
    }

    @Test
    void gradientsOfInputsAndParameters() {
        ClipTextModel clip = TestSupport.prepared(new ClipTextModel(TINY, new Rng(6)), 7);
        Rng rng = new Rng(8);
        try (MemoryScope s = MemoryScope.open()) {
            Tensor x = GradCheck.input(rng, 2, 4, 8);
            GradCheck.check(in -> clip.forwardEmbeddings(in[0]), x);
            Tensor ids = Tensor.of(new long[] {18, 3, 7, 19, 1, 2, 3, 4}, 2, 4);
            TestSupport.sampledGradCheck(() -> clip.forward(ids), clip.namedParameters(), 60, 9, 1e-6, 1e-5);
        }
    }

    @Test
    void unconditionalIsTheEmptyPromptOfSd() {
        ClipTextConfig vocab = new ClipTextConfig(49408, 8, 1, 2, 77, 12, ClipTextConfig.Activation.QUICK_GELU, 1e-5);
        FrozenClipEmbedder clip = new FrozenClipEmbedder(vocab, EmptyPrompt.clip(), new Rng(10));
        try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
            Tensor ids = Tensor.of(new long[2 * 77], 2, 77);
            long[] uc = clip.unconditionalLike(ids).toLongArray();
            assertEquals(2 * 77, uc.length);
            assertEquals(49406, uc[0]);
            assertEquals(49407, uc[1]);
            assertEquals(49407, uc[76]);
            assertEquals(49406, uc[77]);
            Tensor c = clip.unconditional(ids);
            assertArrayEquals(new long[] {2, 77, 8}, c.shape());
            assertEquals(0.0, c.maxAbsDiff(clip.encode(clip.unconditionalLike(ids))));
        }
    }

    @Test
    void badInputsNameTheArgument() {
        ClipTextModel clip = new ClipTextModel(TINY, new Rng(11));
        try (MemoryScope s = MemoryScope.open()) {
            String msg = assertThrows(IllegalArgumentException.class,
                    () -> clip.forward(Tensor.of(new long[6], 1, 6))).getMessage();
            assertTrue(msg.contains("ids: expected 1 to 5 positions (dim 1, max_position_embeddings), got 6 in "
                    + "[1, 6]"), msg);
            msg = assertThrows(IllegalArgumentException.class,
                    () -> clip.forward(Tensor.of(new double[] {1}, 1, 1))).getMessage();
            assertTrue(msg.startsWith("ids: expected INT64 token ids [B, N], got FLOAT64 [1, 1]"), msg);
            msg = assertThrows(IllegalArgumentException.class,
                    () -> clip.forwardEmbeddings(Tensor.zeros(2, 3))).getMessage();
            assertTrue(msg.contains("inputsEmbeds: expected rank 3, got rank 2 [2, 3]"), msg);
        }
        String msg = assertThrows(IllegalArgumentException.class,
                () -> new ClipTextConfig(20, 10, 1, 3, 5, 12, ClipTextConfig.Activation.GELU, 1e-5)).getMessage();
        assertTrue(msg.contains("heads: expected a divisor of width 10, got 3"), msg);
    }
}
