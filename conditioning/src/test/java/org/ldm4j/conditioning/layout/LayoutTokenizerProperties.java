package org.ldm4j.conditioning.layout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/**
 * Properties of both schemes over random tokenizers (vocabulary, classes, maximum objects, crop, truncation) and
 * random layouts of up to a few objects more than the maximum, with coordinates drawn both anywhere in [0, 1]
 * and on grid points and bin edges: sequences always have the fixed length, tokens lie in the vocabulary,
 * tokenization is deterministic, and decoding recovers the class ids exactly and every coordinate within half a
 * grid cell (the brief asks for one; the quantisation guarantees half).
 */
class LayoutTokenizerProperties {

    /** A tokenizer and a layout it accepts (class ids below its classes; a crop only if it encodes crops). */
    record Case(LayoutTokenizer tokenizer, Layout layout) {
    }

    @Provide
    Arbitrary<LayoutTokenizer> tokenizers() {
        Arbitrary<LayoutTokenizer> corners = Combinators.combine(
                        Arbitraries.integers().between(5, 20_000).filter(v -> !isSquare(v)),
                        Arbitraries.doubles().between(0, 1),
                        Arbitraries.integers().between(1, 8),
                        Arbitraries.of(true, false),
                        Arbitraries.of(true, false))
                .as((v, f, max, crop, trunc) -> LayoutTokenizer.cornerPairs(1 + (int) (f * (v - 2)), max, v, crop)
                        .withTruncation(trunc));
        Arbitrary<LayoutTokenizer> bins = Combinators.combine(
                        Arbitraries.integers().between(1, 700),
                        Arbitraries.integers().between(1, 8),
                        Arbitraries.integers().between(2, 128),
                        Arbitraries.of(true, false))
                .as((c, max, n, trunc) -> LayoutTokenizer.separateCoordinates(c, max, n).withTruncation(trunc));
        return Arbitraries.oneOf(corners, bins, Arbitraries.of(LayoutTokenizer.openImages(601)));
    }

    static boolean isSquare(int v) {
        int s = (int) Math.sqrt(v);
        return s * s == v || (s + 1) * (s + 1) == v;
    }

    /** Anywhere in [0, 1] (jqwik adds 0 and 1 as edge cases), or exactly on a fine dyadic grid. */
    static Arbitrary<Double> coordinates() {
        return Arbitraries.oneOf(Arbitraries.doubles().between(0, 1),
                Arbitraries.integers().between(0, 64).map(k -> k / 64.0));
    }

    static Arbitrary<Box> boxes(int classes) {
        return Combinators.combine(Arbitraries.integers().between(0, classes - 1), coordinates(), coordinates(),
                        coordinates(), coordinates())
                .as((c, a, b, d, e) -> new Box(c, Math.min(a, b), Math.min(d, e), Math.max(a, b), Math.max(d, e)));
    }

    static Arbitrary<Layout.Crop> crops() {
        return Combinators.combine(coordinates(), coordinates(), coordinates(), coordinates())
                .as((a, b, d, e) -> new Layout.Crop(Math.min(a, b), Math.min(d, e), Math.max(a, b), Math.max(d, e)));
    }

    @Provide
    Arbitrary<Case> cases() {
        return tokenizers().flatMap(t -> {
            int most = t.maxObjects() + (t.truncates() ? 4 : 0);
            Arbitrary<List<Box>> objects = boxes(t.classes()).list().ofMaxSize(most);
            Arbitrary<Layout.Crop> crop = t.encodesCrop() ? crops() : Arbitraries.just(Layout.Crop.FULL);
            return Combinators.combine(objects, crop).as((o, c) -> new Case(t, new Layout(o, c)));
        });
    }

    @Property(tries = 400)
    void sequencesHaveTheFixedLengthAndTokensLieInTheVocabulary(@ForAll("cases") Case c) {
        LayoutTokenizer t = c.tokenizer();
        long[] ids = t.tokenize(c.layout());
        assertEquals(t.sequenceLength(), ids.length);
        assertEquals(t.maxObjects() * t.tokensPerObject() + (t.encodesCrop() ? 2 : 0), ids.length);
        for (long id : ids) {
            assertTrue(id >= 0 && id < t.vocabSize(), () -> t + ": token " + id + " outside [0, " + t.vocabSize()
                    + ")");
        }
        // objects first, then padding objects: exactly min(n, maxObjects) leading class tokens are not padding
        int kept = Math.min(c.layout().objects().size(), t.maxObjects());
        for (int i = 0; i < t.maxObjects(); i++) {
            long first = ids[i * t.tokensPerObject()];
            if (i < kept) {
                assertEquals(c.layout().objects().get(i).classId(), first);
            } else {
                for (int k = 0; k < t.tokensPerObject(); k++) {
                    assertEquals(t.padToken(), ids[i * t.tokensPerObject() + k]);
                }
            }
        }
    }

