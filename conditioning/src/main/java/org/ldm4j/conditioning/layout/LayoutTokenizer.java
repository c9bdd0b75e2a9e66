package org.ldm4j.conditioning.layout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ldm4j.core.tensor.Tensor;

/**
 * Turns layouts into fixed-length token sequences for the layout encoder. The paper (Rombach et al. 2022,
 * appendix E.2.1, after Jahn et al. 2021) discretises the box positions and encodes each box as an
 * (l, b, c) tuple: top-left corner l, bottom-right corner b, class c. Two schemes:
 *
 * <h2>{@link Scheme#CORNER_PAIRS}: the reference's</h2>
 * As taming-transformers' {@code ObjectsBoundingBoxConditionalBuilder}, which the reference's
 * {@code layout2img-openimages256} model was trained with: one vocabulary of V tokens shared by classes and
 * corners. A corner (x, y) is one token on a grid of {@code s = floor(sqrt(V))} sections per axis,
 * {@code round(y (s-1)) * s + round(x (s-1))} (Python's round: half to even); an object is
 * {@code (class, corner(x0, y0), corner(x1, y1))}; missing objects are {@code (V-1, V-1, V-1)}; with
 * {@code encodeCrop} the crop's two corners follow. V = 8192: s = 90, 30 objects, crop: 92 tokens, the
 * reference's {@code max_seq_len}. The class token is the class id: the reference folds its OpenImages flags
 * into it as {@code id + classes * flags}; pass that as the id, with {@code classes} counting every combination.
 *
 * <h2>{@link Scheme#SEPARATE_COORDINATES}</h2>
 * Classes take tokens [0, C), each coordinate is quantised to one of n bins, {@code min(n-1, floor(v n))},
 * whose tokens follow the classes, [C, C+n), and C+n pads: an object is {@code (class, x0, y0, x1, y1)}, the
 * vocabulary C+n+1, the sequence 5 * maxObjects long. Unambiguous and small, for training from scratch.
 *
 * <p>Objects keep their order (the reference shuffles them in its data pipeline). A layout with more objects
 * than {@code maxObjects} is an error, unless the tokenizer was made {@link #withTruncation truncating}: then
 * only the first {@code maxObjects} are kept, as the reference's {@code build} does. A tokenizer that does not
 * encode the crop takes layouts of the whole image only: re-express a cropped layout with
 * {@link Layout#inCropFrame()} first (the reference's builders do that internally).
 *
 * <pre>{@code
 * LayoutTokenizer tok = LayoutTokenizer.openImages(601);              // 8192 tokens, 92 per layout
 * Tensor ids = tok.tokenize(List.of(Layout.of(new Box(5, 0.1, 0.2, 0.5, 0.9))));   // int64 [1, 92]
 * // ids[0, 0..2] = 5, round(0.2*89)*90 + round(0.1*89) = 18*90 + 9 = 1629, 80*90 + 44 = 7244 (0.9*89 = 80.1;
 * // 0.5*89 = 44.5 rounds to even); ids[0, 3..89] = 8191 (padding); ids[0, 90..91] = 0, 8099 (the whole image)
 * }</pre>
 */
public final class LayoutTokenizer {

    /** How boxes become tokens (see the class comment). */
    public enum Scheme {
        /** The reference's (class, top-left, bottom-right) triples in a shared vocabulary. */
        CORNER_PAIRS,
        /** (class, x0, y0, x1, y1) with coordinate bins after the classes. */
        SEPARATE_COORDINATES
    }

    private final Scheme scheme;
    private final int classes;
    private final int maxObjects;
    private final int vocabSize;
    private final int grid;          // CORNER_PAIRS: sections per axis; SEPARATE_COORDINATES: bins
    private final boolean encodeCrop;
    private final boolean truncate;  // keep the first maxObjects objects instead of rejecting longer layouts

    private LayoutTokenizer(Scheme scheme, int classes, int maxObjects, int vocabSize, int grid, boolean encodeCrop,
                            boolean truncate) {
        this.scheme = scheme;
        this.classes = classes;
        this.maxObjects = maxObjects;
        this.vocabSize = vocabSize;
        this.grid = grid;
        this.encodeCrop = encodeCrop;
        this.truncate = truncate;
    }

