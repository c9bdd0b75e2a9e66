package org.ldm4j.training.models;

import java.util.ArrayList;
import java.util.List;
import org.ldm4j.conditioning.ClassEmbedder;
import org.ldm4j.conditioning.layout.Layout;
import org.ldm4j.conditioning.layout.LayoutEncoder;
import org.ldm4j.conditioning.layout.LayoutTokenizer;
import org.ldm4j.conditioning.text.EmptyPrompt;
import org.ldm4j.conditioning.text.TransformerEmbedder;
import org.ldm4j.conditioning.text.TransformerEmbedderConfig;
import org.ldm4j.conditioning.text.clip.ClipTextConfig;
import org.ldm4j.conditioning.text.clip.FrozenClipEmbedder;
import org.ldm4j.conditioning.text.tokenize.BasicTokenizer;
import org.ldm4j.conditioning.text.tokenize.ClipTokenizer;
import org.ldm4j.conditioning.text.tokenize.WordPieceTokenizer;
import org.ldm4j.conditioning.text.tokenize.WordPieceVocabulary;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.Conditioning;
import org.ldm4j.training.data.Box;

/**
 * The conditioning stage of a latent diffusion model (the reference's {@code cond_stage_model}): turns a batch's
 * {@link Conditions} into the U-Net's cross-attention context, with the unconditional input of classifier-free
 * guidance and condition dropout for training it. Five kinds: none, class labels ({@link ClassEmbedder}, a null
 * class for guidance), captions (a WordPiece tokenizer and the reference's {@link TransformerEmbedder}, trained
 * jointly with the U-Net), layouts ({@link LayoutEncoder}) and captions through Stable Diffusion's frozen CLIP
 * text encoder ({@link FrozenClipEmbedder} with CLIP's BPE tokenizer). Its {@link Spec} is plain data that a
 * checkpoint stores (the text vocabulary included), so a stage is rebuilt from a checkpoint with no other file;
 * a CLIP stage is the exception: its tokenizer comes from CLIP's {@code vocab.json} and {@code merges.txt}
 * ({@link #clip}).
 *
 * <pre>{@code
 * CondStage cond = CondStage.create(CondStage.Spec.classes(4, 64), rng);
 * Conditioning c = cond.encode(Conditions.classes(0, 1, 2, 3));          // context [4, 1, 64]
 * Conditioning uc = cond.unconditional(4);                                // the null class
 * }</pre>
 */
public final class CondStage {
    /** What the stage conditions on. */
    public enum Kind {
        /** Unconditional generation. */
        NONE,
        /** Class labels. */
        CLASS,
        /** Captions. */
        TEXT,
        /** Layouts (boxes with class ids). */
        LAYOUT,
        /** Captions through a frozen CLIP text encoder (Stable Diffusion 1.x's {@code FrozenCLIPEmbedder}). */
        CLIP
    }

