package org.ldm4j.core.nn;

import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * A test module with the registration order and names of the reference's {@code openaimodel.ResBlock}
 * (dims=2, no up/down, no scale-shift): {@code in_layers} (GroupNorm32, SiLU, conv3x3), {@code h_upd} and
 * {@code x_upd} (Identity), {@code emb_layers} (SiLU, Linear), {@code out_layers} (GroupNorm32, SiLU, Dropout,
 * conv3x3) and {@code skip_connection} (Identity or a 1x1 conv).
 */
final class ResBlockLike extends Module {
    private final Sequential inLayers;
    private final Sequential embLayers;
    private final Sequential outLayers;
    private final Layer skip;
    private final long out;

    ResBlockLike(long channels, long embChannels, long outChannels, Rng rng) {
        this.out = outChannels;
        inLayers = register("in_layers", new Sequential(
                new GroupNorm(32, channels, 1e-5), new SiLU(), new Conv2d(channels, outChannels, 3, 1, 1, true, rng)));
        register("h_upd", new Identity());
        register("x_upd", new Identity());
        embLayers = register("emb_layers", new Sequential(new SiLU(), new Linear(embChannels, outChannels, true, rng)));
        outLayers = register("out_layers", new Sequential(new GroupNorm(32, outChannels, 1e-5), new SiLU(),
                new Dropout(0.0, rng), new Conv2d(outChannels, outChannels, 3, 1, 1, true, rng)));
        skip = channels == outChannels ? register("skip_connection", new Identity())
                : register("skip_connection", new Conv2d(channels, outChannels, 1, 1, 0, true, rng));
    }

    /** x [B, C, H, W], emb [B, E] -> [B, out, H, W]. */
    Tensor forward(Tensor x, Tensor emb) {
        Shapes.checkRank("emb", emb, 2);
        Tensor h = inLayers.forward(x);
        Tensor e = embLayers.forward(emb);                       // [B, out]
        h = h.add(e.reshape(e.size(0), out, 1, 1));              // broadcast over H, W
        h = outLayers.forward(h);
        return skip.forward(x).add(h);
    }
}
