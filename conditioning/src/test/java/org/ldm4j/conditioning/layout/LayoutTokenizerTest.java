package org.ldm4j.conditioning.layout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/**
 * Known answers of both tokenization schemes computed by hand (and checked against Python's half-to-even
 * {@code round}, which the reference's {@code tokenize_coordinates} uses), the round trip, padding, truncation,
 * the empty layout, the crop helpers, and the error messages for bad input.
 */
class LayoutTokenizerTest {
    /** V = 26: s = floor(sqrt(26)) = 5 sections per axis, grid points 0, .25, .5, .75, 1; pad 25; 3 * 3 + 2. */
    static final LayoutTokenizer CORNERS = LayoutTokenizer.cornerPairs(10, 3, 26, true);
    /** 4 classes [0, 4), 4 bins [4, 8), pad 8; 2 * 5 tokens. */
    static final LayoutTokenizer BINS = LayoutTokenizer.separateCoordinates(4, 2, 4);

    static String message(Executable e) {
        return assertThrows(IllegalArgumentException.class, e).getMessage();
    }

    static void assertMessage(String expectedPart, Executable e) {
        String msg = message(e);
        assertTrue(msg.contains(expectedPart), () -> "expected \"" + expectedPart + "\" in: " + msg);
    }

    // ---------------------------------------------------------------- sizes

    @Test
    void sizesOfBothSchemesAndTheOpenImagesPreset() {
        assertEquals(LayoutTokenizer.Scheme.CORNER_PAIRS, CORNERS.scheme());
        assertEquals(5, CORNERS.gridSize());
        assertEquals(26, CORNERS.vocabSize());
        assertEquals(25, CORNERS.padToken());
        assertEquals(3, CORNERS.tokensPerObject());
        assertEquals(11, CORNERS.sequenceLength());
        assertEquals(0.25, CORNERS.cellSize());
        assertTrue(CORNERS.encodesCrop());

        assertEquals(LayoutTokenizer.Scheme.SEPARATE_COORDINATES, BINS.scheme());
        assertEquals(4, BINS.gridSize());
        assertEquals(9, BINS.vocabSize());
        assertEquals(8, BINS.padToken());
        assertEquals(5, BINS.tokensPerObject());
        assertEquals(10, BINS.sequenceLength());
        assertEquals(0.25, BINS.cellSize());
        assertTrue(!BINS.encodesCrop());

        // taming-transformers' open_images_scene_images_transformer.yaml / layout2img-openimages256:
        // no_tokens 8192, 30 objects, encode_crop: embedding_dim 92 = the BERTEmbedder's max_seq_len
        LayoutTokenizer oi = LayoutTokenizer.openImages(601);
        assertEquals(90, oi.gridSize());
        assertEquals(8192, oi.vocabSize());
        assertEquals(8191, oi.padToken());
        assertEquals(92, oi.sequenceLength());
        assertEquals(30, oi.maxObjects());
        assertEquals(601, oi.classes());
        assertTrue(!oi.truncates());
    }

    // ---------------------------------------------------------------- known answers

    @Test
    void cornerPairsKnownAnswers() {
        // whole image: corners (0, 0) -> 0 and (1, 1) -> 4 * 5 + 4 = 24
        assertArrayEquals(new long[] {3, 0, 24}, objectTokens(CORNERS, new Box(3, 0, 0, 1, 1)));
        // a point box at the centre: round(0.5 * 4) = 2 on both axes -> 2 * 5 + 2 = 12
        assertArrayEquals(new long[] {7, 12, 12}, objectTokens(CORNERS, new Box(7, 0.5, 0.5, 0.5, 0.5)));
        // half-way between grid points, half to even as Python's round: x 1.5 -> 2, y 0.5 -> 0 (token 2);
        // x 2.5 -> 2, y 3.5 -> 4 (token 4 * 5 + 2 = 22)
        assertArrayEquals(new long[] {2, 2, 22}, objectTokens(CORNERS, new Box(2, 0.375, 0.125, 0.625, 0.875)));
        // image corners: top-right (x 3.6 -> 4, y 0) and (1, 0.4 -> 0) both token 4; bottom-left both 20
        assertArrayEquals(new long[] {1, 4, 4}, objectTokens(CORNERS, new Box(1, 0.9, 0, 1, 0.1)));
        assertArrayEquals(new long[] {0, 20, 20}, objectTokens(CORNERS, new Box(0, 0, 0.9, 0.1, 1)));
        // boxes on the grid: exact grid points map to themselves
        assertArrayEquals(new long[] {9, 5 + 1, 3 * 5 + 3}, objectTokens(CORNERS, new Box(9, 0.25, 0.25, 0.75, 0.75)));

        // a full sequence: two objects, one padding object, then the whole-image crop (0, 24)
        Layout two = Layout.of(new Box(3, 0, 0, 1, 1), new Box(7, 0.5, 0.5, 0.5, 0.5));
        assertArrayEquals(new long[] {3, 0, 24, 7, 12, 12, 25, 25, 25, 0, 24}, CORNERS.tokenize(two));
        // a crop of the middle columns: (0.25, 0) -> 1, (0.75, 1) -> 4 * 5 + 3 = 23
        Layout cropped = new Layout(two.objects(), new Layout.Crop(0.25, 0, 0.75, 1));
        assertArrayEquals(new long[] {3, 0, 24, 7, 12, 12, 25, 25, 25, 1, 23}, CORNERS.tokenize(cropped));
    }

