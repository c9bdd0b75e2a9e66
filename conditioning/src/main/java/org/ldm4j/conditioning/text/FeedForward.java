package org.ldm4j.conditioning.text;

import org.ldm4j.core.nn.Dropout;
import org.ldm4j.core.nn.GELU;
import org.ldm4j.core.nn.Linear;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.nn.Sequential;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;

/**
 * x-transformers' {@code FeedForward} without GLU: {@code net = Sequential(Sequential(Linear(D, mult*D), GELU),
 * Dropout(0), Linear(mult*D, D))}, the exact (erf) GELU. Keys: {@code net.0.0.weight}, {@code net.0.0.bias},
 * {@code net.2.weight}, {@code net.2.bias}.
 *
 * <pre>{@code
 * FeedForward ff = new FeedForward(512, 4, rng);
 * Tensor y = ff.forward(x);                 // [B, N, 512] -> [B, N, 512], hidden 2048
 * }</pre>
 */
final class FeedForward extends Module {
    private final Sequential net;

    FeedForward(long dim, int mult, Rng rng) {
        long inner = dim * mult;
        Sequential projectIn = new Sequential(new Linear(dim, inner, true, rng), new GELU());
        net = register("net", new Sequential(projectIn, new Dropout(0.0, null), new Linear(inner, dim, true, rng)));
    }

    /** x [..., D] -> [..., D]. */
    Tensor forward(Tensor x) {
        return net.forward(x);
    }
}