    @Property(tries = 200)
    void tokenizationIsDeterministic(@ForAll("cases") Case c) {
        LayoutTokenizer t = c.tokenizer();
        long[] once = t.tokenize(c.layout());
        assertArrayEquals(once, t.tokenize(c.layout()));
        // an equal layout built afresh, and a fresh tokenizer of the same settings, agree
        Layout copy = new Layout(List.copyOf(c.layout().objects()), c.layout().crop());
        assertArrayEquals(once, t.withTruncation(t.truncates()).tokenize(copy));
        // the batch form is the rows stacked
        try (MemoryScope s = MemoryScope.open()) {
            Tensor batch = t.tokenize(List.of(c.layout(), Layout.of(), c.layout()));
            assertArrayEquals(new long[] {3, t.sequenceLength()}, batch.shape());
            long[] all = batch.toLongArray();
            int n = t.sequenceLength();
            assertArrayEquals(once, java.util.Arrays.copyOfRange(all, 0, n));
            assertArrayEquals(t.tokenize(Layout.of()), java.util.Arrays.copyOfRange(all, n, 2 * n));
            assertArrayEquals(once, java.util.Arrays.copyOfRange(all, 2 * n, 3 * n));
        }
    }

    @Property(tries = 400)
    void decodeRecoversClassesExactlyAndBoxesWithinHalfACell(@ForAll("cases") Case c) {
        LayoutTokenizer t = c.tokenizer();
        Layout in = c.layout();
        Layout out = t.decode(t.tokenize(in));
        int kept = Math.min(in.objects().size(), t.maxObjects());
        assertEquals(kept, out.objects().size());
        double tol = t.cellSize() / 2 + 1e-9;
        for (int i = 0; i < kept; i++) {
            Box a = in.objects().get(i);
            Box b = out.objects().get(i);
            assertEquals(a.classId(), b.classId());
            assertClose(new double[] {a.x0(), a.y0(), a.x1(), a.y1()},
                    new double[] {b.x0(), b.y0(), b.x1(), b.y1()}, tol, t + ": " + a + " -> " + b);
        }
        Layout.Crop ca = in.crop();
        Layout.Crop cb = out.crop();
        assertClose(new double[] {ca.x0(), ca.y0(), ca.x1(), ca.y1()},
                new double[] {cb.x0(), cb.y0(), cb.x1(), cb.y1()}, t.encodesCrop() ? tol : 0, t + ": " + ca + " -> "
                        + cb);
    }

    @Property(tries = 300)
    void decodedLayoutsAreFixedPointsOfTheQuantisation(@ForAll("cases") Case c) {
        LayoutTokenizer t = c.tokenizer();
        long[] ids = t.tokenize(c.layout());
        Layout decoded = t.decode(ids);
        assertArrayEquals(ids, t.tokenize(decoded));
        assertEquals(decoded, t.decode(t.tokenize(decoded)));
    }

    @Property(tries = 200)
    void onlyTruncatingTokenizersAcceptTooManyObjects(@ForAll("tokenizers") LayoutTokenizer t) {
        Box whole = new Box(0, 0, 0, 1, 1);
        Layout tooMany = new Layout(java.util.Collections.nCopies(t.maxObjects() + 1, whole), Layout.Crop.FULL);
        Layout full = new Layout(java.util.Collections.nCopies(t.maxObjects(), whole), Layout.Crop.FULL);
        if (t.truncates()) {
            assertArrayEquals(t.tokenize(full), t.tokenize(tooMany));
        } else {
            String msg = assertThrows(IllegalArgumentException.class, () -> t.tokenize(tooMany)).getMessage();
            assertTrue(msg.contains("expected at most " + t.maxObjects() + " objects, got " + (t.maxObjects() + 1)),
                    msg);
        }
    }

    static void assertClose(double[] expected, double[] actual, double tol, String what) {
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Math.abs(expected[i] - actual[i]) <= tol, what + " (coordinate " + i + ", tolerance " + tol
                    + ")");
        }
    }
}
