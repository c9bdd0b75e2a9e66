package org.ldm4j.unet;

import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.core.testing.GradCheck;
import org.ldm4j.core.testing.SampledGradCheck;

/**
 * Double-precision finite-difference checks of the blocks and of whole tiny U-Nets: every element of the inputs
 * (core's GradCheck) and a random sample of parameter elements. Parameters are randomised first, so that the
 * zero-initialised output layers do not hide a branch.
 */
class GradientTest {
    private static final double ATOL = 1e-6;
    private static final double RTOL = 1e-5;

    private static <M extends Module> M prepared(M m, long seed) {
        m.to(DType.FLOAT64);
        Tiny.randomize(m.stateDict(), seed);
        return m;
    }

    private static void sampled(Supplier<Tensor> f, Module m, int samples) {
        try (MemoryScope s = MemoryScope.open()) {
            SampledGradCheck.check(f, m.namedParameters(), samples, 7, ATOL, RTOL);
        }
    }

    @Test
    void resBlockWithChannelChange() {
        Rng rng = new Rng(1);
        ResBlock block = prepared(new ResBlock(32, 16, 64, rng), 11);
        try (MemoryScope s = MemoryScope.open()) {
            Tensor x = GradCheck.input(rng, 2, 32, 3, 3);
            Tensor emb = GradCheck.input(rng, 2, 16);
            GradCheck.check(in -> block.forward(in[0], in[1]), ATOL, RTOL, x, emb);
            Tensor xc = x.detach();
            Tensor ec = emb.detach();
            sampled(() -> block.forward(xc, ec), block, 60);
        }
    }

    @Test
    void resBlockWithScaleShiftAndResampling() {
        for (ResBlock.Resample mode : new ResBlock.Resample[] {ResBlock.Resample.DOWN, ResBlock.Resample.UP}) {
            Rng rng = new Rng(2);
            ResBlock block = prepared(new ResBlock(32, 16, 0.0, 32, false, true, false, mode, rng), 12);
            try (MemoryScope s = MemoryScope.open()) {
                Tensor x = GradCheck.input(rng, 1, 32, 2, 2);
                Tensor emb = GradCheck.input(rng, 1, 16);
                GradCheck.check(in -> block.forward(in[0], in[1]), ATOL, RTOL, x, emb);
                Tensor xc = x.detach();
                Tensor ec = emb.detach();
                sampled(() -> block.forward(xc, ec), block, 40);
            }
        }
    }

    @Test
    void legacyAttentionBlock() {
        Rng rng = new Rng(3);
        AttentionBlock attn = prepared(new AttentionBlock(64, 4, false, rng), 13);
        try (MemoryScope s = MemoryScope.open()) {
            Tensor x = GradCheck.input(rng, 2, 64, 2, 3);
            GradCheck.check(in -> attn.forward(in[0]), ATOL, RTOL, x);
            Tensor xc = x.detach();
            sampled(() -> attn.forward(xc), attn, 60);
        }
    }

    @Test
    void spatialTransformer() {
        Rng rng = new Rng(4);
        SpatialTransformer st = prepared(new SpatialTransformer(32, 2, 8, 1, 0.0, 12, false, rng), 14);
        try (MemoryScope s = MemoryScope.open()) {
            Tensor x = GradCheck.input(rng, 2, 32, 2, 2);
            Tensor context = GradCheck.input(rng, 2, 3, 12);
            GradCheck.check(in -> st.forward(in[0], in[1]), ATOL, RTOL, x, context);
            Tensor xc = x.detach();
            Tensor cc = context.detach();
            sampled(() -> st.forward(xc, cc), st, 80);
        }
    }

    /** Cross-attention U-Net (config A's shape on a 4x4 latent). */
    @Test
    void wholeTinyUNet() {
        UNetConfig c = Tiny.configA().toBuilder().contextDim(8).build();
        checkWhole(c, null, 5);
    }

    /** Legacy attention, class labels, scale-shift norm and ResBlock resampling. */
    @Test
    void wholeTinyUNetLegacyClassConditional() {
        UNetConfig c = UNetConfig.builder().inChannels(3).outChannels(2).modelChannels(32).channelMult(1, 2)
                .numResBlocks(1).attentionResolutions(1, 2).numHeads(2).numClasses(3).useScaleShiftNorm(true)
                .resblockUpdown(true).build();
        checkWhole(c, Tensor.of(new long[] {2}, 1), 0);
    }

    /** Legacy attention with parameter-free resampling (average pooling, plain nearest upsampling). */
    @Test
    void wholeTinyUNetPooledResampling() {
        UNetConfig c = UNetConfig.builder().inChannels(3).outChannels(2).modelChannels(32).channelMult(1, 2)
                .numResBlocks(1).attentionResolutions(2).numHeads(2).convResample(false).build();
        checkWhole(c, null, 0);
    }

    private static void checkWhole(UNetConfig c, Tensor y, int contextTokens) {
        Rng rng = new Rng(5);
        UNetModel unet = prepared(new UNetModel(c, rng), 15);
        try (MemoryScope s = MemoryScope.open()) {
            Tensor x = GradCheck.input(rng, 1, c.inChannels(), 4, 4);
            Tensor t = Tensor.of(new float[] {37}, 1);
            Tensor context = contextTokens == 0 ? null : GradCheck.input(rng, 1, contextTokens, c.contextDim());
            if (context == null) {
                GradCheck.check(in -> unet.forward(in[0], t, null, y), ATOL, RTOL, x);
            } else {
                GradCheck.check(in -> unet.forward(in[0], t, in[1], y), ATOL, RTOL, x, context);
            }
            Tensor xc = x.detach();
            Tensor cc = context == null ? null : context.detach();
            Map<String, Tensor> params = unet.namedParameters();
            try (MemoryScope inner = MemoryScope.open()) {
                SampledGradCheck.check(() -> unet.forward(xc, t, cc, y), params, 60, 9, ATOL, RTOL);
            }
        }
    }
}
