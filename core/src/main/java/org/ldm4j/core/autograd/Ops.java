package org.ldm4j.core.autograd;

import java.util.Arrays;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.NdArrays;
import org.ldm4j.core.tensor.Tensor;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Shared plumbing of the op classes: recording a node and reducing broadcast gradients. */
final class Ops {
    private Ops() {
    }

    /** The backward rule of one op: gradients of its inputs from the gradient of its output. */
    @FunctionalInterface
    interface Backward {
        INDArray[] apply(INDArray grad);
    }

    /** An op's output tensor; records a node only when gradients are on and some input requires them. */
    static Tensor result(String op, INDArray out, Backward backward, Tensor... inputs) {
        return result(op, out, backward, null, inputs);
    }

    /** As above, with {@code release} freeing arrays saved only for backward. */
    static Tensor result(String op, INDArray out, Backward backward, Runnable release, Tensor... inputs) {
        if (out.isView()) {
            throw new IllegalStateException(op + ": an op's fresh output must own its memory (use Ops.owned)");
        }
        if (!GradMode.needsGrad(inputs)) {
            if (release != null) {
                release.run();
            }
            return Tensor.wrap(out);
        }
        Node node = new Node(op, inputs) {
            @Override
            protected INDArray[] backward(INDArray grad) {
                return backward.apply(grad);
            }

            @Override
            protected void releaseSaved() {
                if (release != null) {
                    release.run();
                }
            }
        };
        if (release != null) {
            // a graph that is never walked still frees what it saved when its scope closes
            MemoryScope.releaseAtClose(release);
        }
        return Tensor.fromOp(out, node);
    }

    /** An op's output that shares memory with one of its inputs (reshape, permute, slice). */
    static Tensor view(String op, INDArray out, Backward backward, Tensor input) {
        if (!GradMode.needsGrad(input)) {
            return Tensor.viewFromOp(out, null);
        }
        return Tensor.viewFromOp(out, new Node(op, input) {
            @Override
            protected INDArray[] backward(INDArray grad) {
                return backward.apply(grad);
            }
        });
    }

    /**
     * A freshly computed array given a new shape, as an array that owns the memory (a plain reshape would be a
     * view, which no scope frees).
     */
    static INDArray owned(INDArray fresh, long[] shape) {
        return NdArrays.owned(fresh, shape);
    }

    static DataBuffer rootBuffer(INDArray a) {
        return NdArrays.rootBuffer(a);
    }

    static boolean isRowMajor(INDArray a) {
        return NdArrays.isRowMajor(a);
    }

    /** Frees arrays that own their memory (temporaries of an op); nulls and views are skipped. */
    static void free(INDArray... arrays) {
        NdArrays.free(arrays);
    }

    /**
     * Sums a freshly computed broadcast gradient down to {@code shape}, freeing {@code fresh} when a reduced
     * copy replaces it.
     */
    static INDArray sumToFreeing(INDArray fresh, long[] shape) {
        INDArray s = sumTo(fresh, shape);
        if (rootBuffer(s) != rootBuffer(fresh)) {
            free(fresh);
        }
        return s;
    }

    /** A boolean array as 0/1 values of {@code type}; the boolean array is freed. */
    static INDArray mask(INDArray bool, org.nd4j.linalg.api.buffer.DataType type) {
        INDArray m = bool.castTo(type);
        free(bool);
        return m;
    }

    static INDArray[] grads(INDArray... g) {
        return g;
    }

    /** Sums a broadcast gradient back down to {@code shape} (numpy rules: leading axes, then size-1 axes). */
    static INDArray sumTo(INDArray g, long[] shape) {
        long[] gs = g.shape();
        if (Arrays.equals(gs, shape)) {
            return g;
        }
        int lead = gs.length - shape.length;
        int n = 0;
        int[] axes = new int[gs.length];
        for (int i = 0; i < gs.length; i++) {
            if (i < lead || (shape[i - lead] == 1 && gs[i] != 1)) {
                axes[n++] = i;
            }
        }
        INDArray s = n == 0 ? g : g.sum(true, Arrays.copyOf(axes, n));
        return s.reshape('c', shape);
    }
}
