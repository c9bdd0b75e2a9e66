package org.ldm4j.training.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldm4j.conditioning.text.EmptyPrompt;
import org.ldm4j.conditioning.text.clip.ClipTextConfig;
import org.ldm4j.conditioning.text.clip.FrozenClipEmbedder;
import org.ldm4j.conditioning.text.tokenize.ClipTokenizer;
import org.ldm4j.conditioning.text.tokenize.WordPieceVocabulary;
import org.ldm4j.core.io.Json;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.Conditioning;
import org.ldm4j.training.RecordJson;
import org.ldm4j.training.data.Box;
import org.ldm4j.training.sd.TinySd;
import org.ldm4j.unet.UNetConfig;

/** The conditioning stages: what each kind encodes (CLIP's too), condition dropout, and specs as checkpoint JSON. */
class CondStageTest {

    @Test
    void classLabelsGoToTheUNetWithTheNullClassForDroppedOnes() {
        CondStage s = CondStage.create(CondStage.Spec.classLabels(4), new Rng(0));
        assertNull(s.module());
        assertEquals(5, s.unetClasses());
        Conditioning c = s.encode(Conditions.classes(0, 3, 2), new boolean[] {false, true, false});
        assertNull(c.context());
        assertArrayEquals(new long[] {0, 4, 2}, c.labels().toLongArray());
        assertArrayEquals(new long[] {4, 4}, s.unconditional(2).labels().toLongArray());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> s.encode(Conditions.classes(4)));
        assertTrue(e.getMessage().contains("labels: expected classes in [0, 4), got 4"), e.getMessage());
    }

    @Test
    void classEmbeddingsForCrossAttentionDropToTheNullRow() {
        CondStage s = CondStage.create(CondStage.Spec.classes(3, 8), new Rng(1));
        Tensor c = s.encode(Conditions.classes(1, 2), new boolean[] {true, false}).context();
        Tensor uc = s.unconditional(1).context();
        assertArrayEquals(new long[] {2, 1, 8}, c.shape());
        assertArrayEquals(uc.toDoubleArray(), c.slice(0, 0, 1).toDoubleArray(), 0.0, "dropped = the null class");
    }

    @Test
    void clipCaptionsEncodeAndTheEmptyCaptionIsStableDiffusionsUnconditionalInput(@TempDir Path tmp)
            throws IOException {
        ClipTokenizer tok = TinySd.tokenizer(TinySd.writeTokenizer(tmp));
        ClipTextConfig shape = TinySd.config().text();
        FrozenClipEmbedder clip = new FrozenClipEmbedder(shape, EmptyPrompt.ofIds(tok.padId(), tok.encode("")),
                new Rng(5));
        CondStage s = CondStage.clip(clip, tok);
        assertEquals(CondStage.Kind.CLIP, s.kind());
        assertTrue(s.takesCaptions());
        assertEquals(CondStage.Spec.clip(shape), s.spec());
        assertEquals(32, s.contextDim());
        Tensor c = s.encode(Conditions.prompts(List.of("a red cat", "a dog")), new boolean[] {false, true}).context();
        assertArrayEquals(new long[] {2, TinySd.POSITIONS, 32}, c.shape());
        Tensor uc = s.unconditional(1).context();
        assertArrayEquals(uc.toDoubleArray(), c.slice(0, 1, 2).toDoubleArray(), 1e-6);
        Tensor ids = tok.encode(List.of("a red cat"), TinySd.POSITIONS).ids();
        assertArrayEquals(clip.encode(ids).toDoubleArray(), c.slice(0, 0, 1).toDoubleArray(), 1e-6,
                "the caption's CLIP tokens, padded with the end token to the context length");

        IllegalArgumentException noFiles = assertThrows(IllegalArgumentException.class,
                () -> CondStage.create(CondStage.Spec.clip(shape), new Rng(0)));
        assertTrue(noFiles.getMessage().contains("CondStage.clip(embedder, tokenizer)"), noFiles.getMessage());
        ClipTextConfig small = new ClipTextConfig(tok.vocabSize() - 2, 32, 1, 2, 16, 64,
                ClipTextConfig.Activation.QUICK_GELU, 1e-5);
        FrozenClipEmbedder tooSmall = new FrozenClipEmbedder(small, EmptyPrompt.of(0, 0), new Rng(0));
        IllegalArgumentException vocab = assertThrows(IllegalArgumentException.class,
                () -> CondStage.clip(tooSmall, tok));
        assertTrue(vocab.getMessage().contains("do not fit the text encoder's"), vocab.getMessage());
    }

    @Test
    void captionsEncodeAndTheEmptyCaptionIsTheUnconditionalInput() {
        WordPieceVocabulary v = WordPieceVocabulary.build(List.of("a red circle", "a blue square at the top"), 40);
        CondStage s = CondStage.create(CondStage.Spec.text(v, 32, 1, 1, 8), new Rng(2));
        Tensor c = s.encode(Conditions.prompts(List.of("a red circle", "a blue square")), new boolean[] {false, true})
                .context();
        assertArrayEquals(new long[] {2, 8, 32}, c.shape());
        Tensor uc = s.unconditional(1).context();
        assertArrayEquals(uc.toDoubleArray(), c.slice(0, 1, 2).toDoubleArray(), 1e-6);
        Tensor other = s.encode(Conditions.prompts(List.of("a blue square"))).context();
        assertTrue(maxDiff(other, c.slice(0, 0, 1)) > 1e-4, "different captions, different encodings");
    }

    @Test
    void layoutsEncodeAndRefuseUnknownClasses() {
        CondStage s = CondStage.create(CondStage.Spec.layout(3, 4, 16, 32, 1, 1), new Rng(3));
        List<List<Box>> l = List.of(List.of(new Box(2, 0.1, 0.1, 0.5, 0.5)), List.of());
        assertArrayEquals(new long[] {2, 20, 32}, s.encode(Conditions.layouts(l)).context().shape());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> s.encode(Conditions.layouts(List.of(List.of(new Box(3, 0.1, 0.1, 0.5, 0.5))))));
        assertTrue(e.getMessage().contains("box classes in [0, 3)"), e.getMessage());
    }

    @Test
    @SuppressWarnings("unchecked")
    void specsAndConfigsRoundTripThroughCheckpointJsonWithNamedErrors() throws Exception {
        WordPieceVocabulary v = WordPieceVocabulary.build(List.of("a red circle"), 30);
        for (CondStage.Spec spec : List.of(CondStage.Spec.none(), CondStage.Spec.classLabels(9),
                CondStage.Spec.classes(9, 16), CondStage.Spec.text(v, 32, 2, 1, 16),
                CondStage.Spec.layout(6, 8, 32, 32, 2, 1))) {
            Map<String, Object> back = (Map<String, Object>) Json.parse(Json.write(RecordJson.toMap(spec)));
            assertEquals(spec, RecordJson.fromMap(CondStage.Spec.class, back, "cond"));
        }
        UNetConfig u = UNetConfig.builder().modelChannels(32).channelMult(1, 2).numHeads(2).numClasses(5).build();
        Map<String, Object> m = (Map<String, Object>) Json.parse(Json.write(RecordJson.toMap(u)));
        assertEquals(u, RecordJson.fromMap(UNetConfig.class, m, "unet"));
        m.put("modelChannels", "wide");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RecordJson.fromMap(UNetConfig.class, m, "unet"));
        assertEquals("unet.modelChannels: expected an integer, got \"wide\"", e.getMessage());
        m.remove("modelChannels");
        e = assertThrows(IllegalArgumentException.class, () -> RecordJson.fromMap(UNetConfig.class, m, "unet"));
        assertEquals("unet.modelChannels: expected a value, got none", e.getMessage());
    }

    private static double maxDiff(Tensor a, Tensor b) {
        double[] x = a.toDoubleArray();
        double[] y = b.toDoubleArray();
        double m = 0;
        for (int i = 0; i < x.length; i++) {
            m = Math.max(m, Math.abs(x[i] - y[i]));
        }
        return m;
    }
}
