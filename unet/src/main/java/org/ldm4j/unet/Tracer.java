package org.ldm4j.unet;

import org.ldm4j.core.tensor.Tensor;

/**
 * Receives intermediate activations of a {@link UNetModel} by the reference module's dotted name, as PyTorch
 * forward hooks would: {@code time_embed.input} (the sinusoidal embedding), {@code time_embed} (before
 * {@code label_emb} is added), each layer {@code input_blocks.i.j} and block {@code input_blocks.i},
 * {@code middle_block.j}, {@code middle_block}, {@code output_blocks.i.j}, {@code output_blocks.i} (before the skip
 * concatenation of the next block) and {@code out}. With a tracer, the model keeps every activation in the
 * caller's {@link org.ldm4j.core.tensor.MemoryScope}: compare or copy them before it closes.
 *
 * <pre>{@code
 * Map<String, Tensor> seen = new LinkedHashMap<>();
 * Tensor eps = unet.forward(x, t, context, null, seen::put);
 * seen.get("middle_block");                     // [B, C, H/f, W/f]
 * }</pre>
 */
@FunctionalInterface
public interface Tracer {
    /** A tracer that ignores everything. */
    Tracer NONE = (name, value) -> { };

    /** Called with each traced module's output. */
    void record(String name, Tensor value);

    /** A tracer that forwards to this one with {@code prefix} in front of every name. */
    default Tracer prefixed(String prefix) {
        if (this == NONE) {
            return NONE;
        }
        return (name, value) -> record(prefix + name, value);
    }
}
