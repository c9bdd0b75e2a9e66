package org.ldm4j.conditioning.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.ldm4j.conditioning.TestSupport;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.core.testing.GradCheck;

/**
 * The reference's TransformerEmbedder: x-transformers' key layout, a forward written out independently from the
 * state dict, gradients, the empty prompt and argument errors.
 */
class TransformerEmbedderTest {
    /** D 8, 2 pairs, 11 tokens, 6 positions, 2 heads of 4, feed-forward 2x. */
    static final TransformerEmbedderConfig TINY = new TransformerEmbedderConfig(8, 2, 11, 6, 2, 4, 2, 0.0);

    /** The keys of ldm/modules/x_transformer.py's TransformerWrapper(Encoder(depth=2)) under "transformer.". */
    static List<String> referenceKeys(int depth) {
        List<String> k = new ArrayList<>();
        k.add("transformer.token_emb.weight");
        k.add("transformer.pos_emb.emb.weight");
        for (int i = 0; i < depth; i++) {
            String a = "transformer.attn_layers.layers." + (2 * i) + ".";
            String f = "transformer.attn_layers.layers." + (2 * i + 1) + ".";
            k.addAll(List.of(a + "0.weight", a + "0.bias", a + "1.to_q.weight", a + "1.to_k.weight",
                    a + "1.to_v.weight", a + "1.to_out.weight", a + "1.to_out.bias",
                    f + "0.weight", f + "0.bias", f + "1.net.0.0.weight", f + "1.net.0.0.bias", f + "1.net.2.weight",
                    f + "1.net.2.bias"));
        }
        k.addAll(List.of("transformer.norm.weight", "transformer.norm.bias", "transformer.to_logits.weight",
                "transformer.to_logits.bias"));
        return k;
    }

    @Test
    void keysAndShapesAreTheReferences() {
        TransformerEmbedder t = new TransformerEmbedder(TINY, EmptyPrompt.of(0, 1, 2), new Rng(0));
        assertEquals(List.of(
                "transformer.token_emb.weight",
                "transformer.pos_emb.emb.weight",
                "transformer.attn_layers.layers.0.0.weight",
                "transformer.attn_layers.layers.0.0.bias",
                "transformer.attn_layers.layers.0.1.to_q.weight",
                "transformer.attn_layers.layers.0.1.to_k.weight",
                "transformer.attn_layers.layers.0.1.to_v.weight",
                "transformer.attn_layers.layers.0.1.to_out.weight",
                "transformer.attn_layers.layers.0.1.to_out.bias",
                "transformer.attn_layers.layers.1.0.weight",
                "transformer.attn_layers.layers.1.0.bias",
                "transformer.attn_layers.layers.1.1.net.0.0.weight",
                "transformer.attn_layers.layers.1.1.net.0.0.bias",
                "transformer.attn_layers.layers.1.1.net.2.weight",
                "transformer.attn_layers.layers.1.1.net.2.bias",
                "transformer.attn_layers.layers.2.0.weight",
                "transformer.attn_layers.layers.2.0.bias",
                "transformer.attn_layers.layers.2.1.to_q.weight",
                "transformer.attn_layers.layers.2.1.to_k.weight",
                "transformer.attn_layers.layers.2.1.to_v.weight",
                "transformer.attn_layers.layers.2.1.to_out.weight",
                "transformer.attn_layers.layers.2.1.to_out.bias",
                "transformer.attn_layers.layers.3.0.weight",
                "transformer.attn_layers.layers.3.0.bias",
                "transformer.attn_layers.layers.3.1.net.0.0.weight",
                "transformer.attn_layers.layers.3.1.net.0.0.bias",
                "transformer.attn_layers.layers.3.1.net.2.weight",
                "transformer.attn_layers.layers.3.1.net.2.bias",
                "transformer.norm.weight",
                "transformer.norm.bias",
                "transformer.to_logits.weight",
                "transformer.to_logits.bias"), TestSupport.keys(t));
        assertEquals(referenceKeys(2), TestSupport.keys(t));
        Map<String, Tensor> sd = t.stateDict();
        assertArrayEquals(new long[] {11, 8}, sd.get("transformer.token_emb.weight").shape());
        assertArrayEquals(new long[] {6, 8}, sd.get("transformer.pos_emb.emb.weight").shape());
        assertArrayEquals(new long[] {8, 8}, sd.get("transformer.attn_layers.layers.0.1.to_q.weight").shape());
        assertArrayEquals(new long[] {8, 8}, sd.get("transformer.attn_layers.layers.2.1.to_out.weight").shape());
        assertArrayEquals(new long[] {16, 8}, sd.get("transformer.attn_layers.layers.1.1.net.0.0.weight").shape());
        assertArrayEquals(new long[] {8, 16}, sd.get("transformer.attn_layers.layers.3.1.net.2.weight").shape());
        assertArrayEquals(new long[] {11, 8}, sd.get("transformer.to_logits.weight").shape());
        assertEquals(TINY.parameterCount(), t.parameterCount());
        // x-transformers' defaults: 8 heads of 64, whatever the width: to_q is [512, D]
        TransformerEmbedder wide = new TransformerEmbedder(TransformerEmbedderConfig.of(96, 1, 20, 7), null,
                new Rng(0));
        assertArrayEquals(new long[] {512, 96}, wide.stateDict().get("transformer.attn_layers.layers.0.1.to_q.weight")
                .shape());
        assertArrayEquals(new long[] {384, 96},
                wide.stateDict().get("transformer.attn_layers.layers.1.1.net.0.0.weight").shape());
        assertEquals(TransformerEmbedderConfig.of(96, 1, 20, 7).parameterCount(), wide.parameterCount());
        // to_logits is kept for the checkpoints but not trained
        assertFalse(t.trainableParameters().containsKey("transformer.to_logits.weight"));
        assertEquals(t.namedParameters().size() - 2, t.trainableParameters().size());
    }

