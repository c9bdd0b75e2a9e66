package org.ldm4j.unet;

import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/** The argument checks of {@link UNetModel#forward}, with messages that say what to pass. */
final class Inputs {
    private Inputs() {
    }

    /** Checks every argument; returns the labels as INT64 [B] (null without class conditioning). */
    static Tensor check(UNetConfig c, DType paramType, Tensor x, Tensor timesteps, Tensor context, Tensor y) {
        if (x == null) {
            throw new IllegalArgumentException("x: expected [B, " + c.inChannels() + ", H, W], got null");
        }
        Shapes.checkRank("x", x, 4);
        Shapes.checkDim("x", x, 1, c.inChannels(), "channels");
        if (x.dtype() != paramType) {
            throw new IllegalArgumentException("x: expected " + paramType + " like the model's parameters, got "
                    + x.dtype() + " (convert x with .to(DType) or the model with .to(DType))");
        }
        long b = x.size(0);
        int f = c.downsamplingFactor();
        if (x.size(2) % f != 0 || x.size(3) % f != 0) {
            throw new IllegalArgumentException("x: expected a height and width divisible by " + f + " ("
                    + c.numLevels() + " levels), got " + Shapes.str(x.shape()));
        }
        if (timesteps == null) {
            throw new IllegalArgumentException("timesteps: expected [" + b + "], got null");
        }
        Shapes.checkShape("timesteps", timesteps, b);
        if (c.useSpatialTransformer()) {
            if (context == null) {
                throw new IllegalArgumentException("context: expected [" + b + ", M, " + c.contextDim() + "] for the "
                        + "cross-attention, got null (pass the unconditional embedding for an unconditional pass)");
            }
            Shapes.checkRank("context", context, 3);
            Shapes.checkDim("context", context, 0, b, "batch entries (as x)");
            Shapes.checkDim("context", context, 2, c.contextDim(), "features");
            if (context.dtype() != paramType) {
                throw new IllegalArgumentException("context: expected " + paramType + " like the model's parameters, "
                        + "got " + context.dtype());
            }
        } else if (context != null) {
            throw new IllegalArgumentException("context: this U-Net has no cross-attention (useSpatialTransformer is "
                    + "false); expected null, got " + Shapes.str(context.shape()));
        }
        if (!c.isClassConditional()) {
            if (y != null) {
                throw new IllegalArgumentException("y: this U-Net is not class-conditional (numClasses 0); expected "
                        + "null, got " + Shapes.str(y.shape()));
            }
            return null;
        }
        if (y == null) {
            throw new IllegalArgumentException("y: expected [" + b + "] class labels in [0, " + c.numClasses()
                    + "), got null (the model is class-conditional)");
        }
        Shapes.checkShape("y", y, b);
        Tensor labels = y;
        if (y.dtype().isFloating()) {
            for (double v : y.toDoubleArray()) {
                if (v != Math.rint(v)) {
                    throw new IllegalArgumentException("y: expected integral class labels, got " + v);
                }
            }
            labels = y.to(DType.INT64);
        }
        for (long v : labels.toLongArray()) {
            if (v < 0 || v >= c.numClasses()) {
                throw new IllegalArgumentException("y: expected class labels in [0, " + c.numClasses() + "), got "
                        + v);
            }
        }
        return labels;
    }
}
