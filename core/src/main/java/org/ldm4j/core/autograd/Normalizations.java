package org.ldm4j.core.autograd;

import static org.ldm4j.core.autograd.Ops.grads;
import static org.ldm4j.core.autograd.Ops.result;

import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * GroupNorm, LayerNorm and BatchNorm as fused ops: one node each, statistics from the biased variance, an
 * explicit epsilon (ND4J's own layer_norm has none), and the backward pass in closed form. Only the
 * per-group mean and inverse standard deviation are saved; the normalised input is recomputed in backward.
 *
 * <pre>{@code
 * Tensor h = Normalizations.groupNorm(x, 32, gamma, beta, 1e-6);   // the VAE's Normalize()
 * }</pre>
 */
public final class Normalizations {
    private Normalizations() {
    }

    /** Statistics of the rows of a [R, M] view: mean and 1/sqrt(var + eps), each [R, 1]. */
    private static INDArray[] rowStats(INDArray rows, double eps) {
        INDArray mean = rows.mean(true, 1);
        INDArray centred = rows.subColumnVector(mean);
        INDArray var = centred.mul(centred).mean(true, 1);
        centred.close();
        INDArray rstd = Transforms.pow(var.addi(eps), -0.5, false);
        return new INDArray[] {mean, rstd};
    }

    /** (rows - mean) * rstd into a fresh [R, M] array. */
    private static INDArray normalise(INDArray rows, INDArray mean, INDArray rstd) {
        return rows.subColumnVector(mean).muliColumnVector(rstd);
    }

    /**
     * Backward of row normalisation: given dxhat [R, M], {@code dx = rstd (dxhat - mean(dxhat) - xhat
     * mean(dxhat xhat))}, in place of dxhat.
     */
    private static INDArray rowBackward(INDArray dxhat, INDArray xhat, INDArray rstd) {
        INDArray m1 = dxhat.mean(true, 1);
        INDArray m2 = dxhat.mul(xhat).mean(true, 1);
        INDArray t = xhat.mulColumnVector(m2);
        dxhat.subiColumnVector(m1).subi(t);
        t.close();
        return dxhat.muliColumnVector(rstd);
    }

    /**
     * GroupNorm over x [N, C, *] with {@code groups} groups; weight and bias [C] or null (no affine).
     * The reference uses eps 1e-5 in the U-Net's GroupNorm32 and 1e-6 in the VAE and the SpatialTransformer.
     */
    public static Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, double eps) {
        Shapes.checkFloating("groupNorm", x);
        if (x.rank() < 2) {
            throw new IllegalArgumentException("x: expected [N, C, ...], got " + Shapes.str(x.shape()));
        }
        long[] xs = x.shape();
        long n = xs[0];
        long c = xs[1];
        if (groups < 1 || c % groups != 0) {
            throw new IllegalArgumentException("groups: expected a divisor of the " + c + " channels of "
                    + Shapes.str(xs) + ", got " + groups);
        }
        checkAffine(weight, bias, c);
        long spatial = x.numel() / (n * c);
        long rowsCount = n * groups;
        long m = x.numel() / rowsCount;
        INDArray xr = Convolutions.dense(x.array()).reshape('c', rowsCount, m);
        INDArray[] st = rowStats(xr, eps);
        INDArray xhat = normalise(xr, st[0], st[1]);              // [N*G, M]
        INDArray y = affine(xhat, n, c, spatial, weight, bias);    // [N, C, S] in xhat's memory
        INDArray out = Ops.owned(y, xs);
        return result("groupNorm", out, g -> {
            INDArray xh = normalise(xr, st[0], st[1]).reshape('c', n, c, spatial);
            INDArray g3 = Convolutions.dense(g).reshape('c', n, c, spatial);
            INDArray[] affineGrads = affineGrads(g3, xh, weight, bias);
            INDArray gx = null;
            if (x.requiresGrad()) {
                INDArray dxhat = weight == null ? g3.dup('c') : g3.mul(weight.array().reshape(1, c, 1));
                gx = rowBackward(dxhat.reshape('c', rowsCount, m), xh.reshape('c', rowsCount, m), st[1]);
                gx = Ops.owned(gx, xs);
            }
            xh.close();
            return grads(gx, affineGrads[0], affineGrads[1]);
        }, () -> {
            st[0].close();
            st[1].close();
        }, x, weight, bias);
    }

    /** LayerNorm over the last axis of x [..., D]; weight and bias [D] or null. PyTorch's default eps is 1e-5. */
    public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        Shapes.checkFloating("layerNorm", x);
        long[] xs = x.shape();
        long d = xs[xs.length - 1];
        checkAffine(weight, bias, d);
        long rowsCount = x.numel() / d;
        INDArray xr = Convolutions.dense(x.array()).reshape('c', rowsCount, d);
        INDArray[] st = rowStats(xr, eps);
        INDArray y = normalise(xr, st[0], st[1]);
        if (weight != null) {
            y.muliRowVector(weight.array().reshape(1, d));
        }
        if (bias != null) {
            y.addiRowVector(bias.array().reshape(1, d));
        }
        INDArray out = Ops.owned(y, xs);
        return result("layerNorm", out, g -> {
            INDArray xh = normalise(xr, st[0], st[1]);
            INDArray g2 = Convolutions.dense(g).reshape('c', rowsCount, d);
            INDArray gw = weight != null && weight.requiresGrad() ? g2.mul(xh).sum(0) : null;
            INDArray gb = bias != null && bias.requiresGrad() ? g2.sum(0) : null;
            INDArray gx = null;
            if (x.requiresGrad()) {
                INDArray dxhat = weight == null ? g2.dup('c') : g2.mulRowVector(weight.array().reshape(1, d));
                gx = Ops.owned(rowBackward(dxhat, xh, st[1]), xs);
            }
            xh.close();
            return grads(gx, gw, gb);
        }, () -> {
            st[0].close();
            st[1].close();
        }, x, weight, bias);
    }

    /**
     * BatchNorm over x [N, C, *] per channel. In training mode it normalises with the batch statistics and
     * updates the running ones in place ({@code running = (1 - momentum) running + momentum batch}, the running
     * variance unbiased, as PyTorch does); in eval mode it uses the running statistics.
     */
    public static Tensor batchNorm(Tensor x, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar,
                                   boolean training, double momentum, double eps) {
        Shapes.checkFloating("batchNorm", x);
        long[] xs = x.shape();
        long n = xs[0];
        long c = xs[1];
        checkAffine(weight, bias, c);
        Shapes.checkShape("runningMean", runningMean, c);
        Shapes.checkShape("runningVar", runningVar, c);
        long spatial = x.numel() / (n * c);
        // channels as rows: [C, N*S]
        INDArray xc = Convolutions.dense(x.array()).reshape('c', n, c, spatial).permute(1, 0, 2).dup('c')
                .reshape('c', c, n * spatial);
        INDArray mean;
        INDArray rstd;
        if (training) {
            if (n * spatial < 2) {
                throw new IllegalArgumentException("batchNorm: training needs more than one value per channel, got "
                        + Shapes.str(xs));
            }
            INDArray[] st = rowStats(xc, eps);
            mean = st[0];
            rstd = st[1];
            long count = n * spatial;
            INDArray var = Transforms.pow(rstd, -2, true).subi(eps).muli((double) count / (count - 1));
            runningMean.array().muli(1 - momentum).addi(mean.reshape(c).mul(momentum));
            runningVar.array().muli(1 - momentum).addi(var.reshape(c).muli(momentum));
            var.close();
        } else {
            mean = runningMean.array().reshape(c, 1).dup();
            rstd = Transforms.pow(runningVar.array().reshape(c, 1).add(eps), -0.5, false);
        }
        INDArray xhat = normalise(xc, mean, rstd);                  // [C, N*S]
        xc.close();
        INDArray xhat3 = xhat.reshape('c', c, n, spatial).permute(1, 0, 2).dup('c');   // [N, C, S]
        xhat.close();
        INDArray y = affine(xhat3, n, c, spatial, weight, bias);
        INDArray out = Ops.owned(y, xs);
        return result("batchNorm", out, g -> {
            INDArray xa = Convolutions.dense(x.array()).reshape('c', n, c, spatial);
            INDArray xh = xa.sub(mean.reshape(1, c, 1)).muli(rstd.reshape(1, c, 1));   // [N, C, S]
            INDArray g3 = Convolutions.dense(g).reshape('c', n, c, spatial);
            INDArray[] affineGrads = affineGrads(g3, xh, weight, bias);
            INDArray gx = null;
            if (x.requiresGrad()) {
                INDArray dxhat = weight == null ? g3.dup('c') : g3.mul(weight.array().reshape(1, c, 1));
                if (training) {
                    INDArray rows = rowBackward(dxhat.permute(1, 0, 2).dup('c').reshape('c', c, n * spatial),
                            xh.permute(1, 0, 2).dup('c').reshape('c', c, n * spatial), rstd);
                    gx = rows.reshape('c', c, n, spatial).permute(1, 0, 2).dup('c');
                } else {
                    gx = dxhat.muli(rstd.reshape(1, c, 1));
                }
                gx = Ops.owned(gx, xs);
            }
            xh.close();
            return grads(gx, affineGrads[0], affineGrads[1]);
        }, () -> {
            mean.close();
            rstd.close();
        }, x, weight, bias);
    }

    private static void checkAffine(Tensor weight, Tensor bias, long c) {
        if (weight != null) {
            Shapes.checkShape("weight", weight, c);
        }
        if (bias != null) {
            Shapes.checkShape("bias", bias, c);
        }
    }

    /** xhat (row-major, N*C*S elements) viewed as [N, C, S] times weight[c] plus bias[c], in place; returns the [N, C, S] view. */
    private static INDArray affine(INDArray xhat, long n, long c, long spatial, Tensor weight, Tensor bias) {
        INDArray y = xhat.reshape('c', n, c, spatial);
        if (weight != null) {
            y.muli(weight.array().reshape(1, c, 1));
        }
        if (bias != null) {
            y.addi(bias.array().reshape(1, c, 1));
        }
        return y;
    }

    /** dweight = sum(g * xhat), dbias = sum(g) over N and S, for g, xhat [N, C, S]. */
    private static INDArray[] affineGrads(INDArray g3, INDArray xh, Tensor weight, Tensor bias) {
        INDArray gw = weight != null && weight.requiresGrad() ? g3.mul(xh).sum(0, 2) : null;
        INDArray gb = bias != null && bias.requiresGrad() ? g3.sum(0, 2) : null;
        return new INDArray[] {gw, gb};
    }
}
