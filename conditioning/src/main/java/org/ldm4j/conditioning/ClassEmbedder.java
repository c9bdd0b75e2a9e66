package org.ldm4j.conditioning;

import org.ldm4j.core.nn.Embedding;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * Class conditioning as the reference's {@code ClassEmbedder}: a table of {@code nClasses} class embeddings plus
 * one null class (index {@code nClasses}) that stands for "no class", used as the unconditional input of
 * classifier-free guidance and for condition dropout in training ({@code cin256-v2}: {@code n_classes: 1001}
 * for ImageNet's 1000 classes). The embedding of labels [B] is returned as a one-token sequence [B, 1, D]
 * ({@code c[:, None]}), which the U-Net attends to. Key: {@code embedding.weight} [nClasses + 1, D].
 *
 * <pre>{@code
 * ClassEmbedder cls = new ClassEmbedder(1000, 512, new Rng(0));      // embedding.weight [1001, 512]
 * Tensor labels = Tensor.of(new long[] {3, 999}, 2);
 * Tensor c = cls.encode(cls.drop(labels, 0.1, rng));                  // [2, 1, 512], 10% nulled
 * Tensor uc = cls.unconditional(labels);                              // null class for both
 * }</pre>
 */
public final class ClassEmbedder extends Module implements Conditioner<Tensor> {
    private final int nClasses;
    private final boolean hasNull;
    private final long dim;
    private final Embedding embedding;

    /** {@code nClasses} classes plus the null class, embedded in {@code dim} features. */
    public ClassEmbedder(int nClasses, long dim, Rng rng) {
        this(nClasses, dim, true, rng);
    }

    /**
     * @param withNullClass false builds the table without the extra entry, as the older {@code cin256} model
     *                      ({@code n_classes} 1000): {@link #drop} and {@link #unconditional} are then unavailable
     */
    public ClassEmbedder(int nClasses, long dim, boolean withNullClass, Rng rng) {
        if (nClasses < 1) {
            throw new IllegalArgumentException("nClasses: expected at least one class, got " + nClasses);
        }
        if (dim < 1) {
            throw new IllegalArgumentException("dim: expected a positive embedding size, got " + dim);
        }
        this.nClasses = nClasses;
        this.hasNull = withNullClass;
        this.dim = dim;
        embedding = register("embedding", new Embedding(nClasses + (withNullClass ? 1L : 0L), dim, rng));
    }

    /** Labels int64 [B] with values in [0, nClasses], nClasses being the null class -> [B, 1, D]. */
    @Override
    public Tensor encode(Tensor labels) {
        checkLabels(labels);
        Tensor e = embedding.forward(labels);              // (B, D)
        return e.unsqueeze(1);                             // (B, 1, D)
    }

    /** The null class for every entry of {@code labels} [B]. */
    @Override
    public Tensor unconditionalLike(Tensor labels) {
        Shapes.checkRank("labels", labels, 1);
        return nullLabels((int) labels.size(0));
    }

    /** {@code batch} copies of the null class, int64 [batch]. */
    public Tensor nullLabels(int batch) {
        requireNull("nullLabels");
        if (batch < 1) {
            throw new IllegalArgumentException("batch: expected a positive batch size, got " + batch);
        }
        long[] v = new long[batch];
        java.util.Arrays.fill(v, nClasses);
        return Tensor.of(v, batch);
    }

    /**
     * Condition dropout for classifier-free guidance training: each label is replaced by the null class with
     * probability {@code p}, independently, drawing one uniform number per label from {@code rng}.
     * Returns new int64 labels [B].
     */
    public Tensor drop(Tensor labels, double p, Rng rng) {
        requireNull("drop");
        checkLabels(labels);
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("p: expected a probability in [0, 1], got " + p);
        }
        if (rng == null) {
            throw new IllegalArgumentException("rng: expected a generator for the dropout draws, got null");
        }
        long[] v = labels.toLongArray();
        for (int i = 0; i < v.length; i++) {
            if (rng.nextDouble() < p) {
                v[i] = nClasses;
            }
        }
        return Tensor.of(v, v.length);
    }

    private void checkLabels(Tensor labels) {
        if (labels.dtype() != DType.INT64 && labels.dtype() != DType.INT32) {
            throw new IllegalArgumentException("labels: expected INT64 class labels [B], got " + labels.dtype()
                    + " " + Shapes.str(labels.shape()));
        }
        Shapes.checkRank("labels", labels, 1);
        long max = hasNull ? nClasses : nClasses - 1L;
        long[] v = labels.toLongArray();
        for (int i = 0; i < v.length; i++) {
            if (v[i] < 0 || v[i] > max) {
                throw new IllegalArgumentException("labels: expected values in [0, " + max + "]"
                        + (hasNull ? " (" + nClasses + " is the null class)" : "") + ", got " + v[i]
                        + " at index " + i);
            }
        }
    }

    private void requireNull(String what) {
        if (!hasNull) {
            throw new IllegalStateException(what + ": this ClassEmbedder has no null class; build it with "
                    + "withNullClass = true (n_classes + 1 entries) for classifier-free guidance");
        }
    }

    /** The index of the null class ({@code nClasses}). */
    public int nullClass() {
        requireNull("nullClass");
        return nClasses;
    }

    public int classes() {
        return nClasses;
    }

    @Override
    public Kind kind() {
        return Kind.TOKENS;
    }

    @Override
    public long outputDim() {
        return dim;
    }

    @Override
    protected String extraRepr() {
        return "classes=" + nClasses + (hasNull ? " + null" : "") + ", dim=" + dim;
    }
}