    /**
     * The reference's scheme over a vocabulary of {@code vocabSize} tokens.
     *
     * @param classes    number of class tokens (ids in [0, classes)); at most vocabSize - 1
     * @param maxObjects objects per layout (padded to it)
     * @param vocabSize  V; floor(sqrt(V))^2 must stay below V - 1 so that no corner is the padding token
     * @param encodeCrop append the crop's two corner tokens
     */
    public static LayoutTokenizer cornerPairs(int classes, int maxObjects, int vocabSize, boolean encodeCrop) {
        positive("classes", classes);
        positive("maxObjects", maxObjects);
        if (vocabSize < 5) {
            throw new IllegalArgumentException("vocabSize: expected at least 5 tokens, got " + vocabSize);
        }
        int s = sections(vocabSize);
        if ((long) s * s > vocabSize - 1) {
            throw new IllegalArgumentException("vocabSize: expected floor(sqrt(V))^2 < V so that the padding token "
                    + "V-1 is not a corner, got V = " + vocabSize + " (" + s + "^2 = " + (long) s * s + "); use e.g. "
                    + (vocabSize + 1));
        }
        if (classes > vocabSize - 1) {
            throw new IllegalArgumentException("classes: expected at most vocabSize - 1 = " + (vocabSize - 1)
                    + " class tokens, got " + classes);
        }
        return new LayoutTokenizer(Scheme.CORNER_PAIRS, classes, maxObjects, vocabSize, s, encodeCrop, false);
    }

    /** The {@code layout2img-openimages256} setting: 8192 tokens, 30 objects, crop encoded: 92 tokens. */
    public static LayoutTokenizer openImages(int classes) {
        return cornerPairs(classes, 30, 8192, true);
    }

    /** Classes then {@code bins} coordinate bins then padding: vocabulary classes + bins + 1. */
    public static LayoutTokenizer separateCoordinates(int classes, int maxObjects, int bins) {
        positive("classes", classes);
        positive("maxObjects", maxObjects);
        if (bins < 2) {
            throw new IllegalArgumentException("bins: expected at least 2 coordinate bins, got " + bins);
        }
        return new LayoutTokenizer(Scheme.SEPARATE_COORDINATES, classes, maxObjects,
                Math.addExact(Math.addExact(classes, bins), 1), bins, false, false);
    }

    /**
     * A copy that keeps the first {@code maxObjects} objects of longer layouts (the reference's {@code build},
     * which warns and truncates) when {@code truncate}, or rejects them (the default).
     */
    public LayoutTokenizer withTruncation(boolean truncate) {
        return new LayoutTokenizer(scheme, classes, maxObjects, vocabSize, grid, encodeCrop, truncate);
    }

