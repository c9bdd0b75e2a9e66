package org.ldm4j.core.nn;

import org.ldm4j.core.autograd.Normalizations;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * BatchNorm over x [N, C, H, W], as {@code nn.BatchNorm2d} (affine, tracking running statistics); the
 * patch-GAN discriminator uses it. Training mode normalises with the batch statistics and updates
 * {@code running = (1 - momentum) running + momentum batch} (the variance unbiased) and counts
 * {@code num_batches_tracked}; evaluation mode normalises with the running statistics. Keys: {@code weight},
 * {@code bias}, {@code running_mean}, {@code running_var}, {@code num_batches_tracked} (an INT64 scalar).
 *
 * <pre>{@code
 * BatchNorm2d bn = new BatchNorm2d(64);           // eps 1e-5, momentum 0.1
 * Tensor h = bn.forward(x);                       // training: batch statistics
 * bn.eval();
 * Tensor e = bn.forward(x);                       // running statistics, buffers unchanged
 * }</pre>
 */
public final class BatchNorm2d extends Module implements Layer {
    private final long channels;
    private final double eps;
    private final double momentum;

    /** PyTorch's defaults: eps 1e-5, momentum 0.1. */
    public BatchNorm2d(long channels) {
        this(channels, 1e-5, 0.1);
    }

    public BatchNorm2d(long channels, double eps, double momentum) {
        Init.checkPositive("channels", channels);
        if (!(eps > 0)) {
            throw new IllegalArgumentException("eps: expected a positive value, got " + eps);
        }
        if (!(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("momentum: expected a value in [0, 1], got " + momentum);
        }
        this.channels = channels;
        this.eps = eps;
        this.momentum = momentum;
        try (MemoryScope s = MemoryScope.open()) {
            registerParameter("weight", Tensor.ones(DType.FLOAT32, channels));
            registerParameter("bias", Tensor.zeros(DType.FLOAT32, channels));
            registerBuffer("running_mean", Tensor.zeros(DType.FLOAT32, channels));
            registerBuffer("running_var", Tensor.ones(DType.FLOAT32, channels));
            registerBuffer("num_batches_tracked", Tensor.scalar(DType.INT64, 0));
        }
    }

    /** x [N, channels, H, W] -> the same shape. */
    @Override
    public Tensor forward(Tensor x) {
        Shapes.checkRank("x", x, 4);
        Shapes.checkDim("x", x, 1, channels, "channels");
        Tensor w = parameter("weight");
        Shapes.checkSameDType("batchNorm", x, w);
        Tensor mean = runningMean();
        Tensor var = runningVar();
        Shapes.checkSameDType("batchNorm", x, mean);
        Tensor y = Normalizations.batchNorm(x, w, parameter("bias"), mean, var, isTraining(), momentum, eps);
        if (isTraining()) {
            buffer("num_batches_tracked").array().addi(1L);
        }
        return y;
    }

    /** The running mean [channels]. */
    public Tensor runningMean() {
        return buffer("running_mean");
    }

    /** The running (unbiased) variance [channels]. */
    public Tensor runningVar() {
        return buffer("running_var");
    }

    /** Training-mode forward calls so far (or as loaded). */
    public long numBatchesTracked() {
        return (long) buffer("num_batches_tracked").item();
    }

    @Override
    protected String extraRepr() {
        return channels + ", eps=" + eps + ", momentum=" + momentum;
    }
}