    @Test
    void theOpenImagesExampleOfTheClassComment() {
        LayoutTokenizer oi = LayoutTokenizer.openImages(601);
        long[] t = oi.tokenize(Layout.of(new Box(5, 0.1, 0.2, 0.5, 0.9)));
        // round(0.2 * 89) * 90 + round(0.1 * 89) = 18 * 90 + 9; round(0.9 * 89) * 90 + round(0.5 * 89) = 80 * 90 + 44
        // (44.5 rounds to even)
        assertArrayEquals(new long[] {5, 1629, 7244}, Arrays.copyOf(t, 3));
        for (int i = 3; i < 90; i++) {
            assertEquals(8191, t[i], "padding at " + i);
        }
        assertEquals(0, t[90]);
        assertEquals(89 * 90 + 89, t[91]);       // (1, 1) -> 8099
    }

    @Test
    void separateCoordinatesKnownAnswers() {
        // bins floor(4 v), clamped to 3, after the 4 class tokens
        assertArrayEquals(new long[] {1, 4, 5, 6, 7}, objectTokens(BINS, new Box(1, 0, 0.25, 0.5, 1)));
        // on the grid edges: 0.25 opens bin 1, just below stays in bin 0; 1.0 is in the last bin, as is 0.999
        assertArrayEquals(new long[] {2, 4, 5, 6, 7}, objectTokens(BINS, new Box(2, 0.2499, 0.25, 0.7499, 0.999)));
        assertArrayEquals(new long[] {3, 7, 7, 7, 7}, objectTokens(BINS, new Box(3, 0.75, 0.75, 1, 1)));
        assertArrayEquals(new long[] {0, 4, 4, 4, 4}, objectTokens(BINS, new Box(0, 0, 0, 0, 0)));
        assertArrayEquals(new long[] {1, 4, 5, 6, 7, 8, 8, 8, 8, 8},
                BINS.tokenize(Layout.of(new Box(1, 0, 0.25, 0.5, 1))));
    }

    /** The first object's tokens of a one-object layout. */
    static long[] objectTokens(LayoutTokenizer t, Box b) {
        return Arrays.copyOf(t.tokenize(Layout.of(b)), t.tokensPerObject());
    }

    @Test
    void batchTokenizationIsTheRowsStacked() {
        Layout a = Layout.of(new Box(3, 0, 0, 1, 1));
        Layout b = Layout.of(new Box(1, 0.9, 0, 1, 0.1), new Box(0, 0, 0.9, 0.1, 1), new Box(2, 0.5, 0.5, 0.5, 0.5));
        try (MemoryScope s = MemoryScope.open()) {
            Tensor ids = CORNERS.tokenize(List.of(a, b));
            assertArrayEquals(new long[] {2, 11}, ids.shape());
            long[] expected = new long[22];
            System.arraycopy(CORNERS.tokenize(a), 0, expected, 0, 11);
            System.arraycopy(CORNERS.tokenize(b), 0, expected, 11, 11);
            assertArrayEquals(expected, ids.toLongArray());
            assertEquals(List.of(CORNERS.decode(CORNERS.tokenize(a)), CORNERS.decode(CORNERS.tokenize(b))),
                    CORNERS.decode(ids));
        }
    }

