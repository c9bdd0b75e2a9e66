package org.ldm4j.core.nn;

import org.ldm4j.core.tensor.Tensor;

/**
 * SiLU (swish), {@code x * sigmoid(x)}: the reference's {@code nonlinearity} and {@code nn.SiLU}.
 * No parameters; in a {@link Sequential} it still takes an index, so keys match the reference's.
 *
 * <pre>{@code
 * Sequential timeEmbed = new Sequential(
 *         new Linear(32, 128, true, rng), new SiLU(), new Linear(128, 128, true, rng));
 * timeEmbed.stateDict().keySet();     // [0.weight, 0.bias, 2.weight, 2.bias]
 * }</pre>
 */
public final class SiLU extends Module implements Layer {
    @Override
    public Tensor forward(Tensor x) {
        return x.silu();
    }
}
