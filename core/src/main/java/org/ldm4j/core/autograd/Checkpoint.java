package org.ldm4j.core.autograd;

import java.util.function.Function;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.NdArrays;
import org.ldm4j.core.tensor.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Gradient checkpointing (the reference's {@code use_checkpoint}): runs a block without recording its graph and
 * frees its intermediates at once; backward runs the block again, with gradients, and backpropagates through
 * the recomputation. Trades one extra forward pass of the block for its activations' memory.
 *
 * <p>Parameters the block closes over receive their gradients in {@code .grad} as usual. The block must compute
 * the same values when run again: a block with active dropout would draw a different mask (use dropout 0, or
 * do not checkpoint it).
 *
 * <pre>{@code
 * Tensor h = Checkpoint.apply(in -> resBlock.forward(in[0], in[1]), x, emb);
 * }</pre>
 */
public final class Checkpoint {
    private Checkpoint() {
    }

    /** {@code block(inputs)}, recomputed in backward instead of keeping its activations. */
    public static Tensor apply(Function<Tensor[], Tensor> block, Tensor... inputs) {
        if (!GradMode.isEnabled()) {
            return block.apply(inputs);
        }
        Tensor out;
        try (MemoryScope scope = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
            out = scope.keep(block.apply(inputs));          // the block's intermediates are freed here
        }
        INDArray y = out.array();
        for (Tensor in : inputs) {
            if (in != null && NdArrays.rootBuffer(in.array()) == NdArrays.rootBuffer(y)) {
                y = y.dup('c');                               // the block returned an input: never own its memory
                break;
            }
        }
        Node node = new Node("checkpoint", inputs) {
            @Override
            protected INDArray[] backward(INDArray grad) {
                Tensor[] again = new Tensor[inputs.length];
                for (int i = 0; i < inputs.length; i++) {
                    Tensor in = inputs[i];
                    again[i] = in == null ? null : in.detach().requiresGrad(in.requiresGrad());
                }
                try (MemoryScope scope = MemoryScope.open(); GradMode.Scope e = GradMode.enabled()) {
                    Tensor recomputed = block.apply(again);
                    if (recomputed.requiresGrad()) {
                        Autograd.backward(recomputed, Tensor.wrapPersistent(grad), false);
                    }
                }
                INDArray[] grads = new INDArray[inputs.length];
                for (int i = 0; i < inputs.length; i++) {
                    Tensor gi = again[i] == null ? null : again[i].grad();
                    grads[i] = gi == null ? null : gi.array();     // the detached leaf's buffer: ours to hand on
                }
                return grads;
            }
        };
        return Tensor.fromOp(y, node);
    }
}
