package org.ldm4j.core.autograd;

import static org.ldm4j.core.autograd.Ops.grads;
import static org.ldm4j.core.autograd.Ops.result;

import org.ldm4j.core.tensor.NdArrays;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Convolution, pooling and nearest-neighbour upsampling over NCHW tensors, with PyTorch's weight layout
 * {@code [out, in, kh, kw]}. Convolutions run ND4J's {@code conv2d}/{@code conv2d_bp} kernels (oneDNN on the
 * default CPU build). No dilation and no groups: the paper's models need neither.
 *
 * <pre>{@code
 * Tensor h = Convolutions.conv2d(x, w, b, 1, 1);          // 3x3, stride 1, padding 1
 * Tensor up = Convolutions.upsampleNearest(h, 2);         // [B, C, 2H, 2W]
 * }</pre>
 */
public final class Convolutions {
    private Convolutions() {
    }

    /** Square stride and padding. */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding) {
        return conv2d(x, weight, bias, stride, stride, padding, padding);
    }

    /** {@code y = conv(x, weight) + bias}; x [N, Cin, H, W], weight [Cout, Cin, kh, kw], bias [Cout] or null. */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int strideH, int strideW, int padH, int padW) {
        Shapes.checkRank("x", x, 4);
        Shapes.checkRank("weight", weight, 4);
        Shapes.checkSameDType("conv2d", x, weight);
        Shapes.checkFloating("conv2d", x);
        long[] xs = x.shape();
        long[] ws = weight.shape();
        Shapes.checkDim("x", x, 1, ws[1], "input channels (weight " + Shapes.str(ws) + ")");
        if (bias != null) {
            Shapes.checkShape("bias", bias, ws[0]);
        }
        if (strideH < 1 || strideW < 1 || padH < 0 || padW < 0) {
            throw new IllegalArgumentException("conv2d: expected strides >= 1 and paddings >= 0, got stride ("
                    + strideH + ", " + strideW + ") padding (" + padH + ", " + padW + ")");
        }
        long oh = (xs[2] + 2L * padH - ws[2]) / strideH + 1;
        long ow = (xs[3] + 2L * padW - ws[3]) / strideW + 1;
        if (oh <= 0 || ow <= 0) {
            throw new IllegalArgumentException("conv2d: kernel " + ws[2] + "x" + ws[3] + " does not fit input "
                    + Shapes.str(xs) + " with padding (" + padH + ", " + padW + ")");
        }
        int[] args = {(int) ws[2], (int) ws[3], strideH, strideW, padH, padW, 1, 1, 0, 0, 1};
        INDArray x0 = x.array();
        INDArray w0 = weight.array();
        INDArray xa = NdArrays.dense(x0);
        INDArray wa = NdArrays.dense(w0);
        INDArray ba = bias == null ? null : bias.array();
        INDArray y = Nd4j.createUninitialized(xa.dataType(), xs[0], ws[0], oh, ow);
        DynamicCustomOp.DynamicCustomOpsBuilder op = DynamicCustomOp.builder("conv2d");
        op = ba == null ? op.addInputs(xa, wa) : op.addInputs(xa, wa, ba);
        Nd4j.exec(op.addOutputs(y).addIntegerArguments(args).build());
        return result("conv2d", y, g -> {
            INDArray gi = Nd4j.createUninitialized(xa.dataType(), xs);
            INDArray gw = Nd4j.createUninitialized(wa.dataType(), ws);
            INDArray gb = ba == null ? null : Nd4j.createUninitialized(ba.dataType(), ba.shape());
            DynamicCustomOp.DynamicCustomOpsBuilder bp = DynamicCustomOp.builder("conv2d_bp");
            INDArray gd = NdArrays.dense(g);
            bp = ba == null ? bp.addInputs(xa, wa, gd).addOutputs(gi, gw) : bp.addInputs(xa, wa, ba, gd).addOutputs(gi, gw, gb);
            Nd4j.exec(bp.addIntegerArguments(args).build());
            NdArrays.freeIfCopy(gd, g);
            if (!x.requiresGrad()) {
                Ops.free(gi);
                gi = null;
            }
            if (!weight.requiresGrad()) {
                Ops.free(gw);
                gw = null;
            }
            return grads(gi, gw, gb);
        }, () -> {
            NdArrays.freeIfCopy(xa, x0);
            NdArrays.freeIfCopy(wa, w0);
        }, x, weight, bias);
    }

    /**
     * A 1-D convolution with kernel size 1 over [B, Cin, T], weight [Cout, Cin, 1] (PyTorch's Conv1d layout),
     * as the reference's attention blocks use for qkv and proj_out. Built from reshape and {@link #conv2d}.
     */
    public static Tensor conv1x1(Tensor x, Tensor weight, Tensor bias) {
        Shapes.checkRank("x", x, 3);
        Shapes.checkRank("weight", weight, 3);
        Shapes.checkDim("weight", weight, 2, 1, "kernel size");
        long[] xs = x.shape();
        long[] ws = weight.shape();
        Tensor y = conv2d(x.reshape(xs[0], xs[1], xs[2], 1), weight.reshape(ws[0], ws[1], 1, 1), bias, 1, 0);
        return y.reshape(xs[0], ws[0], xs[2]);
    }

    /** Nearest-neighbour upsampling by an integer factor: [N, C, H, W] -> [N, C, fH, fW]. */
    public static Tensor upsampleNearest(Tensor x, int factor) {
        Shapes.checkRank("x", x, 4);
        Shapes.checkFloating("upsampleNearest", x);
        if (factor < 1) {
            throw new IllegalArgumentException("factor: expected >= 1, got " + factor);
        }
        long[] s = x.shape();
        long[] big = {s[0], s[1], s[2], factor, s[3], factor};
        INDArray xd = NdArrays.dense(x.array());
        INDArray y6 = NdArrays.broadcastTo(xd.reshape('c', s[0], s[1], s[2], 1, s[3], 1), big);
        NdArrays.freeIfCopy(xd, x.array());
        INDArray y = Ops.owned(y6, new long[] {s[0], s[1], s[2] * factor, s[3] * factor});
        return result("upsampleNearest", y, g -> {
            INDArray gd = NdArrays.dense(g);
            INDArray gx = gd.reshape('c', big).sum(3, 5);          // each input pixel collects its f x f copies
            NdArrays.freeIfCopy(gd, g);
            return grads(Ops.owned(gx, s));
        }, x);
    }

    /** Average pooling with PyTorch's defaults (padding counted in the average: count_include_pad). */
    public static Tensor avgPool2d(Tensor x, int kernel, int stride, int padding) {
        return pool("avgpool2d", x, kernel, stride, padding, 1);
    }

    /** Max pooling (the gradient goes to the maximum of each window). */
    public static Tensor maxPool2d(Tensor x, int kernel, int stride, int padding) {
        return pool("maxpool2d", x, kernel, stride, padding, 0);
    }

    private static Tensor pool(String op, Tensor x, int k, int s, int p, int extra) {
        Shapes.checkRank("x", x, 4);
        Shapes.checkFloating(op, x);
        if (k < 1 || s < 1 || p < 0 || 2 * p > k) {
            throw new IllegalArgumentException(op + ": expected kernel >= 1, stride >= 1, 0 <= padding <= kernel/2, "
                    + "got kernel " + k + " stride " + s + " padding " + p);
        }
        long[] xs = x.shape();
        long oh = (xs[2] + 2L * p - k) / s + 1;
        long ow = (xs[3] + 2L * p - k) / s + 1;
        if (oh <= 0 || ow <= 0) {
            throw new IllegalArgumentException(op + ": kernel " + k + " does not fit input " + Shapes.str(xs));
        }
        // kH, kW, sH, sW, pH, pW, dH, dW, sameMode, extraParam0 (avg: 1 = divide by the full kernel), isNHWC
        int[] args = {k, k, s, s, p, p, 1, 1, 0, extra, 0};
        INDArray x0 = x.array();
        INDArray xa = NdArrays.dense(x0);
        INDArray y = Nd4j.createUninitialized(xa.dataType(), xs[0], xs[1], oh, ow);
        Nd4j.exec(DynamicCustomOp.builder(op).addInputs(xa).addOutputs(y).addIntegerArguments(args).build());
        return result(op, y, g -> {
            INDArray gi = Nd4j.createUninitialized(xa.dataType(), xs);
            INDArray gd = NdArrays.dense(g);
            Nd4j.exec(DynamicCustomOp.builder(op + "_bp").addInputs(xa, gd).addOutputs(gi)
                    .addIntegerArguments(args).build());
            NdArrays.freeIfCopy(gd, g);
            return grads(gi);
        }, () -> NdArrays.freeIfCopy(xa, x0), x);
    }
}
