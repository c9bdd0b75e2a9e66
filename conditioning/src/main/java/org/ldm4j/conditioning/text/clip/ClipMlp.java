package org.ldm4j.conditioning.text.clip;

import org.ldm4j.core.nn.Linear;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;

/**
 * huggingface's {@code CLIPMLP}: {@code fc2(act(fc1(x)))} with quick-GELU {@code x * sigmoid(1.702 x)} (OpenAI
 * CLIP) or the exact GELU. Keys: {@code fc1.weight} [I, W], {@code fc1.bias}, {@code fc2.weight} [W, I],
 * {@code fc2.bias}.
 *
 * <pre>{@code
 * ClipMlp mlp = new ClipMlp(768, 3072, ClipTextConfig.Activation.QUICK_GELU, rng);
 * Tensor y = mlp.forward(x);                // [B, N, 768] -> [B, N, 768]
 * }</pre>
 */
final class ClipMlp extends Module {
    private final ClipTextConfig.Activation activation;
    private final Linear fc1;
    private final Linear fc2;

    ClipMlp(int width, int intermediate, ClipTextConfig.Activation activation, Rng rng) {
        this.activation = activation;
        fc1 = register("fc1", new Linear(width, intermediate, true, rng));
        fc2 = register("fc2", new Linear(intermediate, width, true, rng));
    }

    /** x [..., W] -> [..., W]. */
    Tensor forward(Tensor x) {
        Tensor h = fc1.forward(x);
        h = activation == ClipTextConfig.Activation.QUICK_GELU ? quickGelu(h) : h.gelu();
        return fc2.forward(h);
    }

    /** Quick GELU: {@code x * sigmoid(1.702 x)}. */
    static Tensor quickGelu(Tensor x) {
        return x.mul(x.mul(1.702).sigmoid());
    }
}