    // ---------------------------------------------------------------- padding, truncation, empty

    @Test
    void emptyLayoutIsAllPaddingWithTheWholeImageCrop() {
        assertArrayEquals(new long[] {25, 25, 25, 25, 25, 25, 25, 25, 25, 0, 24}, CORNERS.tokenize(Layout.of()));
        assertArrayEquals(new long[] {8, 8, 8, 8, 8, 8, 8, 8, 8, 8}, BINS.tokenize(Layout.of()));
        assertEquals(Layout.of(), CORNERS.decode(CORNERS.tokenize(Layout.of())));
        assertEquals(Layout.of(), BINS.decode(BINS.tokenize(Layout.of())));
        // and it is what the encoder pairs with a condition for guidance
        LayoutEncoder enc = new LayoutEncoder(BINS, new org.ldm4j.conditioning.text.TransformerEmbedderConfig(
                8, 1, 9, 10, 2, 4, 2, 0.0), new org.ldm4j.core.random.Rng(0));
        assertEquals(List.of(Layout.of(), Layout.of()),
                enc.unconditionalLike(List.of(Layout.of(new Box(1, 0, 0, 1, 1)), Layout.of())));
    }

    @Test
    void shortLayoutsArePaddedAtTheEnd() {
        for (int n = 0; n <= 3; n++) {
            List<Box> boxes = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                boxes.add(new Box(i, 0, 0, 1, 1));
            }
            long[] t = CORNERS.tokenize(new Layout(boxes, Layout.Crop.FULL));
            assertEquals(11, t.length);
            for (int i = 0; i < 9; i++) {
                long expected = i < 3 * n ? (i % 3 == 0 ? i / 3 : (i % 3 == 1 ? 0 : 24)) : 25;
                assertEquals(expected, t[i], "n = " + n + ", token " + i);
            }
            assertEquals(n, CORNERS.decode(t).objects().size());
        }
    }

    @Test
    void longLayoutsAreRejectedOrTruncatedToTheFirstObjects() {
        Layout five = Layout.of(new Box(0, 0, 0, 1, 1), new Box(1, 0, 0, 0.5, 0.5), new Box(2, 0.5, 0.5, 1, 1),
                new Box(3, 0, 0, 0.25, 0.25), new Box(4, 0.75, 0.75, 1, 1));
        assertMessage("layout: expected at most 3 objects, got 5", () -> CORNERS.tokenize(five));
        assertMessage("withTruncation(true)", () -> CORNERS.tokenize(five));

        LayoutTokenizer truncating = CORNERS.withTruncation(true);
        assertTrue(truncating.truncates());
        assertEquals(11, truncating.sequenceLength());
        long[] t = truncating.tokenize(five);
        assertArrayEquals(new long[] {0, 0, 24, 1, 0, 12, 2, 12, 24, 0, 24}, t);
        assertArrayEquals(truncating.tokenize(new Layout(five.objects().subList(0, 3), Layout.Crop.FULL)), t);
        assertEquals(List.of(0, 1, 2), truncating.decode(t).objects().stream().map(Box::classId).toList());
        // exactly maxObjects is fine either way, and the copy leaves the original as it was
        assertArrayEquals(t, CORNERS.tokenize(new Layout(five.objects().subList(0, 3), Layout.Crop.FULL)));
        assertTrue(!CORNERS.truncates());
        assertTrue(!truncating.withTruncation(false).truncates());
        assertArrayEquals(new long[] {0, 4, 4, 7, 7, 1, 4, 4, 6, 6}, BINS.withTruncation(true).tokenize(five));
    }

    // ---------------------------------------------------------------- decoding

    @Test
    void decodingPutsCornersOnGridPointsAndCoordinatesAtBinCentres() {
        Layout corners = CORNERS.decode(new long[] {2, 2, 22, 25, 25, 25, 7, 12, 12, 1, 23});
        assertEquals(List.of(new Box(2, 0.5, 0, 0.5, 1), new Box(7, 0.5, 0.5, 0.5, 0.5)), corners.objects());
        assertEquals(new Layout.Crop(0.25, 0, 0.75, 1), corners.crop());

        Layout bins = BINS.decode(new long[] {1, 4, 5, 6, 7, 8, 8, 8, 8, 8});
        assertEquals(List.of(new Box(1, 0.125, 0.375, 0.625, 0.875)), bins.objects());
        assertEquals(Layout.Crop.FULL, bins.crop());
    }

    @Test
    void roundTripIsWithinHalfAGridCell() {
        java.util.Random r = new java.util.Random(7);
        for (LayoutTokenizer t : List.of(CORNERS, BINS, LayoutTokenizer.openImages(601),
                LayoutTokenizer.separateCoordinates(601, 30, 64))) {
            double half = t.cellSize() / 2 + 1e-12;
            for (int trial = 0; trial < 200; trial++) {
                List<Box> boxes = new ArrayList<>();
                for (int i = 0; i < 1 + r.nextInt(t.maxObjects()); i++) {
                    double a = r.nextDouble();
                    double b = r.nextDouble();
                    double c = r.nextDouble();
                    double d = r.nextDouble();
                    boxes.add(new Box(r.nextInt(t.classes()), Math.min(a, b), Math.min(c, d), Math.max(a, b),
                            Math.max(c, d)));
                }
                Layout.Crop crop = t.encodesCrop() ? new Layout.Crop(0, 0.1 * trial % 0.5, 1, 1) : Layout.Crop.FULL;
                Layout in = new Layout(boxes, crop);
                Layout out = t.decode(t.tokenize(in));
                assertEquals(boxes.size(), out.objects().size());
                for (int i = 0; i < boxes.size(); i++) {
                    Box x = boxes.get(i);
                    Box y = out.objects().get(i);
                    assertEquals(x.classId(), y.classId());
                    double[] dx = {x.x0() - y.x0(), x.y0() - y.y0(), x.x1() - y.x1(), x.y1() - y.y1()};
                    for (double v : dx) {
                        assertTrue(Math.abs(v) <= half, () -> t + ": " + x + " came back as " + y);
                    }
                }
                assertTrue(Math.abs(crop.y0() - out.crop().y0()) <= half, t + ": crop " + crop + " -> " + out.crop());
            }
        }
    }

    // ---------------------------------------------------------------- crop and flip helpers

    @Test
    void inCropFrameRescalesClipsAndDropsObjectsOutsideTheCrop() {
        Layout.Crop rightHalf = new Layout.Crop(0.5, 0, 1, 1);
        Layout l = new Layout(List.of(
                new Box(1, 0.6, 0.2, 0.9, 0.8),      // inside: x (0.6 - 0.5) / 0.5 = 0.2, 0.8
                new Box(2, 0.1, 0.1, 0.4, 0.4),      // left of the crop: dropped
                new Box(3, 0.4, 0.1, 0.7, 0.5),      // straddles the left edge: clipped to 0.5..0.7 -> 0..0.4
                new Box(4, 0.2, 0.2, 0.5, 0.9)),     // touches the edge only (zero overlap): dropped
                rightHalf);
        Layout f = l.inCropFrame();
        assertEquals(Layout.Crop.FULL, f.crop());
        assertEquals(2, f.objects().size());
        assertBox(new Box(1, 0.2, 0.2, 0.8, 0.8), f.objects().get(0));
        assertBox(new Box(3, 0, 0.1, 0.4, 0.5), f.objects().get(1));
        // a tokenizer without the crop takes the whole image only, and says what to do
        Layout two = new Layout(l.objects().subList(0, 2), rightHalf);
        assertMessage("layout: expected the whole-image crop (0, 0, 1, 1)", () -> BINS.tokenize(two));
        assertMessage("tokenize layout.inCropFrame()", () -> BINS.tokenize(two));
        assertArrayEquals(new long[] {1, 4, 4, 7, 7, 3, 4, 4, 5, 6}, BINS.tokenize(f));
        // a whole-image layout is unchanged
        Layout whole = Layout.of(new Box(0, 0.1, 0.2, 0.3, 0.4));
        assertEquals(whole, whole.inCropFrame());
        assertMessage("crop: expected a positive width and height",
                () -> new Layout(List.of(), new Layout.Crop(0.5, 0, 0.5, 1)).inCropFrame());
    }

    @Test
    void horizontalFlipMirrorsBoxesAndCropAndCommutesWithTheCropFrame() {
        Layout l = new Layout(List.of(new Box(1, 0.1, 0.2, 0.4, 0.9), new Box(2, 0.5, 0, 1, 0.5)),
                new Layout.Crop(0.25, 0, 1, 1));
        Layout f = l.flippedHorizontally();
        assertBox(new Box(1, 0.6, 0.2, 0.9, 0.9), f.objects().get(0));
        assertBox(new Box(2, 0, 0, 0.5, 0.5), f.objects().get(1));
        assertEquals(new Layout.Crop(0, 0, 0.75, 1), f.crop());
        Layout twice = f.flippedHorizontally();
        for (int i = 0; i < 2; i++) {
            assertBox(l.objects().get(i), twice.objects().get(i));
        }
        // flipping the image then cropping = cropping then flipping inside the crop (the reference's build)
        Layout a = l.flippedHorizontally().inCropFrame();
        Layout b = l.inCropFrame().flippedHorizontally();
        assertEquals(a.objects().size(), b.objects().size());
        for (int i = 0; i < a.objects().size(); i++) {
            assertBox(a.objects().get(i), b.objects().get(i));
        }
    }

    static void assertBox(Box expected, Box actual) {
        assertEquals(expected.classId(), actual.classId(), () -> expected + " vs " + actual);
        double[] e = {expected.x0(), expected.y0(), expected.x1(), expected.y1()};
        double[] a = {actual.x0(), actual.y0(), actual.x1(), actual.y1()};
        assertArrayEquals(e, a, 1e-12, () -> expected + " vs " + actual);
    }

    // ---------------------------------------------------------------- errors

    @Test
    void badBoxesAndCropsNameTheCoordinate() {
        assertMessage("classId: expected a non-negative class id, got -1", () -> new Box(-1, 0, 0, 1, 1));
        assertMessage("x0: expected a normalised coordinate in [0, 1], got -0.1 in box (-0.1, 0.0, 0.5, 0.5)",
                () -> new Box(0, -0.1, 0, 0.5, 0.5));
        assertMessage("y0: expected a normalised coordinate in [0, 1], got NaN", () -> new Box(0, 0, Double.NaN, 1, 1));
        assertMessage("x1: expected a normalised coordinate in [0, 1], got 1.5", () -> new Box(0, 0, 0, 1.5, 1));
        assertMessage("y1: expected a normalised coordinate in [0, 1], got 1.0000001",
                () -> new Box(0, 0, 0, 1, 1.0000001));
        assertMessage("x1: expected x0 <= x1 <= 1 (right edge not left of the left edge), got 0.2 < x0 = 0.5 "
                + "in box (0.5, 0.1, 0.2, 0.9)", () -> new Box(0, 0.5, 0.1, 0.2, 0.9));
        assertMessage("y1: expected y0 <= y1 <= 1 (bottom edge not above the top edge), got 0.1 < y0 = 0.6",
                () -> new Box(0, 0, 0.6, 1, 0.1));
        assertMessage("x0: expected a normalised coordinate in [0, 1], got Infinity in crop",
                () -> new Layout.Crop(Double.POSITIVE_INFINITY, 0, 1, 1));
        assertMessage("y1: expected y0 <= y1 <= 1", () -> new Layout.Crop(0, 0.5, 1, 0.25));
        assertMessage("objects[1]: expected a box, got null", () -> Layout.of(new Box(0, 0, 0, 1, 1), null));
        assertMessage("layout: expected a list of boxes and a crop", () -> new Layout(List.of(), null));
        // edges themselves are fine: degenerate boxes, the whole image
        assertEquals(0.0, new Box(0, 1, 1, 1, 1).width());
        assertEquals(1.0, new Box(0, 0, 0, 1, 1).height());
        // -0.0 is 0: equal records, and the whole image for a tokenizer that does not encode the crop
        assertEquals(new Box(0, 0, 0, 1, 1), new Box(0, -0.0, -0.0, 1, 1));
        assertEquals(Layout.Crop.FULL, new Layout.Crop(-0.0, -0.0, 1, 1));
        assertEquals(10, BINS.tokenize(new Layout(List.of(), new Layout.Crop(-0.0, 0, 1, 1))).length);
    }

    @Test
    void badLayoutsNameTheObjectAndTheBatchRow() {
        assertMessage("objects[0].classId: expected a class id in [0, 10), got 10",
                () -> CORNERS.tokenize(Layout.of(new Box(10, 0, 0, 1, 1))));
        assertMessage("objects[1].classId: expected a class id in [0, 4), got 4",
                () -> BINS.tokenize(Layout.of(new Box(3, 0, 0, 1, 1), new Box(4, 0, 0, 1, 1))));
        assertMessage("layout: expected a layout, got null", () -> CORNERS.tokenize((Layout) null));
        try (MemoryScope s = MemoryScope.open()) {
            assertMessage("layouts[1]: objects[0].classId: expected a class id in [0, 4), got 7",
                    () -> BINS.tokenize(List.of(Layout.of(), Layout.of(new Box(7, 0, 0, 1, 1)))));
            assertMessage("layouts: expected at least one layout, got an empty list", () -> BINS.tokenize(List.of()));
            assertMessage("layouts: expected at least one layout, got null", () -> BINS.tokenize((List<Layout>) null));
        }
    }

    @Test
    void badTokensNameThePosition() {
        assertMessage("tokens: expected 11 tokens, got 10", () -> CORNERS.decode(new long[10]));
        assertMessage("tokens: expected 10 tokens, got null", () -> BINS.decode((long[]) null));
        // a class id out of range (neither a class nor padding)
        assertMessage("tokens[3]: expected a class id in [0, 10) or the padding token 25, got 12",
                () -> CORNERS.decode(new long[] {0, 0, 24, 12, 0, 24, 25, 25, 25, 0, 24}));
        // a corner token past the 5 x 5 grid
        assertMessage("tokens[2]: expected a coordinate token in [0, 25), got 25",
                () -> CORNERS.decode(new long[] {0, 0, 25, 25, 25, 25, 25, 25, 25, 0, 24}));
        // a bin token that is a class token
        assertMessage("tokens[1]: expected a coordinate token in [4, 8), got 3",
                () -> BINS.decode(new long[] {0, 3, 4, 5, 5, 8, 8, 8, 8, 8}));
        // corners that do not make a box: x1's bin left of x0's
        assertMessage("tokens[0..4]: x1: expected x0 <= x1 <= 1",
                () -> BINS.decode(new long[] {0, 6, 4, 5, 5, 8, 8, 8, 8, 8}));
        assertMessage("tokens[9..10]: y1: expected y0 <= y1 <= 1",
                () -> CORNERS.decode(new long[] {25, 25, 25, 25, 25, 25, 25, 25, 25, 20, 4}));
        try (MemoryScope s = MemoryScope.open()) {
            assertMessage("tokens: expected [B, 10] token ids, got [1, 11]", () -> BINS.decode(Tensor.of(new long[11],
                    1, 11)));
            assertMessage("tokens row 1: tokens[1]: expected a coordinate token in [4, 8), got 0",
                    () -> BINS.decode(Tensor.of(new long[] {8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 0, 0, 0, 0, 0, 8, 8, 8, 8,
                        8}, 2, 10)));
        }
    }

    @Test
    void badConfigurationsSayWhatToUse() {
        assertMessage("vocabSize: expected floor(sqrt(V))^2 < V so that the padding token V-1 is not a corner, got "
                + "V = 16 (4^2 = 16); use e.g. 17", () -> LayoutTokenizer.cornerPairs(3, 2, 16, false));
        assertMessage("vocabSize: expected at least 5 tokens, got 4", () -> LayoutTokenizer.cornerPairs(1, 1, 4, true));
        assertMessage("classes: expected at most vocabSize - 1 = 25 class tokens, got 26",
                () -> LayoutTokenizer.cornerPairs(26, 2, 26, true));
        assertMessage("classes: expected a positive value, got 0", () -> LayoutTokenizer.cornerPairs(0, 2, 26, true));
        assertMessage("maxObjects: expected a positive value, got 0",
                () -> LayoutTokenizer.separateCoordinates(3, 0, 8));
        assertMessage("bins: expected at least 2 coordinate bins, got 1",
                () -> LayoutTokenizer.separateCoordinates(3, 2, 1));
        // the largest class count that leaves the padding token alone is accepted
        assertEquals(25, LayoutTokenizer.cornerPairs(25, 1, 26, false).classes());
        assertTrue(LayoutTokenizer.cornerPairs(3, 2, 17, false).toString().contains("grid=4"));
    }
}
