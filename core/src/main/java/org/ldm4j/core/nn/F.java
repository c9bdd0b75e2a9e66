package org.ldm4j.core.nn;

import org.ldm4j.core.autograd.Activations;
import org.ldm4j.core.autograd.Attention;
import org.ldm4j.core.autograd.Convolutions;
import org.ldm4j.core.autograd.Indexing;
import org.ldm4j.core.autograd.LinearAlgebra;
import org.ldm4j.core.autograd.Losses;
import org.ldm4j.core.autograd.Normalizations;
import org.ldm4j.core.autograd.RandomOps;
import org.ldm4j.core.autograd.ShapeOps;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;

/**
 * Stateless functions under the names of {@code torch.nn.functional}, each a one-line delegation to the op in
 * {@code org.ldm4j.core.autograd} (see there for shapes and checks). Argument order follows the autograd ops,
 * except {@link #embedding}, which follows torch ({@code F.embedding(input, weight)}).
 *
 * <pre>{@code
 * import static org.ldm4j.core.nn.F.*;
 * Tensor h = silu(groupNorm(x, 32, w, b, 1e-6));
 * Tensor out = scaledDotProductAttention(q, k, v, null, 1.0 / Math.sqrt(d));
 * Tensor loss = mseLoss(eps, epsHat);                    // mean, as torch's default
 * }</pre>
 */
public final class F {
    private F() {
    }

    // ---------------------------------------------------------------- layers

    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        return LinearAlgebra.linear(x, weight, bias);
    }

    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding) {
        return Convolutions.conv2d(x, weight, bias, stride, padding);
    }

    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int strideH, int strideW, int padH, int padW) {
        return Convolutions.conv2d(x, weight, bias, strideH, strideW, padH, padW);
    }

    /** A kernel-size-1 Conv1d: x [B, C, T], weight [O, C, 1]. */
    public static Tensor conv1d1x1(Tensor x, Tensor weight, Tensor bias) {
        return Convolutions.conv1x1(x, weight, bias);
    }

    public static Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, double eps) {
        return Normalizations.groupNorm(x, groups, weight, bias, eps);
    }

    public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        return Normalizations.layerNorm(x, weight, bias, eps);
    }

    public static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                                   boolean training, double momentum, double eps) {
        return Normalizations.batchNorm(x, weight, bias, runningMean, runningVar, training, momentum, eps);
    }

    /** torch order: {@code F.embedding(input, weight)}: rows of {@code weight} [V, D] at integer {@code indices}. */
    public static Tensor embedding(Tensor indices, Tensor weight) {
        return Indexing.embedding(weight, indices);
    }

    public static Tensor dropout(Tensor x, double p, Rng rng) {
        return RandomOps.dropout(x, p, rng);
    }

    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor mask, double scale) {
        return Attention.scaledDotProduct(q, k, v, mask, scale);
    }

    // ---------------------------------------------------------------- activations

    public static Tensor silu(Tensor x) {
        return Activations.silu(x);
    }

    /** The exact (erf) GELU. */
    public static Tensor gelu(Tensor x) {
        return Activations.gelu(x);
    }

    public static Tensor relu(Tensor x) {
        return Activations.relu(x);
    }

    public static Tensor leakyRelu(Tensor x, double slope) {
        return Activations.leakyRelu(x, slope);
    }

    public static Tensor sigmoid(Tensor x) {
        return Activations.sigmoid(x);
    }

    public static Tensor tanh(Tensor x) {
        return Activations.tanh(x);
    }

    public static Tensor softmax(Tensor x, int dim) {
        return Activations.softmax(x, dim);
    }

    public static Tensor logSoftmax(Tensor x, int dim) {
        return Activations.logSoftmax(x, dim);
    }

    // ---------------------------------------------------------------- losses (torch's default reduction: mean)

    public static Tensor l1Loss(Tensor input, Tensor target) {
        return Losses.l1(input, target, Losses.Reduction.MEAN);
    }

    public static Tensor l1Loss(Tensor input, Tensor target, Losses.Reduction reduction) {
        return Losses.l1(input, target, reduction);
    }

    public static Tensor mseLoss(Tensor input, Tensor target) {
        return Losses.mse(input, target, Losses.Reduction.MEAN);
    }

    public static Tensor mseLoss(Tensor input, Tensor target, Losses.Reduction reduction) {
        return Losses.mse(input, target, reduction);
    }

    public static Tensor bceWithLogits(Tensor logits, Tensor targets) {
        return Losses.bceWithLogits(logits, targets, Losses.Reduction.MEAN);
    }

    public static Tensor bceWithLogits(Tensor logits, Tensor targets, Losses.Reduction reduction) {
        return Losses.bceWithLogits(logits, targets, reduction);
    }

    // ---------------------------------------------------------------- shapes, resampling, selection

    /** Zero padding in torch order: (left, right) of the last dimension, then (top, bottom), ... */
    public static Tensor pad(Tensor x, long... pads) {
        return ShapeOps.pad(x, 0.0, pads);
    }

    /** Constant padding in torch order. */
    public static Tensor pad(Tensor x, double value, long... pads) {
        return ShapeOps.pad(x, value, pads);
    }

    /** {@code torch.cat(tensors, dim)}. */
    public static Tensor cat(int dim, Tensor... tensors) {
        return ShapeOps.concat(dim, tensors);
    }

    /** {@code F.interpolate(x, scale_factor=factor, mode="nearest")} for an integer factor. */
    public static Tensor interpolateNearest(Tensor x, int factor) {
        return Convolutions.upsampleNearest(x, factor);
    }

    public static Tensor avgPool2d(Tensor x, int kernel, int stride, int padding) {
        return Convolutions.avgPool2d(x, kernel, stride, padding);
    }

    public static Tensor maxPool2d(Tensor x, int kernel, int stride, int padding) {
        return Convolutions.maxPool2d(x, kernel, stride, padding);
    }

    /** {@code torch.where(condition, a, b)}. */
    public static Tensor where(Tensor condition, Tensor a, Tensor b) {
        return Indexing.where(condition, a, b);
    }
}
