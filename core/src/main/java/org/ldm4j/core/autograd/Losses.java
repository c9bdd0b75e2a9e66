package org.ldm4j.core.autograd;

import static org.ldm4j.core.autograd.Ops.grads;
import static org.ldm4j.core.autograd.Ops.result;

import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * L1, mean squared error and binary cross-entropy with logits, with PyTorch's reductions.
 *
 * <pre>{@code
 * Tensor rec = Losses.l1(x, xRec, Losses.Reduction.NONE);          // per element, as the autoencoder loss wants
 * Tensor d = Losses.bceWithLogits(logits, targets, Losses.Reduction.MEAN);
 * }</pre>
 */
public final class Losses {
    /** How per-element losses are combined. */
    public enum Reduction {
        /** Per element, the inputs' shape. */
        NONE,
        /** Mean over all elements (rank 0). */
        MEAN,
        /** Sum over all elements (rank 0). */
        SUM
    }

    private Losses() {
    }

    private static Tensor reduce(Tensor perElement, Reduction r) {
        switch (r) {
            case MEAN:
                return perElement.mean();
            case SUM:
                return perElement.sum();
            default:
                return perElement;
        }
    }

    private static void checkPair(String op, Tensor a, Tensor b) {
        Shapes.checkSameDType(op, a, b);
        if (!Shapes.equal(a.shape(), b.shape())) {
            throw new IllegalArgumentException(op + ": expected input and target of one shape, got "
                    + Shapes.str(a.shape()) + " and " + Shapes.str(b.shape()));
        }
    }

    /** {@code |input - target|}, reduced. */
    public static Tensor l1(Tensor input, Tensor target, Reduction reduction) {
        checkPair("l1", input, target);
        return reduce(input.sub(target).abs(), reduction);
    }

    /** {@code (input - target)^2}, reduced. */
    public static Tensor mse(Tensor input, Tensor target, Reduction reduction) {
        checkPair("mse", input, target);
        return reduce(input.sub(target).square(), reduction);
    }

    /**
     * {@code -[t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))]} computed stably as
     * {@code max(x, 0) - x t + log(1 + exp(-|x|))}, reduced.
     */
    public static Tensor bceWithLogits(Tensor logits, Tensor targets, Reduction reduction) {
        checkPair("bceWithLogits", logits, targets);
        Shapes.checkFloating("bceWithLogits", logits);
        INDArray x = logits.array();
        INDArray t = targets.array();
        INDArray softplus = Transforms.log(Transforms.exp(Transforms.abs(x, true).negi(), false).addi(1.0), false);
        INDArray xt = x.mul(t);
        INDArray loss = Transforms.relu(x, true).subi(xt).addi(softplus);
        Ops.free(softplus, xt);
        Tensor perElement = result("bceWithLogits", loss, g -> {
            INDArray gx = null;
            if (logits.requiresGrad()) {
                gx = Nd4j.createUninitialized(x.dataType(), x.shape());
                Nd4j.exec(new Sigmoid(x, gx));
                gx.subi(t).muli(g);                        // d/dx = sigmoid(x) - t
            }
            INDArray gt = targets.requiresGrad() ? x.mul(g).negi() : null;   // d/dt = -x
            return grads(gx, gt);
        }, logits, targets);
        return reduce(perElement, reduction);
    }
}