    /**
     * The stage's shape as plain data.
     *
     * @param kind       what it conditions on
     * @param classes    CLASS: the number of classes; LAYOUT: the number of box classes
     * @param dim        the context width (the U-Net's {@code context_dim})
     * @param layers     TEXT/LAYOUT/CLIP: transformer layers
     * @param heads      TEXT/LAYOUT/CLIP: attention heads
     * @param maxLength  TEXT/CLIP: tokens per caption; LAYOUT: objects per layout
     * @param vocabulary TEXT: the WordPiece vocabulary (empty otherwise)
     * @param bins       LAYOUT: coordinate bins
     */
    public record Spec(Kind kind, int classes, int dim, int layers, int heads, int maxLength, List<String> vocabulary,
            int bins) {
        public Spec {
            if (kind == null) {
                throw new IllegalArgumentException("kind: expected one of NONE, CLASS, TEXT, LAYOUT, CLIP, got null");
            }
            vocabulary = List.copyOf(vocabulary);
            boolean transformer = kind == Kind.TEXT || kind == Kind.LAYOUT || kind == Kind.CLIP;
            if (transformer && dim < 1 || kind == Kind.CLASS && dim < 0) {
                throw new IllegalArgumentException("dim: expected a positive context width"
                        + (kind == Kind.CLASS ? " (or 0: labels into the U-Net's own class embedding)" : "")
                        + ", got " + dim);
            }
            if ((kind == Kind.CLASS || kind == Kind.LAYOUT) && classes < 1) {
                throw new IllegalArgumentException("classes: expected at least one class, got " + classes);
            }
            if (transformer && (layers < 1 || heads < 1 || maxLength < 1)) {
                throw new IllegalArgumentException("layers, heads, maxLength: expected positive values, got "
                        + layers + ", " + heads + ", " + maxLength);
            }
            if (kind == Kind.TEXT && vocabulary.size() < WordPieceVocabulary.SPECIALS.size() + 1) {
                throw new IllegalArgumentException("vocabulary: expected the special tokens and at least one word, got "
                        + vocabulary.size() + " tokens");
            }
            if (kind == Kind.LAYOUT && bins < 2) {
                throw new IllegalArgumentException("bins: expected at least 2 coordinate bins, got " + bins);
            }
        }

        /** No conditioning. */
        public static Spec none() {
            return new Spec(Kind.NONE, 0, 0, 0, 0, 0, List.of(), 0);
        }

        /** {@code classes} labels (plus the null class) embedded in {@code dim} features for cross-attention. */
        public static Spec classes(int classes, int dim) {
            if (dim < 1) {
                throw new IllegalArgumentException("dim: expected a positive context width, got " + dim);
            }
            return new Spec(Kind.CLASS, classes, dim, 0, 0, 0, List.of(), 0);
        }

        /**
         * {@code classes} labels (plus the null class {@code classes}) given to the U-Net's own class embedding,
         * added to its timestep embedding in every residual block (the reference's {@code num_classes}, as ADM);
         * the U-Net needs {@code num_classes = classes + 1}.
         */
        public static Spec classLabels(int classes) {
            return new Spec(Kind.CLASS, classes, 0, 0, 0, 0, List.of(), 0);
        }

        /** Whether class labels go to the U-Net's class embedding rather than to cross-attention. */
        public boolean labelsToUnet() {
            return kind == Kind.CLASS && dim == 0;
        }

        /** Captions: the vocabulary, a transformer of {@code layers} layers and {@code dim} width, {@code maxLength} tokens. */
        public static Spec text(WordPieceVocabulary vocabulary, int dim, int layers, int heads, int maxLength) {
            return new Spec(Kind.TEXT, 0, dim, layers, heads, maxLength, vocabulary.tokens(), 0);
        }

        /** Layouts of up to {@code maxObjects} boxes of {@code classes} classes, coordinates in {@code bins} bins. */
        public static Spec layout(int classes, int maxObjects, int bins, int dim, int layers, int heads) {
            return new Spec(Kind.LAYOUT, classes, dim, layers, heads, maxObjects, List.of(), bins);
        }

        /** Captions through CLIP's text encoder of shape {@code c}: {@code c.maxPositions()} tokens per caption. */
        public static Spec clip(ClipTextConfig c) {
            return new Spec(Kind.CLIP, 0, c.width(), c.layers(), c.heads(), c.maxPositions(), List.of(), 0);
        }
    }

    private static final int DIM_HEAD = 32;

    private final Spec spec;
    private final Module module;
    private final ClassEmbedder classEmbedder;
    private final TransformerEmbedder text;
    private final WordPieceTokenizer tokenizer;
    private final LayoutEncoder layout;
    private final FrozenClipEmbedder clip;
    private final ClipTokenizer clipTokenizer;

    private CondStage(Spec spec, Module module, ClassEmbedder classEmbedder, TransformerEmbedder text,
            WordPieceTokenizer tokenizer, LayoutEncoder layout) {
        this(spec, module, classEmbedder, text, tokenizer, layout, null, null);
    }