    private static void positive(String name, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + ": expected a positive value, got " + v);
        }
    }

    /** floor(sqrt(v)), exactly (Python's {@code int(math.sqrt(v))}). */
    private static int sections(int v) {
        int s = (int) Math.sqrt(v);
        while ((long) s * s > v) {
            s--;
        }
        while ((long) (s + 1) * (s + 1) <= v) {
            s++;
        }
        return s;
    }

    // ---------------------------------------------------------------- encoding

    /** One layout -> its {@link #sequenceLength()} tokens; missing objects are padding objects. */
    public long[] tokenize(Layout layout) {
        if (layout == null) {
            throw new IllegalArgumentException("layout: expected a layout, got null");
        }
        List<Box> objects = layout.objects();
        if (objects.size() > maxObjects) {
            if (!truncate) {
                throw new IllegalArgumentException("layout: expected at most " + maxObjects + " objects, got "
                        + objects.size() + " (drop some, build the tokenizer with a larger maxObjects, or use "
                        + "withTruncation(true) to keep the first " + maxObjects + ")");
            }
            objects = objects.subList(0, maxObjects);
        }
        if (!encodeCrop && !layout.crop().equals(Layout.Crop.FULL)) {
            throw new IllegalArgumentException("layout: expected the whole-image crop (0, 0, 1, 1)"
                    + " (this tokenizer does not encode the crop), got " + layout.crop()
                    + "; tokenize layout.inCropFrame() to express the boxes relative to the crop");
        }
        long[] out = new long[sequenceLength()];
        int per = tokensPerObject();
        for (int i = 0; i < maxObjects; i++) {
            int at = i * per;
            if (i >= objects.size()) {
                Arrays.fill(out, at, at + per, padToken());
                continue;
            }
            Box b = objects.get(i);
            if (b.classId() >= classes) {
                throw new IllegalArgumentException("objects[" + i + "].classId: expected a class id in [0, "
                        + classes + "), got " + b.classId());
            }
            out[at] = b.classId();
            if (scheme == Scheme.CORNER_PAIRS) {
                out[at + 1] = corner(b.x0(), b.y0());
                out[at + 2] = corner(b.x1(), b.y1());
            } else {
                out[at + 1] = classes + bin(b.x0());
                out[at + 2] = classes + bin(b.y0());
                out[at + 3] = classes + bin(b.x1());
                out[at + 4] = classes + bin(b.y1());
            }
        }
        if (encodeCrop) {
            Layout.Crop c = layout.crop();
            out[out.length - 2] = corner(c.x0(), c.y0());
            out[out.length - 1] = corner(c.x1(), c.y1());
        }
        return out;
    }

    /** A batch of layouts -> int64 [B, sequenceLength()]. */
    public Tensor tokenize(List<Layout> layouts) {
        if (layouts == null || layouts.isEmpty()) {
            throw new IllegalArgumentException("layouts: expected at least one layout, got "
                    + (layouts == null ? "null" : "an empty list"));
        }
        int n = sequenceLength();
        long[] all = new long[Math.multiplyExact(layouts.size(), n)];
        for (int b = 0; b < layouts.size(); b++) {
            try {
                System.arraycopy(tokenize(layouts.get(b)), 0, all, b * n, n);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("layouts[" + b + "]: " + e.getMessage(), e);
            }
        }
        return Tensor.of(all, layouts.size(), n);
    }

    /** A corner's grid token (CORNER_PAIRS): {@code round(y (s-1)) * s + round(x (s-1))}, half to even. */
    long corner(double x, double y) {
        long xd = (long) Math.rint(x * (grid - 1));
        long yd = (long) Math.rint(y * (grid - 1));
        return yd * grid + xd;
    }

    /** A coordinate's bin (SEPARATE_COORDINATES): {@code min(n-1, floor(v n))}. */
    int bin(double v) {
        return (int) Math.min(grid - 1, Math.floor(v * grid));
    }

    // ---------------------------------------------------------------- decoding

    /**
     * The layout a token sequence describes (the reference's {@code inverse_build}): padding objects dropped,
     * corners at their grid points (CORNER_PAIRS) or coordinates at their bin centres. Every coordinate comes
     * back within half a grid cell ({@link #cellSize()} / 2) of the one tokenized, class ids exactly.
     *
     * @throws IllegalArgumentException naming the offending position if a token is not what the scheme puts
     *                                  there (a class id out of range, a coordinate token out of the grid,
     *                                  corners that do not make a box)
     */
    public Layout decode(long[] tokens) {
        if (tokens == null || tokens.length != sequenceLength()) {
            throw new IllegalArgumentException("tokens: expected " + sequenceLength() + " tokens, got "
                    + (tokens == null ? "null" : tokens.length));
        }
        int per = tokensPerObject();
        List<Box> boxes = new ArrayList<>();
        for (int i = 0; i < maxObjects; i++) {
            int at = i * per;
            long c = tokens[at];
            if (c == padToken()) {
                continue;
            }
            if (c < 0 || c >= classes) {
                throw new IllegalArgumentException("tokens[" + at + "]: expected a class id in [0, " + classes
                        + ") or the padding token " + padToken() + ", got " + c);
            }
            for (int k = 1; k < per; k++) {
                checkCoordinateToken(tokens, at + k);
            }
            try {
                if (scheme == Scheme.CORNER_PAIRS) {
                    double[] tl = cornerPoint(tokens[at + 1]);
                    double[] br = cornerPoint(tokens[at + 2]);
                    boxes.add(new Box((int) c, tl[0], tl[1], br[0], br[1]));
                } else {
                    boxes.add(new Box((int) c, centre(tokens[at + 1]), centre(tokens[at + 2]),
                            centre(tokens[at + 3]), centre(tokens[at + 4])));
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("tokens[" + at + ".." + (at + per - 1) + "]: " + e.getMessage(),
                        e);
            }
        }
        Layout.Crop crop = Layout.Crop.FULL;
        if (encodeCrop) {
            int at = tokens.length - 2;
            checkCoordinateToken(tokens, at);
            checkCoordinateToken(tokens, at + 1);
            double[] tl = cornerPoint(tokens[at]);
            double[] br = cornerPoint(tokens[at + 1]);
            try {
                crop = new Layout.Crop(tl[0], tl[1], br[0], br[1]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("tokens[" + at + ".." + (at + 1) + "]: " + e.getMessage(), e);
            }
        }
        return new Layout(boxes, crop);
    }

    /** Int64 [B, sequenceLength()] token ids -> B layouts ({@link #decode(long[])} per row). */
    public List<Layout> decode(Tensor tokens) {
        if (tokens == null || tokens.rank() != 2 || tokens.size(1) != sequenceLength()) {
            throw new IllegalArgumentException("tokens: expected [B, " + sequenceLength() + "] token ids, got "
                    + (tokens == null ? "null" : Arrays.toString(tokens.shape())));
        }
        long[] all = tokens.toLongArray();
        int n = sequenceLength();
        List<Layout> out = new ArrayList<>((int) tokens.size(0));
        for (int b = 0; b < tokens.size(0); b++) {
            try {
                out.add(decode(Arrays.copyOfRange(all, b * n, (b + 1) * n)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("tokens row " + b + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** A corner token in [0, s^2) (CORNER_PAIRS) or a bin token in [classes, classes + bins). */
    private void checkCoordinateToken(long[] tokens, int at) {
        long t = tokens[at];
        long lo = scheme == Scheme.CORNER_PAIRS ? 0 : classes;
        long hi = scheme == Scheme.CORNER_PAIRS ? (long) grid * grid : (long) classes + grid;
        if (t < lo || t >= hi) {
            throw new IllegalArgumentException("tokens[" + at + "]: expected a coordinate token in [" + lo + ", "
                    + hi + "), got " + t);
        }
    }

    private double[] cornerPoint(long token) {
        return new double[] {(double) (token % grid) / (grid - 1), (double) (token / grid) / (grid - 1)};
    }

    private double centre(long token) {
        return (token - classes + 0.5) / grid;
    }

    // ---------------------------------------------------------------- sizes

    public Scheme scheme() {
        return scheme;
    }

    /** Number of class tokens. */
    public int classes() {
        return classes;
    }

    public int maxObjects() {
        return maxObjects;
    }

    /** The number of token ids used: the encoder's vocabulary must be at least this large. */
    public int vocabSize() {
        return vocabSize;
    }

    /** Grid sections per axis (CORNER_PAIRS) or coordinate bins (SEPARATE_COORDINATES). */
    public int gridSize() {
        return grid;
    }

    /**
     * The quantisation step of a coordinate: the spacing 1 / (s - 1) of the grid points (CORNER_PAIRS) or the
     * bin width 1 / n (SEPARATE_COORDINATES). Decoding is exact to half of it.
     */
    public double cellSize() {
        return scheme == Scheme.CORNER_PAIRS ? 1.0 / (grid - 1) : 1.0 / grid;
    }

    public boolean encodesCrop() {
        return encodeCrop;
    }

    /** Whether layouts with more than {@link #maxObjects()} objects are truncated rather than rejected. */
    public boolean truncates() {
        return truncate;
    }

    /** 3 (CORNER_PAIRS) or 5 (SEPARATE_COORDINATES). */
    public int tokensPerObject() {
        return scheme == Scheme.CORNER_PAIRS ? 3 : 5;
    }

    /** Tokens per layout: maxObjects * tokensPerObject, plus 2 with the crop. */
    public int sequenceLength() {
        return maxObjects * tokensPerObject() + (encodeCrop ? 2 : 0);
    }

    /** The padding token of missing objects: V - 1 (CORNER_PAIRS) or classes + bins. */
    public long padToken() {
        return vocabSize - 1L;
    }

    @Override
    public String toString() {
        return "LayoutTokenizer(" + scheme + ", classes=" + classes + ", maxObjects=" + maxObjects + ", vocab="
                + vocabSize + ", grid=" + grid + (encodeCrop ? ", crop" : "") + (truncate ? ", truncating" : "") + ")";
    }
}
