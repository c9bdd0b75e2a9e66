package org.ldm4j.autoencoder;

import org.ldm4j.core.tensor.Tensor;

/**
 * Receives intermediate activations by the reference module's dotted name, as PyTorch forward hooks would: the
 * output of {@code encoder.conv_in}, {@code encoder.down.0.block.0}, {@code decoder.mid.attn_1},
 * {@code decoder.norm_out} (the GroupNorm output, before swish and conv_out), ... Use it to find the first module
 * at which a port diverges from reference activations. The tensors belong to the caller's
 * {@link org.ldm4j.core.tensor.MemoryScope}: compare or copy them before it closes.
 *
 * <pre>{@code
 * Map<String, Tensor> seen = new LinkedHashMap<>();
 * DiagonalGaussian post = vae.encode(x, seen::put);      // keys "encoder.conv_in", ..., "encoder.norm_out"
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
