package org.ldm4j.unet;

import java.util.List;
import org.ldm4j.core.nn.Dropout;
import org.ldm4j.core.nn.Layer;
import org.ldm4j.core.nn.Linear;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.nn.Sequential;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * The transformer's gated feed-forward ({@code ldm.modules.attention.FeedForward} with {@code glu=True}, as every
 * BasicTransformerBlock builds it): with {@code inner = 4 * dim},
 * <pre>
 *   (a, gate) = chunk(net.0.proj(x), 2)         GEGLU: Linear dim -> 2 inner, first half a
 *   h = a * gelu(gate)                          the exact (erf) GELU
 *   return net.2(Dropout(h))                    Linear inner -> dim
 * </pre>
 * Keys: {@code net.0.proj}, {@code net.2}.
 *
 * <pre>{@code
 * FeedForward ff = new FeedForward(320, 0.0, rng);
 * Tensor y = ff.forward(x);                    // [B, T, 320] -> [B, T, 320] through 1280 gated channels
 * }</pre>
 */
public final class FeedForward extends Module implements Layer {
    private final int dim;
    private final Geglu geglu;
    private final Dropout dropout;
    private final Linear out;

    public FeedForward(int dim, double dropout, Rng rng) {
        this.dim = dim;
        int inner = 4 * dim;
        geglu = new Geglu(dim, inner, rng);
        this.dropout = new Dropout(dropout, dropout > 0 ? rng.split() : null);
        out = new Linear(inner, dim, true, rng);
        register("net", new Sequential(geglu, this.dropout, out));
    }

    /** x [..., dim] -> [..., dim]. */
    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() < 1) {
            throw new IllegalArgumentException("x: expected [..., " + dim + "], got a scalar");
        }
        Shapes.checkDim("x", x, -1, dim, "features");
        return out.forward(dropout.forward(geglu.forward(x)));
    }

    /** GEGLU: {@code a * gelu(gate)} of the two halves of one projection (key {@code proj}). */
    static final class Geglu extends Module implements Layer {
        private final Linear proj;

        Geglu(int in, int out, Rng rng) {
            proj = register("proj", new Linear(in, 2L * out, true, rng));
        }

        @Override
        public Tensor forward(Tensor x) {
            List<Tensor> halves = proj.forward(x).chunk(2, -1);               // a, gate: (..., inner) each
            return halves.get(0).mul(halves.get(1).gelu());
        }
    }
}
