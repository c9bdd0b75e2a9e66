package org.ldm4j.conditioning.layout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.ldm4j.conditioning.Conditioner;
import org.ldm4j.conditioning.TestSupport;
import org.ldm4j.conditioning.text.TransformerEmbedder;
import org.ldm4j.conditioning.text.TransformerEmbedderConfig;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/**
 * The layout encoder: shapes, the reference's BERTEmbedder keys (and loading a TransformerEmbedder's weights),
 * the unconditional input, a float64 finite-difference check of every trainable parameter tensor, and that encodings
 * tell layouts apart exactly when their tokens differ.
 */
class LayoutEncoderTest {
    /** 3 classes, 2 objects, 4 bins: vocabulary 8, 10 tokens. */
    static final LayoutTokenizer BINS = LayoutTokenizer.separateCoordinates(3, 2, 4);
    /** V = 10: a 3 x 3 grid, pad 9, 2 objects + crop = 8 tokens. */
    static final LayoutTokenizer CORNERS = LayoutTokenizer.cornerPairs(4, 2, 10, true);
    /** D 8, one (attention, feed-forward) pair, 10 tokens, 10 positions, 2 heads of 4, feed-forward 2x. */
    static final TransformerEmbedderConfig TINY = new TransformerEmbedderConfig(8, 1, 10, 10, 2, 4, 2, 0.0);

    static final Layout A = Layout.of(new Box(1, 0.1, 0.2, 0.6, 0.9), new Box(2, 0.5, 0.0, 1.0, 0.4));
    static final Layout B = Layout.of(new Box(0, 0.0, 0.5, 0.3, 1.0));

    static LayoutEncoder encoder(LayoutTokenizer t, long seed) {
        return new LayoutEncoder(t, TINY, new Rng(seed));
    }

