package org.ldm4j.autoencoder;

import org.ldm4j.core.nn.Layer;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.nn.ModuleList;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;

/**
 * One resolution level of the encoder ({@code down.i}) or the decoder ({@code up.i}): ResnetBlocks
 * ({@code block.j}), each followed by an AttnBlock ({@code attn.j}) where the level's resolution is listed in
 * {@code attn_resolutions}, then optionally the resampling step ({@code downsample} or {@code upsample}).
 */
final class Level extends Module {
    private final ModuleList<ResnetBlock> block;
    private final ModuleList<AttnBlock> attn;
    private final Layer resample;
    private final String resampleName;

    /**
     * {@code blocks} ResnetBlocks from {@code in} to {@code out} channels; {@code resampleName} is "downsample",
     * "upsample" or null for none.
     */
    Level(int in, int out, int blocks, boolean attention, double dropout, String resampleName, Rng rng) {
        block = register("block", new ModuleList<>());
        attn = register("attn", new ModuleList<>());
        int c = in;
        for (int j = 0; j < blocks; j++) {
            block.add(new ResnetBlock(c, out, dropout, rng));
            c = out;
            if (attention) {
                attn.add(new AttnBlock(c, rng));
            }
        }
        this.resampleName = resampleName;
        if (resampleName == null) {
            resample = null;
        } else if (resampleName.equals("downsample")) {
            resample = register(resampleName, new Downsample(out, rng));
        } else {
            resample = register(resampleName, new Upsample(out, rng));
        }
    }

    /** Runs the level, reporting {@code block.j}, {@code attn.j} and the resampling step to {@code trace}. */
    Tensor forward(Tensor h, Tracer trace) {
        for (int j = 0; j < block.size(); j++) {
            h = Scoped.run(block.get(j), h);
            trace.record("block." + j, h);
            if (!attn.isEmpty()) {
                h = Scoped.run(attn.get(j), h);
                trace.record("attn." + j, h);
            }
        }
        if (resample != null) {
            h = Scoped.run(resample, h);
            trace.record(resampleName, h);
        }
        return h;
    }
}
