package org.ldm4j.core.autograd;

import java.util.Arrays;
import org.ldm4j.core.tensor.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One recorded operation: its inputs and how to turn the gradient of its output into gradients of its inputs.
 * Every op output that requires grad has exactly one node; leaves have none.
 */
public abstract class Node {
    private final String op;
    private Tensor[] inputs;

    protected Node(String op, Tensor... inputs) {
        this.op = op;
        this.inputs = inputs;
    }

    /** The op's name, as error messages and graph dumps show it. */
    public final String op() {
        return op;
    }

    /** The inputs, in the order backward returns their gradients. */
    final Tensor[] inputs() {
        if (inputs == null) {
            throw new IllegalStateException("backward: the graph through '" + op + "' was already freed by an "
                    + "earlier backward; pass retainGraph=true to the first one to walk it twice");
        }
        return inputs;
    }

    /**
     * Gradients with respect to each input, given the gradient of the output. Entries for inputs that do not
     * require grad may be null. Must not write into {@code grad} or into any saved array.
     */
    protected abstract INDArray[] backward(INDArray grad);

    /** Frees arrays saved only for backward (never the inputs' or the output's own data). */
    protected void releaseSaved() {
    }

    /** Drops everything backward needed; called once the graph is walked without retainGraph. */
    final void free() {
        releaseSaved();
        inputs = null;
    }

    @Override
    public String toString() {
        return op + (inputs == null ? "(freed)" : Arrays.toString(Arrays.stream(inputs).map(t -> t == null ? "null"
                : Arrays.toString(t.shape())).toArray()));
    }
}