    @Test
    void shapesKindAndOutputDim() {
        for (LayoutTokenizer t : List.of(BINS, CORNERS)) {
            LayoutEncoder enc = encoder(t, 0);
            assertSame(t, enc.tokenizer());
            assertEquals(TINY, enc.config());
            assertEquals(Conditioner.Kind.TOKENS, enc.kind());
            assertEquals(8, enc.outputDim());
            try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
                Tensor c = enc.encode(List.of(A, B, Layout.of()));
                assertArrayEquals(new long[] {3, t.sequenceLength(), 8}, c.shape());
                Tensor ids = t.tokenize(List.of(A, B, Layout.of()));
                assertEquals(0.0, c.maxAbsDiff(enc.encodeTokens(ids)));
                // encodeEmbeddings starts after the token table: feeding it the looked-up rows gives the same
                Tensor table = enc.stateDict().get("transformer.token_emb.weight");
                long[] idv = ids.toLongArray();
                Tensor[] rows = new Tensor[idv.length];
                for (int i = 0; i < idv.length; i++) {
                    rows[i] = table.slice(0, idv[i], idv[i] + 1);
                }
                Tensor looked = org.ldm4j.core.autograd.ShapeOps.concat(0, rows).reshape(3, t.sequenceLength(), 8);
                assertTrue(enc.encodeEmbeddings(looked).maxAbsDiff(c) < 1e-6);
                for (double v : c.toDoubleArray()) {
                    assertTrue(Double.isFinite(v));
                }
            }
        }
    }

    @Test
    void theOpenImagesPresetsFitTogether() {
        // the reference's layout2img-openimages256 pairing, checked without building the 16-layer transformer
        LayoutTokenizer t = LayoutTokenizer.openImages(601);
        TransformerEmbedderConfig c = TransformerEmbedderConfig.layout2imgOpenImages();
        assertEquals(t.vocabSize(), c.vocabSize());
        assertEquals(t.sequenceLength(), c.maxSeqLen());
    }

    @Test
    void keysAreTheReferenceBertEmbeddersAndItsWeightsLoad() {
        LayoutEncoder enc = encoder(BINS, 1);
        String a = "transformer.attn_layers.layers.0.";
        String f = "transformer.attn_layers.layers.1.";
        assertEquals(List.of(
                "transformer.token_emb.weight",
                "transformer.pos_emb.emb.weight",
                a + "0.weight", a + "0.bias",
                a + "1.to_q.weight", a + "1.to_k.weight", a + "1.to_v.weight", a + "1.to_out.weight",
                a + "1.to_out.bias",
                f + "0.weight", f + "0.bias",
                f + "1.net.0.0.weight", f + "1.net.0.0.bias", f + "1.net.2.weight", f + "1.net.2.bias",
                "transformer.norm.weight", "transformer.norm.bias",
                "transformer.to_logits.weight", "transformer.to_logits.bias"), TestSupport.keys(enc));
        assertArrayEquals(new long[] {10, 8}, enc.stateDict().get("transformer.token_emb.weight").shape());
        assertArrayEquals(new long[] {10, 8}, enc.stateDict().get("transformer.pos_emb.emb.weight").shape());
        assertEquals(TINY.parameterCount(), enc.parameterCount());
        assertEquals(enc.namedParameters().size() - 2, enc.trainableParameters().size());

        // a reference checkpoint's cond_stage_model.* (BERTEmbedder, use_tokenizer false) has the same keys: the
        // weights of a TransformerEmbedder load strictly and give the same encoding of the same tokens
        TransformerEmbedder text = new TransformerEmbedder(TINY, null, new Rng(2));
        enc.load(text.stateDict());
        try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
            Tensor ids = BINS.tokenize(List.of(A, B));
            assertEquals(0.0, enc.encodeTokens(ids).maxAbsDiff(text.encode(ids)));
        }
    }

    @Test
    void unconditionalIsTheEmptyLayout() {
        LayoutEncoder enc = encoder(CORNERS, 3);
        List<Layout> layouts = List.of(A, B);
        assertEquals(List.of(Layout.of(), Layout.of()), enc.unconditionalLike(layouts));
        try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
            Tensor uc = enc.unconditional(layouts);
            assertArrayEquals(new long[] {2, 8, 8}, uc.shape());
            // padding objects, then the whole-image crop (0, 0) -> 0, (1, 1) -> 2 * 3 + 2 = 8
            Tensor padded = Tensor.of(new long[] {9, 9, 9, 9, 9, 9, 0, 8, 9, 9, 9, 9, 9, 9, 0, 8}, 2, 8);
            assertEquals(0.0, uc.maxAbsDiff(enc.encodeTokens(padded)));
            assertTrue(uc.maxAbsDiff(enc.encode(layouts)) > 1e-3);
        }
        assertThrows(IllegalArgumentException.class, () -> enc.unconditionalLike(List.of()));
    }

    @Test
    void gradientsOfEveryTrainableParameterInDoublePrecision() {
        // the scheme only changes which token ids come in, so one tokenizer suffices: the corner pairs, whose batch
        // below holds class, corner, padding and crop tokens (the input side is covered by the text tests)
        LayoutEncoder enc = TestSupport.prepared(encoder(CORNERS, 4), 5);
        Map<String, Tensor> params = enc.trainableParameters();
        assertEquals(17, params.size());
        Layout c = new Layout(List.of(new Box(3, 0.5, 0.5, 1, 1)), new Layout.Crop(0, 0.5, 0.5, 1));
        List<Layout> layouts = List.of(A, c);
        try (MemoryScope s = MemoryScope.open()) {
            checkEveryParameter(() -> enc.encode(layouts), params, 9);
        }
    }

    /**
     * Central differences of {@code sum(f() * r)} against the analytic gradient for every parameter tensor, at
     * its element of largest analytic gradient (never a trivially zero one, such as an unused token's row), and
     * for the lookup tables ({@code *_emb*}, where a wrong row would go unnoticed at the largest element alone)
     * at one random element too: one backward pass and two forward passes per element checked, where a full
     * check would need two per parameter.
     */
    static void checkEveryParameter(Supplier<Tensor> f, Map<String, Tensor> params, long seed) {
        double eps = 1e-6;
        for (Tensor p : params.values()) {
            assertEquals(DType.FLOAT64, p.dtype());
            p.zeroGrad();
        }
        Tensor r;
        try (GradMode.Scope g = GradMode.disabled()) {
            r = new Rng(12345).normal(DType.FLOAT64, f.get().shape());
        }
        f.get().mul(r).sum().backward();
        Rng rng = new Rng(seed);
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            Tensor p = e.getValue();
            assertNotNull(p.grad(), e.getKey() + " received no gradient");
            double[] grad = p.grad().toDoubleArray();
            int largest = 0;
            for (int i = 1; i < grad.length; i++) {
                if (Math.abs(grad[i]) > Math.abs(grad[largest])) {
                    largest = i;
                }
            }
            assertTrue(Math.abs(grad[largest]) > 1e-8, e.getKey() + ": an all-zero gradient");
            int[] elements = e.getKey().contains("_emb")
                    ? new int[] {largest, (int) rng.nextLong(grad.length)}
                    : new int[] {largest};
            for (int i : elements) {
                double[] values = p.toDoubleArray();
                double orig = values[i];
                values[i] = orig + eps;
                set(p, values);
                double plus = objective(f, r);
                values[i] = orig - eps;
                set(p, values);
                double minus = objective(f, r);
                values[i] = orig;
                set(p, values);
                double numeric = (plus - minus) / (2 * eps);
                assertTrue(Math.abs(grad[i] - numeric) <= 1e-6 + 1e-5 * Math.abs(numeric),
                        String.format("gradient of %s at flat index %d: analytic %.10g, numeric %.10g", e.getKey(), i,
                                grad[i], numeric));
            }
        }
    }

    private static void set(Tensor p, double[] values) {
        try (GradMode.Scope g = GradMode.disabled(); MemoryScope s = MemoryScope.open()) {
            p.assign(Tensor.of(values, p.shape()));
        }
    }

    private static double objective(Supplier<Tensor> f, Tensor r) {
        try (GradMode.Scope g = GradMode.disabled(); MemoryScope s = MemoryScope.open()) {
            return f.get().mul(r).sum().item();
        }
    }

    @Test
    void encodingsDifferExactlyWhenTheTokensDiffer() {
        LayoutEncoder enc = encoder(CORNERS, 7);
        try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
            Tensor a = enc.encode(List.of(A));
            // identical layouts, and layouts that quantise to the same tokens, encode identically
            assertEquals(0.0, a.maxAbsDiff(enc.encode(List.of(Layout.of(new Box(1, 0.1, 0.2, 0.6, 0.9),
                    new Box(2, 0.5, 0.0, 1.0, 0.4))))));
            Layout nudged = Layout.of(new Box(1, 0.11, 0.19, 0.61, 0.89), new Box(2, 0.5, 0.01, 0.99, 0.4));
            assertArrayEquals(CORNERS.tokenize(A), CORNERS.tokenize(nudged));
            assertEquals(0.0, a.maxAbsDiff(enc.encode(List.of(nudged))));
            // in a batch, each row is its layout's own encoding
            Tensor batch = enc.encode(List.of(B, A, A));
            assertTrue(batch.slice(0, 1, 2).maxAbsDiff(a) < 1e-6);
            assertTrue(batch.slice(0, 2, 3).maxAbsDiff(batch.slice(0, 1, 2)) < 1e-6);
            assertTrue(batch.slice(0, 0, 1).maxAbsDiff(enc.encode(List.of(B))) < 1e-6);

            // any change of the tokens changes the encoding: another layout, a class, a corner, the order of
            // the objects, the crop
            List<Layout> others = List.of(B,
                    Layout.of(new Box(3, 0.1, 0.2, 0.6, 0.9), new Box(2, 0.5, 0.0, 1.0, 0.4)),
                    Layout.of(new Box(1, 0.1, 0.2, 0.6, 0.9), new Box(2, 0.5, 0.0, 1.0, 1.0)),
                    Layout.of(new Box(2, 0.5, 0.0, 1.0, 0.4), new Box(1, 0.1, 0.2, 0.6, 0.9)),
                    new Layout(A.objects(), new Layout.Crop(0, 0, 0.5, 1)),
                    Layout.of(new Box(1, 0.1, 0.2, 0.6, 0.9)));
            for (Layout o : others) {
                assertTrue(enc.encode(List.of(o)).maxAbsDiff(a) > 1e-3, () -> o + " encodes as " + A);
            }
        }
    }

    @Test
    void badArgumentsNameTheProblem() {
        LayoutTokenizer big = LayoutTokenizer.separateCoordinates(5, 2, 6);         // vocabulary 12
        String msg = assertThrows(IllegalArgumentException.class, () -> new LayoutEncoder(big, TINY, new Rng(0)))
                .getMessage();
        assertTrue(msg.contains("config: expected vocabSize >= 12 (the tokenizer's), got 10"), msg);
        LayoutTokenizer longer = LayoutTokenizer.cornerPairs(4, 3, 10, true);        // 11 tokens
        msg = assertThrows(IllegalArgumentException.class, () -> new LayoutEncoder(longer, TINY, new Rng(0)))
                .getMessage();
        assertTrue(msg.contains("config: expected maxSeqLen >= 11 (the tokenizer's sequence length), got 10"), msg);
        msg = assertThrows(IllegalArgumentException.class, () -> new LayoutEncoder(null, TINY, new Rng(0)))
                .getMessage();
        assertTrue(msg.startsWith("tokenizer, config: expected both"), msg);

        LayoutEncoder enc = encoder(BINS, 8);
        try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
            msg = assertThrows(IllegalArgumentException.class,
                    () -> enc.encode(List.of(A, Layout.of(new Box(3, 0, 0, 1, 1))))).getMessage();
            assertTrue(msg.contains("layouts[1]: objects[0].classId: expected a class id in [0, 3), got 3"), msg);
            msg = assertThrows(IllegalArgumentException.class, () -> enc.encode(List.of())).getMessage();
            assertTrue(msg.contains("layouts: expected at least one layout, got an empty list"), msg);
            msg = assertThrows(IllegalArgumentException.class,
                    () -> enc.encode(List.of(new Layout(A.objects(), new Layout.Crop(0, 0, 0.5, 1))))).getMessage();
            assertTrue(msg.contains("layouts[0]: layout: expected the whole-image crop"), msg);
        }
    }
}
