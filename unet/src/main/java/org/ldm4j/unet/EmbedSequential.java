package org.ldm4j.unet;

import java.util.ArrayList;
import java.util.List;
import org.ldm4j.core.nn.Layer;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.tensor.Tensor;

/**
 * The reference's {@code TimestepEmbedSequential}: layers "0", "1", ... applied in order, ResBlocks receiving the
 * timestep embedding, SpatialTransformers the context, every other layer only the feature map.
 */
final class EmbedSequential extends Module {
    /** One layer, adapted to the common signature. */
    private interface Step {
        Tensor apply(Tensor h, Tensor emb, Tensor context);
    }

    private final List<Step> steps = new ArrayList<>();

    /** Appends a ResBlock, SpatialTransformer or single-input layer; returns this. */
    EmbedSequential add(Module layer) {
        Step step;
        if (layer instanceof ResBlock rb) {
            step = (h, emb, context) -> rb.forward(h, emb);
        } else if (layer instanceof SpatialTransformer st) {
            step = (h, emb, context) -> st.forward(h, context);
        } else if (layer instanceof Layer l) {
            step = (h, emb, context) -> l.forward(h);
        } else {
            throw new IllegalArgumentException("layer: expected a ResBlock, a SpatialTransformer or a Layer, got "
                    + layer.getClass().getSimpleName());
        }
        register(Integer.toString(steps.size()), layer);
        steps.add(step);
        return this;
    }

    /**
     * Applies the layers; with {@code scoped} (inference) each runs in its own memory scope. Reports each layer's
     * output as {@code "<i>"} to {@code trace}.
     */
    Tensor forward(Tensor h, Tensor emb, Tensor context, boolean scoped, Tracer trace) {
        for (int i = 0; i < steps.size(); i++) {
            Step step = steps.get(i);
            Tensor in = h;
            h = scoped ? Scoped.run(() -> step.apply(in, emb, context)) : step.apply(in, emb, context);
            trace.record(Integer.toString(i), h);
        }
        return h;
    }

    int size() {
        return steps.size();
    }
}
