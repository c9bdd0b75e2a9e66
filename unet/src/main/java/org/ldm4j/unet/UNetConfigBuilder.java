package org.ldm4j.unet;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds a {@link UNetConfig} by name, starting from the reference's defaults for its optional arguments
 * ({@code dropout=0}, {@code channel_mult=(1,2,4,8)}, {@code conv_resample=True}, {@code num_heads=-1},
 * {@code num_head_channels=-1}, {@code transformer_depth=1}, {@code legacy=True}, everything else off) and, for the
 * arguments the reference requires, a small latent U-Net (image size 32, 4 channels in and out, 32 model channels,
 * 2 ResBlocks per level, no attention); {@link #build()} validates.
 *
 * <pre>{@code
 * UNetConfig c = UNetConfig.builder()
 *         .imageSize(32).inChannels(4).outChannels(4).modelChannels(64).numResBlocks(2)
 *         .channelMult(1, 2, 2).attentionResolutions(2, 4).numHeadChannels(32)
 *         .useSpatialTransformer(true).contextDim(128).legacy(false)
 *         .build();
 * UNetConfig classCond = c.toBuilder().numClasses(10).build();
 * }</pre>
 */
public final class UNetConfigBuilder {
    private int imageSize = 32;
    private int inChannels = 4;
    private int modelChannels = 32;
    private int outChannels = 4;
    private int numResBlocks = 2;
    private List<Integer> attentionResolutions = List.of();
    private double dropout;
    private List<Integer> channelMult = List.of(1, 2, 4, 8);
    private boolean convResample = true;
    private int numClasses;
    private boolean useCheckpoint;
    private int numHeads = -1;
    private int numHeadChannels = -1;
    private int numHeadsUpsample = -1;
    private boolean useScaleShiftNorm;
    private boolean resblockUpdown;
    private boolean useSpatialTransformer;
    private int transformerDepth = 1;
    private int contextDim;
    private boolean legacy = true;

    UNetConfigBuilder() {
    }

    UNetConfigBuilder(UNetConfig c) {
        imageSize = c.imageSize();
        inChannels = c.inChannels();
        modelChannels = c.modelChannels();
        outChannels = c.outChannels();
        numResBlocks = c.numResBlocks();
        attentionResolutions = c.attentionResolutions();
        dropout = c.dropout();
        channelMult = c.channelMult();
        convResample = c.convResample();
        numClasses = c.numClasses();
        useCheckpoint = c.useCheckpoint();
        numHeads = c.numHeads();
        numHeadChannels = c.numHeadChannels();
        numHeadsUpsample = c.numHeadsUpsample();
        useScaleShiftNorm = c.useScaleShiftNorm();
        resblockUpdown = c.resblockUpdown();
        useSpatialTransformer = c.useSpatialTransformer();
        transformerDepth = c.transformerDepth();
        contextDim = c.contextDim();
        legacy = c.legacy();
    }

    private static List<Integer> list(int... values) {
        List<Integer> l = new ArrayList<>(values.length);
        for (int v : values) {
            l.add(v);
        }
        return l;
    }

    public UNetConfigBuilder imageSize(int v) {
        imageSize = v;
        return this;
    }

    public UNetConfigBuilder inChannels(int v) {
        inChannels = v;
        return this;
    }

    public UNetConfigBuilder modelChannels(int v) {
        modelChannels = v;
        return this;
    }

    public UNetConfigBuilder outChannels(int v) {
        outChannels = v;
        return this;
    }

    public UNetConfigBuilder numResBlocks(int v) {
        numResBlocks = v;
        return this;
    }

    /** Downsampling factors (1, 2, 4, ...) with attention. */
    public UNetConfigBuilder attentionResolutions(int... factors) {
        attentionResolutions = list(factors);
        return this;
    }

    public UNetConfigBuilder dropout(double v) {
        dropout = v;
        return this;
    }

    public UNetConfigBuilder channelMult(int... mult) {
        channelMult = list(mult);
        return this;
    }

    public UNetConfigBuilder convResample(boolean v) {
        convResample = v;
        return this;
    }

    /** Class-conditional with {@code n} classes; 0 for none. */
    public UNetConfigBuilder numClasses(int n) {
        numClasses = n;
        return this;
    }

    public UNetConfigBuilder useCheckpoint(boolean v) {
        useCheckpoint = v;
        return this;
    }

    public UNetConfigBuilder numHeads(int v) {
        numHeads = v;
        return this;
    }

    public UNetConfigBuilder numHeadChannels(int v) {
        numHeadChannels = v;
        return this;
    }

    public UNetConfigBuilder numHeadsUpsample(int v) {
        numHeadsUpsample = v;
        return this;
    }

    public UNetConfigBuilder useScaleShiftNorm(boolean v) {
        useScaleShiftNorm = v;
        return this;
    }

    public UNetConfigBuilder resblockUpdown(boolean v) {
        resblockUpdown = v;
        return this;
    }

    public UNetConfigBuilder useSpatialTransformer(boolean v) {
        useSpatialTransformer = v;
        return this;
    }

    public UNetConfigBuilder transformerDepth(int v) {
        transformerDepth = v;
        return this;
    }

    /** The cross-attention context's feature size; 0 for none. */
    public UNetConfigBuilder contextDim(int v) {
        contextDim = v;
        return this;
    }

    public UNetConfigBuilder legacy(boolean v) {
        legacy = v;
        return this;
    }

    /** The validated config. */
    public UNetConfig build() {
        return new UNetConfig(imageSize, inChannels, modelChannels, outChannels, numResBlocks, attentionResolutions,
                dropout, channelMult, convResample, numClasses, useCheckpoint, numHeads, numHeadChannels,
                numHeadsUpsample, useScaleShiftNorm, resblockUpdown, useSpatialTransformer, transformerDepth,
                contextDim, legacy);
    }
}
