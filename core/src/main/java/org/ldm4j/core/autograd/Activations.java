package org.ldm4j.core.autograd;

import static org.ldm4j.core.autograd.Ops.grads;
import static org.ldm4j.core.autograd.Ops.result;

import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Swish;
import org.nd4j.linalg.api.ops.impl.transforms.strict.SwishDerivative;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Tanh;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Activations and softmax. ND4J's one-argument transforms overwrite their input, so every op here writes into
 * a fresh output; ND4J's GELU is an approximation, so {@link #gelu} is built from {@code erf}.
 *
 * <pre>{@code
 * Tensor h = Activations.silu(x);        // x * sigmoid(x), the reference's "swish" / nonlinearity
 * }</pre>
 */
public final class Activations {
    private static final double INV_SQRT2 = 1.0 / Math.sqrt(2.0);
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);

    private Activations() {
    }

    private static INDArray like(INDArray x) {
        return Nd4j.createUninitialized(x.dataType(), x.shape());
    }

    public static Tensor sigmoid(Tensor x) {
        Shapes.checkFloating("sigmoid", x);
        INDArray y = like(x.array());
        Nd4j.exec(new Sigmoid(x.array(), y));
        // s' = s (1 - s)
        return result("sigmoid", y, g -> grads(y.rsub(1.0).muli(y).muli(g)), x);
    }

    public static Tensor tanh(Tensor x) {
        Shapes.checkFloating("tanh", x);
        INDArray y = like(x.array());
        Nd4j.exec(new Tanh(x.array(), y));
        return result("tanh", y, g -> grads(y.mul(y).rsubi(1.0).muli(g)), x);
    }

    /** SiLU (swish): {@code x * sigmoid(x)}. */
    public static Tensor silu(Tensor x) {
        Shapes.checkFloating("silu", x);
        INDArray xa = x.array();
        INDArray y = like(xa);
        Nd4j.exec(new Swish(xa, y));
        return result("silu", y, g -> {
            INDArray d = like(xa);
            Nd4j.exec(new SwishDerivative(xa, d));
            return grads(d.muli(g));
        }, x);
    }

    /** The exact GELU, {@code x/2 (1 + erf(x / sqrt 2))}, as PyTorch's default and the reference use. */
    public static Tensor gelu(Tensor x) {
        Shapes.checkFloating("gelu", x);
        INDArray xa = x.array();
        INDArray y = erfOfScaled(xa);          // erf(x / sqrt 2)
        y.addi(1.0).muli(xa).muli(0.5);
        return result("gelu", y, g -> {
            // d/dx = Phi(x) + x phi(x) = (1 + erf(x/sqrt2)) / 2 + x exp(-x^2/2) / sqrt(2 pi)
            INDArray phi = xa.mul(xa).muli(-0.5);
            phi = Transforms.exp(phi, false).muli(xa).muli(INV_SQRT_2PI);
            INDArray cdf = erfOfScaled(xa).addi(1.0).muli(0.5);
            cdf.addi(phi).muli(g);
            Ops.free(phi);
            return grads(cdf);
        }, x);
    }

    private static INDArray erfOfScaled(INDArray x) {
        INDArray s = x.mul(INV_SQRT2);
        Nd4j.exec(new Erf(s, s));
        return s;
    }

    public static Tensor relu(Tensor x) {
        Shapes.checkFloating("relu", x);
        INDArray xa = x.array();
        return result("relu", Transforms.relu(xa, true),
                g -> grads(Ops.mask(xa.gt(0.0), xa.dataType()).muli(g)), x);
    }

    /** {@code x} where positive, {@code slope * x} elsewhere (the patch-GAN discriminator uses 0.2). */
    public static Tensor leakyRelu(Tensor x, double slope) {
        Shapes.checkFloating("leakyRelu", x);
        INDArray xa = x.array();
        return result("leakyRelu", Transforms.leakyRelu(xa, slope, true), g -> {
            // 1 where x > 0, slope elsewhere: slope + (1 - slope) [x > 0]
            INDArray d = Ops.mask(xa.gt(0.0), xa.dataType()).muli(1.0 - slope).addi(slope);
            return grads(d.muli(g));
        }, x);
    }

    /**
     * Softplus {@code log(1 + exp(x))}, as PyTorch's default (beta 1, threshold 20: {@code x} itself above 20),
     * computed stably as {@code max(x, 0) + log(1 + exp(-|x|))}.
     */
    public static Tensor softplus(Tensor x) {
        Shapes.checkFloating("softplus", x);
        INDArray xa = x.array();
        INDArray e = Transforms.exp(Transforms.abs(xa, true).negi(), false);     // exp(-|x|)
        INDArray pos = Transforms.relu(xa, true);
        INDArray y = Transforms.log(e.add(1.0), false).addi(pos);
        Ops.free(pos);
        INDArray above = Ops.mask(xa.gt(20.0), xa.dataType());
        // y = x where x > 20: y + above * (x - y)
        INDArray diff = xa.sub(y).muli(above);
        y.addi(diff);
        Ops.free(e, diff);
        return result("softplus", y, g -> {
            // d/dx = sigmoid(x) (1 above the threshold)
            INDArray s = like(xa);
            Nd4j.exec(new Sigmoid(xa, s));
            INDArray keep = above.rsub(1.0);
            s.muli(keep).addi(above).muli(g);
            Ops.free(keep);
            return grads(s);
        }, () -> Ops.free(above), x);
    }

    /** Softmax along {@code dim} (max-subtracted: stable for large inputs). */
    public static Tensor softmax(Tensor x, int dim) {
        Shapes.checkFloating("softmax", x);
        int d = Shapes.axis("dim", dim, x.rank());
        INDArray xa = x.array();
        INDArray y = like(xa);
        Nd4j.exec(new SoftMax(xa, y, d));
        return result("softmax", y, g -> grads(softmaxBackward(y, g, d)), x);
    }

    /** {@code dx = y * (g - sum(g * y))} along {@code dim}. */
    static INDArray softmaxBackward(INDArray y, INDArray g, int dim) {
        INDArray gy = g.mul(y);
        INDArray s = gy.sum(true, dim);
        INDArray ys = y.mul(s);
        gy.subi(ys);
        Ops.free(s, ys);
        return gy;
    }

    /** Log-softmax along {@code dim}: {@code x - max - log(sum(exp(x - max)))}. */
    public static Tensor logSoftmax(Tensor x, int dim) {
        Shapes.checkFloating("logSoftmax", x);
        int d = Shapes.axis("dim", dim, x.rank());
        INDArray xa = x.array();
        INDArray m = xa.max(true, d);
        INDArray z = xa.sub(m);
        INDArray e = Transforms.exp(z, true);
        INDArray lse = Transforms.log(e.sum(true, d), false);
        INDArray y = z.subi(lse);
        Ops.free(m, e, lse);
        return result("logSoftmax", y, g -> {
            // dx = g - softmax(x) * sum(g)
            INDArray s = g.sum(true, d);
            INDArray p = Transforms.exp(y, true).muli(s);
            INDArray dx = g.sub(p);
            Ops.free(s, p);
            return grads(dx);
        }, x);
    }
}