    /** The forward pass written out from the state dict: per-head slices, explicit residuals. */
    static Tensor referenceForward(Map<String, Tensor> sd, Tensor ids, TransformerEmbedderConfig c) {
        long b = ids.size(0);
        long n = ids.size(1);
        long[] v = ids.toLongArray();
        Tensor tok = sd.get("transformer.token_emb.weight");
        List<Tensor> rows = new ArrayList<>();
        for (long id : v) {
            rows.add(tok.slice(0, id, id + 1));
        }
        Tensor h = org.ldm4j.core.autograd.ShapeOps.concat(0, rows.toArray(new Tensor[0])).reshape(b, n, c.nEmbed())
                .add(sd.get("transformer.pos_emb.emb.weight").slice(0, 0, n));
        for (int i = 0; i < c.nLayer(); i++) {
            String a = "transformer.attn_layers.layers." + (2 * i) + ".";
            Tensor x = TestSupport.layerNorm(h, sd.get(a + "0.weight"), sd.get(a + "0.bias"), 1e-5);
            Tensor q = TestSupport.affine(x, sd.get(a + "1.to_q.weight"), null);
            Tensor k = TestSupport.affine(x, sd.get(a + "1.to_k.weight"), null);
            Tensor vv = TestSupport.affine(x, sd.get(a + "1.to_v.weight"), null);
            List<Tensor> heads = new ArrayList<>();
            for (int hd = 0; hd < c.heads(); hd++) {
                long lo = (long) hd * c.dimHead();
                long hi = lo + c.dimHead();
                Tensor qh = q.slice(2, lo, hi);
                Tensor kh = k.slice(2, lo, hi);
                Tensor p = qh.matmul(kh, false, true).mul(Math.pow(c.dimHead(), -0.5)).softmax(-1);
                heads.add(p.matmul(vv.slice(2, lo, hi)));
            }
            Tensor o = org.ldm4j.core.autograd.ShapeOps.concat(2, heads.toArray(new Tensor[0]));
            h = h.add(TestSupport.affine(o, sd.get(a + "1.to_out.weight"), sd.get(a + "1.to_out.bias")));
            String f = "transformer.attn_layers.layers." + (2 * i + 1) + ".";
            x = TestSupport.layerNorm(h, sd.get(f + "0.weight"), sd.get(f + "0.bias"), 1e-5);
            x = TestSupport.affine(x, sd.get(f + "1.net.0.0.weight"), sd.get(f + "1.net.0.0.bias")).gelu();
            h = h.add(TestSupport.affine(x, sd.get(f + "1.net.2.weight"), sd.get(f + "1.net.2.bias")));
        }
        return TestSupport.layerNorm(h, sd.get("transformer.norm.weight"), sd.get("transformer.norm.bias"), 1e-5);
    }