    private CondStage(Spec spec, Module module, ClassEmbedder classEmbedder, TransformerEmbedder text,
            WordPieceTokenizer tokenizer, LayoutEncoder layout, FrozenClipEmbedder clip, ClipTokenizer clipTokenizer) {
        this.spec = spec;
        this.module = module;
        this.classEmbedder = classEmbedder;
        this.text = text;
        this.tokenizer = tokenizer;
        this.layout = layout;
        this.clip = clip;
        this.clipTokenizer = clipTokenizer;
    }

    /**
     * A CLIP stage (Stable Diffusion 1.x): {@code embedder}'s weights as they are (load them before or after), and
     * CLIP's tokenizer, whose ids must fit the embedder's vocabulary.
     */
    public static CondStage clip(FrozenClipEmbedder embedder, ClipTokenizer tokenizer) {
        if (embedder == null || tokenizer == null) {
            throw new IllegalArgumentException("embedder, tokenizer: expected CLIP's text encoder and its tokenizer "
                    + "(vocab.json and merges.txt), got " + (embedder == null ? "no encoder" : "no tokenizer"));
        }
        ClipTextConfig c = embedder.transformer().config();
        if (tokenizer.vocabSize() > c.vocabSize()) {
            throw new IllegalArgumentException("tokenizer: its " + tokenizer.vocabSize() + " ids do not fit the text "
                    + "encoder's " + c.vocabSize() + "-token embedding (do the tokenizer files belong to this model?)");
        }
        return new CondStage(Spec.clip(c), embedder, null, null, null, null, embedder, tokenizer);
    }

    /** A new stage of {@code spec} with weights drawn from {@code rng}. */
    public static CondStage create(Spec spec, Rng rng) {
        if (spec == null) {
            throw new IllegalArgumentException("spec: expected a CondStage.Spec, got null");
        }
        switch (spec.kind()) {
            case NONE:
                return new CondStage(spec, null, null, null, null, null);
            case CLASS: {
                if (spec.labelsToUnet()) {
                    return new CondStage(spec, null, null, null, null, null);
                }
                ClassEmbedder e = new ClassEmbedder(spec.classes(), spec.dim(), rng);
                return new CondStage(spec, e, e, null, null, null);
            }
            case TEXT: {
                WordPieceTokenizer tok = WordPieceTokenizer.of(WordPieceVocabulary.of(spec.vocabulary()),
                        BasicTokenizer.uncased());
                TransformerEmbedderConfig c = new TransformerEmbedderConfig(spec.dim(), spec.layers(),
                        tok.vocabSize(), spec.maxLength(), spec.heads(), DIM_HEAD, 4, 0.0);
                TransformerEmbedder e = new TransformerEmbedder(c, EmptyPrompt.ofIds(tok.padId(), tok.encode("")), rng);
                return new CondStage(spec, e, null, e, tok, null);
            }
            case LAYOUT: {
                LayoutTokenizer tok = LayoutTokenizer.separateCoordinates(spec.classes(), spec.maxLength(), spec.bins())
                        .withTruncation(true);
                TransformerEmbedderConfig c = new TransformerEmbedderConfig(spec.dim(), spec.layers(),
                        tok.vocabSize(), tok.sequenceLength(), spec.heads(), DIM_HEAD, 4, 0.0);
                LayoutEncoder e = new LayoutEncoder(tok, c, rng);
                return new CondStage(spec, e, null, null, null, e);
            }
            case CLIP:
                throw new IllegalArgumentException("spec: a CLIP stage needs CLIP's tokenizer files (vocab.json, "
                        + "merges.txt), which no spec holds: build it with CondStage.clip(embedder, tokenizer)");
            default:
                throw new AssertionError(spec.kind());
        }
    }

    public Spec spec() {
        return spec;
    }

    public Kind kind() {
        return spec.kind();
    }

    /** The encoder module ({@code cond_stage_model}), or null for {@link Kind#NONE}. */
    public Module module() {
        return module;
    }

    /** The U-Net's {@code context_dim}, or 0 without cross-attention. */
    public int contextDim() {
        return spec.kind() == Kind.NONE ? 0 : spec.dim();
    }

    /** The U-Net's {@code num_classes}: classes + 1 (the null class) for label conditioning, else 0. */
    public int unetClasses() {
        return spec.labelsToUnet() ? spec.classes() + 1 : 0;
    }

