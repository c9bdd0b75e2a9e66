package org.ldm4j.diffusion;

import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * One batch's conditioning for a {@link Denoiser}: a token sequence for cross-attention ({@code context},
 * [B, N, D]), class labels ({@code labels}, int64 [B]), and a spatial map concatenated to the input
 * ({@code concat}, [B, C', H, W]); each may be null.
 *
 * <pre>{@code
 * Conditioning c = Conditioning.ofContext(textEncoder.encode(prompts));
 * }</pre>
 */
public record Conditioning(Tensor context, Tensor labels, Tensor concat) {
    /** No conditioning (an unconditional model). */
    public static final Conditioning NONE = new Conditioning(null, null, null);

    public static Conditioning ofContext(Tensor context) {
        return new Conditioning(context, null, null);
    }

    public static Conditioning ofLabels(Tensor labels) {
        return new Conditioning(null, labels, null);
    }

    public static Conditioning ofConcat(Tensor concat) {
        return new Conditioning(null, null, concat);
    }

    /** The batch size every present part agrees on, or -1 when none is present. */
    public long batchSize() {
        long b = -1;
        for (Tensor t : new Tensor[] {context, labels, concat}) {
            if (t != null) {
                if (b >= 0 && t.size(0) != b) {
                    throw new IllegalArgumentException("conditioning: parts disagree on the batch size: " + b + " vs "
                            + Shapes.str(t.shape()));
                }
                b = t.size(0);
            }
        }
        return b;
    }
}