    @Test
    void forwardMatchesTheWrittenOutReference() {
        TransformerEmbedder t = TestSupport.prepared(new TransformerEmbedder(TINY, null, new Rng(1)), 2);
        try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
            Tensor ids = Tensor.of(new long[] {1, 5, 10, 0, 3, 3, 7, 2, 9, 4}, 2, 5);     // 5 of 6 positions
            Tensor z = t.encode(ids);
            assertArrayEquals(new long[] {2, 5, 8}, z.shape());
            assertTrue(z.maxAbsDiff(referenceForward(t.stateDict(), ids, TINY)) < 1e-12);
        }
    }

    @Test
    void gradientsOfInputsAndParameters() {
        TransformerEmbedder t = TestSupport.prepared(new TransformerEmbedder(TINY, null, new Rng(3)), 4);
        Rng rng = new Rng(5);
        try (MemoryScope s = MemoryScope.open()) {
            Tensor x = GradCheck.input(rng, 2, 3, 8);
            GradCheck.check(in -> t.encodeEmbeddings(in[0]), x);
            Tensor ids = Tensor.of(new long[] {1, 5, 10, 0, 3, 3}, 2, 3);
            TestSupport.sampledGradCheck(() -> t.encode(ids), t.trainableParameters(), 60, 6, 1e-6, 1e-5);
            t.zeroGrad();
            t.encode(ids).sum().backward();
            assertNull(t.stateDict().get("transformer.to_logits.weight").grad());
            assertNull(t.transformer().namedParameters().get("to_logits.weight").grad());
        }
    }

    @Test
    void embeddingDropoutActsOnlyInTraining() {
        TransformerEmbedderConfig c = TINY.withEmbeddingDropout(0.5);
        TransformerEmbedder plain = new TransformerEmbedder(TINY, null, new Rng(7));
        TransformerEmbedder dropped = new TransformerEmbedder(c, null, new Rng(7));
        dropped.load(plain.stateDict());
        try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
            Tensor ids = Tensor.of(new long[] {1, 2, 3, 4}, 1, 4);
            assertTrue(dropped.encode(ids).maxAbsDiff(plain.encode(ids)) > 1e-3);
            dropped.eval();
            assertEquals(0.0, dropped.encode(ids).maxAbsDiff(plain.encode(ids)));
        }
    }

    @Test
    void unconditionalIsTheEmptyPrompt() {
        TransformerEmbedder t = new TransformerEmbedder(TINY, EmptyPrompt.of(0, 1, 2), new Rng(8));
        try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
            Tensor ids = Tensor.of(new long[] {1, 5, 9, 2, 1, 7, 2, 0}, 2, 4);
            Tensor empty = t.unconditionalLike(ids);
            assertArrayEquals(new long[] {1, 2, 0, 0, 1, 2, 0, 0}, empty.toLongArray());
            assertEquals(0.0, t.unconditional(ids).maxAbsDiff(t.encode(empty)));
            assertArrayEquals(new long[] {101, 102, 0}, EmptyPrompt.bert().ids(1, 3).toLongArray());
            assertArrayEquals(new long[] {49406, 49407, 49407, 49407}, EmptyPrompt.clip().ids(1, 4).toLongArray());
            assertArrayEquals(new long[] {4, 9, 0}, EmptyPrompt.ofIds(0, new int[] {4, 9}).ids(1, 3).toLongArray());
        }
        TransformerEmbedder noPrompt = new TransformerEmbedder(TINY, null, new Rng(8));
        assertThrows(IllegalStateException.class, () -> noPrompt.unconditionalLike(Tensor.of(new long[] {1}, 1, 1)));
        String msg = assertThrows(IllegalArgumentException.class,
                () -> new TransformerEmbedder(TINY, EmptyPrompt.bert(), new Rng(0))).getMessage();
        assertTrue(msg.contains("emptyPrompt: expected ids below vocabSize 11"), msg);
    }

    @Test
    void badIdsNameTheArgument() {
        TransformerEmbedder t = new TransformerEmbedder(TINY, null, new Rng(9));
        try (MemoryScope s = MemoryScope.open()) {
            String msg = assertThrows(IllegalArgumentException.class,
                    () -> t.encode(Tensor.of(new float[] {1, 2}, 1, 2))).getMessage();
            assertTrue(msg.startsWith("ids: expected INT64 token ids [B, N], got FLOAT32 [1, 2]"), msg);
            msg = assertThrows(IllegalArgumentException.class,
                    () -> t.encode(Tensor.of(new long[] {1, 2}, 2))).getMessage();
            assertTrue(msg.contains("ids: expected rank 2, got rank 1 [2]"), msg);
            msg = assertThrows(IllegalArgumentException.class,
                    () -> t.encode(Tensor.of(new long[7], 1, 7))).getMessage();
            assertTrue(msg.contains("ids: expected 1 to 6 positions (dim 1, max_seq_len), got 7 in [1, 7]"), msg);
            msg = assertThrows(IllegalArgumentException.class,
                    () -> t.encode(Tensor.of(new long[] {1, 11}, 1, 2))).getMessage();
            assertTrue(msg.contains("expected values in [0, 11), got 11"), msg);
            msg = assertThrows(IllegalArgumentException.class,
                    () -> t.encodeEmbeddings(Tensor.zeros(1, 2, 7))).getMessage();
            assertTrue(msg.contains("tokenEmbeddings: expected 8 features (dim 2), got 7 in [1, 2, 7]"), msg);
        }
        String msg = assertThrows(IllegalArgumentException.class,
                () -> new TransformerEmbedderConfig(8, 0, 11, 6, 2, 4, 2, 0.0)).getMessage();
        assertTrue(msg.contains("nLayer: expected a positive value, got 0"), msg);
    }

    @Test
    void bertEmbedderTokenizesCaptionsAndSharesTheKeys() {
        // a stand-in tokenizer: [CLS]=1, one id per word (length mod 8 + 3), [SEP]=2, padding 0, 6 positions
        java.util.function.Function<List<String>, Tensor> tokenizer = captions -> {
            long[] v = new long[captions.size() * 6];
            for (int b = 0; b < captions.size(); b++) {
                List<Long> ids = new ArrayList<>(List.of(1L));
                for (String w : captions.get(b).split(" ")) {
                    if (!w.isEmpty() && ids.size() < 5) {
                        ids.add(w.length() % 8 + 3L);
                    }
                }
                ids.add(2L);
                for (int i = 0; i < ids.size(); i++) {
                    v[b * 6 + i] = ids.get(i);
                }
            }
            return Tensor.of(v, captions.size(), 6);
        };
        BertEmbedder bert = new BertEmbedder(TINY, tokenizer, new Rng(10));
        assertEquals(referenceKeys(2), TestSupport.keys(bert));
        try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
            List<String> captions = List.of("a red fox", "two cats on a sofa");
            Tensor c = bert.encode(captions);
            assertArrayEquals(new long[] {2, 6, 8}, c.shape());
            assertEquals(0.0, c.maxAbsDiff(bert.encodeIds(tokenizer.apply(captions))));
            assertEquals(List.of("", ""), bert.unconditionalLike(captions));
            Tensor uc = bert.unconditional(captions);
            assertEquals(0.0, uc.maxAbsDiff(bert.encodeIds(Tensor.of(new long[] {1, 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0},
                    2, 6))));
        }
        BertEmbedder wrong = new BertEmbedder(TINY, caps -> Tensor.of(new long[] {1, 2}, 1, 2), new Rng(0));
        String msg = assertThrows(IllegalArgumentException.class, () -> wrong.encode(List.of("a", "b")))
                .getMessage();
        assertTrue(msg.contains("tokenizer output: expected 2 captions (dim 0), got 1 in [1, 2]"), msg);
    }
}