    /** Whether the stage encodes captions (TEXT or CLIP). */
    public boolean takesCaptions() {
        return spec.kind() == Kind.TEXT || spec.kind() == Kind.CLIP;
    }

    /** The caption tokenizer of a TEXT stage. */
    public WordPieceTokenizer tokenizer() {
        if (tokenizer == null) {
            throw new IllegalStateException("tokenizer: a " + spec.kind() + " stage has no caption tokenizer");
        }
        return tokenizer;
    }

    /** Encodes every condition. */
    public Conditioning encode(Conditions c) {
        return encode(c, new boolean[c.size()]);
    }

    /**
     * Encodes the conditions with the unconditional input in place of example i where {@code drop[i]} (condition
     * dropout, the reference's {@code ucg_training}): the null class, the empty caption, the empty layout.
     */
    public Conditioning encode(Conditions c, boolean[] drop) {
        if (c == null) {
            throw new IllegalArgumentException("conditions: expected a batch of conditions, got null");
        }
        if (drop == null || drop.length != c.size()) {
            throw new IllegalArgumentException("drop: expected " + c.size() + " flags, got "
                    + (drop == null ? "null" : drop.length));
        }
        int n = c.size();
        switch (spec.kind()) {
            case NONE:
                return Conditioning.NONE;
            case CLASS: {
                long[] labels = c.labels();
                for (int i = 0; i < n; i++) {
                    if (labels[i] < 0 || labels[i] >= spec.classes()) {
                        throw new IllegalArgumentException("labels: expected classes in [0, " + spec.classes()
                                + "), got " + labels[i] + " at index " + i);
                    }
                    if (drop[i]) {
                        labels[i] = spec.classes();
                    }
                }
                if (spec.labelsToUnet()) {
                    return Conditioning.ofLabels(Tensor.of(labels, n));
                }
                return Conditioning.ofContext(classEmbedder.encode(Tensor.of(labels, n)));
            }
            case TEXT:
            case CLIP: {
                List<String> captions = new ArrayList<>(c.captions());
                for (int i = 0; i < n; i++) {
                    if (drop[i]) {
                        captions.set(i, "");       // the reference's unconditional input: the empty caption
                    }
                }
                if (spec.kind() == Kind.CLIP) {
                    return Conditioning.ofContext(clip.encode(clipTokenizer.encode(captions, spec.maxLength()).ids()));
                }
                return Conditioning.ofContext(text.encode(tokenizer.encode(captions, spec.maxLength()).ids()));
            }
            case LAYOUT: {
                List<Layout> layouts = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    layouts.add(drop[i] ? Layout.of() : toLayout(c.layouts().get(i)));
                }
                return Conditioning.ofContext(layout.encode(layouts));
            }
            default:
                throw new AssertionError(spec.kind());
        }
    }

    /** The unconditional input of {@code n} examples, for classifier-free guidance. */
    public Conditioning unconditional(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("n: expected a positive batch size, got " + n);
        }
        boolean[] all = new boolean[n];
        java.util.Arrays.fill(all, true);
        return encode(Conditions.classes(new long[n]), all);
    }

    private Layout toLayout(List<Box> boxes) {
        org.ldm4j.conditioning.layout.Box[] out = new org.ldm4j.conditioning.layout.Box[boxes.size()];
        for (int i = 0; i < out.length; i++) {
            Box b = boxes.get(i);
            if (b.classId() >= spec.classes()) {
                throw new IllegalArgumentException("layouts: expected box classes in [0, " + spec.classes() + "), got "
                        + b.classId());
            }
            out[i] = new org.ldm4j.conditioning.layout.Box(b.classId(), b.x0(), b.y0(), b.x1(), b.y1());
        }
        return Layout.of(out);
    }

    @Override
    public String toString() {
        return "CondStage[" + spec.kind() + (spec.labelsToUnet() ? ", labels to the U-Net"
                : spec.kind() == Kind.NONE ? "" : ", dim " + spec.dim()) + "]";
    }
}
