package org.ldm4j.conditioning.spatial;

import org.ldm4j.conditioning.Conditioner;
import org.ldm4j.core.nn.Conv2d;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * The reference's {@code SpatialRescaler}, for concatenation conditioning (semantic synthesis,
 * super-resolution, inpainting): {@code nStages} times resize by {@code multiplier}
 * ({@code F.interpolate(x, scale_factor=multiplier, mode=method)}, see {@link Interpolation}), then, when
 * {@code outChannels} is set, a 1x1 convolution {@code channel_mapper} (bias only if asked, as the reference's
 * {@code bias=False} default). Keys: {@code channel_mapper.weight} [out, in, 1, 1] (and {@code .bias}), or none.
 * The unconditional input is a map of zeros.
 *
 * <pre>{@code
 * // models/ldm/semantic_synthesis256: 182 one-hot classes at 256 x 256 -> 3 channels at 64 x 64
 * SpatialRescaler r = new SpatialRescaler(2, Interpolation.BILINEAR, 0.5, 182, 3, false, new Rng(0));
 * Tensor c = r.encode(segmentation);            // [B, 182, 256, 256] -> [B, 3, 64, 64]
 * }</pre>
 */
public final class SpatialRescaler extends Module implements Conditioner<Tensor> {
    private final int nStages;
    private final Interpolation method;
    private final double multiplier;
    private final long inChannels;
    private final long outChannels;
    private final Conv2d channelMapper;

    /**
     * @param nStages     number of resizes (0 or more)
     * @param method      resizing method
     * @param multiplier  scale factor of each resize (0.5 halves), positive
     * @param inChannels  channels of the input
     * @param outChannels channels after the 1x1 channel mapper, or 0 for none (the reference's {@code None})
     * @param bias        whether the channel mapper has a bias
     */
    public SpatialRescaler(int nStages, Interpolation method, double multiplier, long inChannels, long outChannels,
                           boolean bias, Rng rng) {
        if (nStages < 0) {
            throw new IllegalArgumentException("nStages: expected 0 or more stages, got " + nStages);
        }
        if (method == null) {
            throw new IllegalArgumentException("method: expected NEAREST, BILINEAR or AREA, got null");
        }
        if (!(multiplier > 0) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("multiplier: expected a positive scale factor, got " + multiplier);
        }
        if (inChannels < 1 || outChannels < 0) {
            throw new IllegalArgumentException("channels: expected inChannels >= 1 and outChannels >= 0 (0: no "
                    + "mapper), got " + inChannels + ", " + outChannels);
        }
        this.nStages = nStages;
        this.method = method;
        this.multiplier = multiplier;
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        channelMapper = outChannels > 0
                ? register("channel_mapper", new Conv2d(inChannels, outChannels, 1, 1, 0, bias, rng))
                : null;
    }

    /** The reference's defaults: one bilinear stage of 0.5, no channel mapper. */
    public SpatialRescaler(long inChannels) {
        this(1, Interpolation.BILINEAR, 0.5, inChannels, 0, false, null);
    }

    /** x [B, inChannels, H, W] (floating) -> [B, outChannels or inChannels, H', W'] after nStages resizes. */
    public Tensor forward(Tensor x) {
        Shapes.checkRank("x", x, 4);
        Shapes.checkFloating("x", x);
        Shapes.checkDim("x", x, 1, inChannels, "channels");
        Tensor h = x;
        for (int s = 0; s < nStages; s++) {
            h = Resize.apply(h, method, multiplier);
        }
        return channelMapper == null ? h : channelMapper.forward(h);
    }

    @Override
    public Tensor encode(Tensor x) {
        return forward(x);
    }

    /** Zeros of {@code x}'s shape and dtype. */
    @Override
    public Tensor unconditionalLike(Tensor x) {
        return x.zerosLike();
    }

    /** The output size of an input of {@code h} x {@code w}: {h', w'}. */
    public long[] outputSize(long h, long w) {
        for (int s = 0; s < nStages; s++) {
            h = Resize.outSize(h, multiplier);
            w = Resize.outSize(w, multiplier);
        }
        return new long[] {h, w};
    }

    @Override
    public Kind kind() {
        return Kind.SPATIAL;
    }

    @Override
    public long outputDim() {
        return outChannels > 0 ? outChannels : inChannels;
    }

    @Override
    protected String extraRepr() {
        return "stages=" + nStages + ", method=" + method + ", multiplier=" + multiplier + ", in=" + inChannels
                + (outChannels > 0 ? ", out=" + outChannels : "");
    }
}
