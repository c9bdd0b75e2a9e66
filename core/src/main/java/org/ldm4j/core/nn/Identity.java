package org.ldm4j.core.nn;

import org.ldm4j.core.tensor.Tensor;

/**
 * The identity, as {@code nn.Identity}: the reference's ResBlock uses it for {@code h_upd}, {@code x_upd}
 * and a {@code skip_connection} between equal channel counts. No parameters.
 *
 * <pre>{@code
 * Layer skip = in == out ? new Identity() : new Conv2d(in, out, 1, 1, 0, true, rng);
 * }</pre>
 */
public final class Identity extends Module implements Layer {
    @Override
    public Tensor forward(Tensor x) {
        return x;
    }
}
