package org.ldm4j.core.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.ldm4j.core.tensor.Tensor;

/**
 * Single-input layers applied in order, as {@code nn.Sequential}: children are named "0", "1", ..., so the
 * reference's {@code time_embed = nn.Sequential(linear, SiLU(), linear)} has keys {@code 0.weight},
 * {@code 0.bias}, {@code 2.weight}, {@code 2.bias}. Every element must be a {@link Module} that implements
 * {@link Layer}.
 *
 * <pre>{@code
 * Sequential timeEmbed = new Sequential(
 *         new Linear(32, 128, true, rng), new SiLU(), new Linear(128, 128, true, rng));
 * Tensor emb = timeEmbed.forward(tEmb);      // [B, 32] -> [B, 128]
 * }</pre>
 */
public final class Sequential extends Module implements Layer {
    private final List<Module> modules = new ArrayList<>();
    private final List<Layer> layers = new ArrayList<>();

    /** The given layers as children "0", "1", ... */
    public Sequential(Module... layers) {
        for (Module m : layers) {
            add(m);
        }
    }

    /** Appends a layer as the next numbered child; returns this. */
    public Sequential add(Module layer) {
        if (!(layer instanceof Layer l)) {
            throw new IllegalArgumentException("layer " + modules.size() + ": expected a Module that implements "
                    + "Layer (one input, one output), got " + (layer == null ? "null" : layer.typeName()));
        }
        register(Integer.toString(modules.size()), layer);
        modules.add(layer);
        layers.add(l);
        return this;
    }

    /** Applies the layers in order. */
    @Override
    public Tensor forward(Tensor x) {
        Tensor h = x;
        for (Layer l : layers) {
            h = l.forward(h);
        }
        return h;
    }

    /** The {@code i}-th layer. */
    public Module get(int i) {
        if (i < 0 || i >= modules.size()) {
            throw new IndexOutOfBoundsException("index: expected [0, " + modules.size() + "), got " + i);
        }
        return modules.get(i);
    }

    public int size() {
        return modules.size();
    }

    /** The layers, in order; unmodifiable. */
    public List<Module> modules() {
        return Collections.unmodifiableList(modules);
    }
}
