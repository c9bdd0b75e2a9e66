package org.ldm4j.autoencoder;

import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;

/** The middle of the encoder and of the decoder ({@code mid}): {@code block_1}, {@code attn_1}, {@code block_2}. */
final class MidBlock extends Module {
    private final ResnetBlock block1;
    private final AttnBlock attn1;
    private final ResnetBlock block2;

    MidBlock(int channels, double dropout, Rng rng) {
        block1 = register("block_1", new ResnetBlock(channels, channels, dropout, rng));
        attn1 = register("attn_1", new AttnBlock(channels, rng));
        block2 = register("block_2", new ResnetBlock(channels, channels, dropout, rng));
    }

    Tensor forward(Tensor h, Tracer trace) {
        h = Scoped.run(block1, h);
        trace.record("block_1", h);
        h = Scoped.run(attn1, h);
        trace.record("attn_1", h);
        h = Scoped.run(block2, h);
        trace.record("block_2", h);
        return h;
    }
}
