package org.ldm4j.unet;

import java.util.ArrayDeque;
import java.util.Deque;
import org.ldm4j.core.autograd.Attention;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.autograd.ShapeOps;
import org.ldm4j.core.nn.Conv2d;
import org.ldm4j.core.nn.Embedding;
import org.ldm4j.core.nn.GroupNorm;
import org.ldm4j.core.nn.Linear;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.nn.ModuleList;
import org.ldm4j.core.nn.Sequential;
import org.ldm4j.core.nn.SiLU;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/**
 * The paper's denoiser ε_θ(z_t, t, y): the time-conditioned U-Net with attention and cross-attention
 * ({@code ldm.modules.diffusionmodules.openaimodel.UNetModel}), with the reference's state-dict keys
 * ({@code time_embed.0.weight}, {@code input_blocks.1.0.in_layers.0.weight},
 * {@code middle_block.1.transformer_blocks.0.attn2.to_k.weight}, {@code out.2.bias}, ...).
 * <pre>
 *   emb = time_embed(timestep_embedding(t, modelChannels)) (+ label_emb(y) when class-conditional)
 *   h = x; for each input block: h = block(h, emb, context); push h          (the skip connections)
 *   h = middle_block(h, emb, context)
 *   for each output block: h = block(cat([h, pop()], dim 1), emb, context)
 *   return out(h) = conv3x3(SiLU(GN(h)))
 * </pre>
 * Concat conditioning (inpainting, super-resolution, semantic maps) is the caller's {@code cat([z_t, c], dim 1)} into
 * {@code inChannels}.
 *
 * <p><b>Memory.</b> Without gradient recording (inference under {@link GradMode#disabled()}), every layer runs in
 * its own {@link MemoryScope} and each skip connection lives in a scope that closes as soon as its output block has
 * consumed it, so that only the current activations and the pending skips are held. In training,
 * {@link UNetConfig#useCheckpoint()} recomputes ResBlocks, attention and transformer blocks in backward. Attention
 * matrices larger than {@link #attentionChunkBytes()} are computed in chunks of queries.
 *
 * <pre>{@code
 * UNetModel unet = new UNetModel(UNetConfig.sd15(), new Rng(0));
 * unet.load(StateDict.read(ckpt).stripPrefix(UNetModel.CHECKPOINT_PREFIX).tensors());
 * unet.eval();
 * try (GradMode.Scope g = GradMode.disabled(); MemoryScope s = MemoryScope.open()) {
 *     Tensor eps = unet.forward(zT, t, context, null);     // [B, 4, 64, 64], [B], [B, 77, 768] -> [B, 4, 64, 64]
 * }
 * }</pre>
 */
public final class UNetModel extends Module {
    /** The prefix of the U-Net's keys in a full LDM checkpoint. */
    public static final String CHECKPOINT_PREFIX = "model.diffusion_model.";

    private final UNetConfig config;
    private final Linear timeEmbedIn;
    private final Sequential timeEmbed;
    private final Embedding labelEmb;
    private final ModuleList<EmbedSequential> inputBlocks;
    private final EmbedSequential middleBlock;
    private final ModuleList<EmbedSequential> outputBlocks;
    private final Sequential out;

    /** Builds the U-Net of {@code config}, initialised as the reference does (zero-initialised output layers). */
    public UNetModel(UNetConfig config, Rng rng) {
        if (config == null) {
            throw new IllegalArgumentException("config: expected a UNetConfig, got null");
        }
        this.config = config;
        int mc = config.modelChannels();
        int embDim = config.timeEmbedDim();
        timeEmbedIn = new Linear(mc, embDim, true, rng);
        timeEmbed = register("time_embed",
                new Sequential(timeEmbedIn, new SiLU(), new Linear(embDim, embDim, true, rng)));
        labelEmb = config.isClassConditional() ? register("label_emb", new Embedding(config.numClasses(), embDim, rng))
                : null;
        inputBlocks = register("input_blocks", new ModuleList<>());
        inputBlocks.add(new EmbedSequential().add(new Conv2d(config.inChannels(), mc, 3, 1, 1, true, rng)));
        Deque<Integer> skipChannels = new ArrayDeque<>();
        skipChannels.push(mc);
        int ch = mc;
        int ds = 1;
        int levels = config.numLevels();
        for (int level = 0; level < levels; level++) {
            for (int b = 0; b < config.numResBlocks(); b++) {
                EmbedSequential block = new EmbedSequential().add(resBlock(ch, config.channels(level), rng));
                ch = config.channels(level);
                if (config.attentionAt(ds)) {
                    block.add(attention(ch, false, rng));
                }
                inputBlocks.add(block);
                skipChannels.push(ch);
            }
            if (level != levels - 1) {
                inputBlocks.add(new EmbedSequential().add(config.resblockUpdown()
                        ? resample(ch, ResBlock.Resample.DOWN, rng)
                        : new Downsample(ch, config.convResample(), ch, rng)));
                skipChannels.push(ch);
                ds *= 2;
            }
        }
        middleBlock = register("middle_block", new EmbedSequential()
                .add(resBlock(ch, ch, rng)).add(attention(ch, false, rng)).add(resBlock(ch, ch, rng)));
        outputBlocks = register("output_blocks", new ModuleList<>());
        for (int level = levels - 1; level >= 0; level--) {
            for (int i = 0; i < config.numResBlocks() + 1; i++) {
                EmbedSequential block = new EmbedSequential()
                        .add(resBlock(ch + skipChannels.pop(), config.channels(level), rng));
                ch = config.channels(level);
                if (config.attentionAt(ds)) {
                    block.add(attention(ch, true, rng));
                }
                if (level > 0 && i == config.numResBlocks()) {
                    block.add(config.resblockUpdown()
                            ? resample(ch, ResBlock.Resample.UP, rng)
                            : new Upsample(ch, config.convResample(), ch, rng));
                    ds /= 2;
                }
                outputBlocks.add(block);
            }
        }
        out = register("out", new Sequential(new GroupNorm(UNetConfig.GROUPS, ch, ResBlock.EPS), new SiLU(),
                Inits.zero(new Conv2d(mc, config.outChannels(), 3, 1, 1, true, rng))));
    }

    private ResBlock resBlock(int in, int outChannels, Rng rng) {
        return new ResBlock(in, config.timeEmbedDim(), config.dropout(), outChannels, false,
                config.useScaleShiftNorm(), config.useCheckpoint(), ResBlock.Resample.NONE, rng);
    }

    private ResBlock resample(int ch, ResBlock.Resample direction, Rng rng) {
        return new ResBlock(ch, config.timeEmbedDim(), config.dropout(), ch, false, config.useScaleShiftNorm(),
                config.useCheckpoint(), direction, rng);
    }

    private Module attention(int ch, boolean upsample, Rng rng) {
        UNetConfig.Heads h = config.heads(ch, upsample);
        if (config.useSpatialTransformer()) {
            // the reference builds SpatialTransformer without the U-Net's dropout
            return new SpatialTransformer(ch, h.count(), h.dim(), config.transformerDepth(), 0.0,
                    config.contextDim(), config.useCheckpoint(), rng);
        }
        return new AttentionBlock(ch, h.count(), config.useCheckpoint(), rng);
    }

    // ---------------------------------------------------------------- forward

    /** An unconditional U-Net: x [B, C, H, W], timesteps [B] -> [B, outChannels, H, W]. */
    public Tensor forward(Tensor x, Tensor timesteps) {
        return forward(x, timesteps, null, null, Tracer.NONE);
    }

    /** A cross-attention U-Net: context [B, M, contextDim]. */
    public Tensor forward(Tensor x, Tensor timesteps, Tensor context) {
        return forward(x, timesteps, context, null, Tracer.NONE);
    }

    /**
     * x [B, inChannels, H, W] (H, W multiples of {@link UNetConfig#downsamplingFactor()}), timesteps [B] (integer or
     * floating, may be fractional), context [B, M, contextDim] (required with the spatial transformer, else null),
     * y [B] class labels in [0, numClasses) (integer, or integral floats; required iff class-conditional)
     * -> [B, outChannels, H, W].
     */
    public Tensor forward(Tensor x, Tensor timesteps, Tensor context, Tensor y) {
        return forward(x, timesteps, context, y, Tracer.NONE);
    }

    /** As {@link #forward(Tensor, Tensor, Tensor, Tensor)}, reporting activations by reference name to a tracer. */
    public Tensor forward(Tensor x, Tensor timesteps, Tensor context, Tensor y, Tracer trace) {
        Tensor labels = Inputs.check(config, dtype(), x, timesteps, context, y);
        Tracer tr = trace == null ? Tracer.NONE : trace;
        boolean scoped = !GradMode.isEnabled() && tr == Tracer.NONE;
        if (!scoped) {
            return run(x, timesteps, context, labels, false, tr);
        }
        try (MemoryScope scope = MemoryScope.open()) {
            return scope.keep(run(x, timesteps, context, labels, true, tr));
        }
    }

    /**
     * The {@code Denoiser}-shaped entry point for the diffusion module: the model output (ε, x0 or v, as the model
     * was trained) for the noisy latent {@code xT} [B, inChannels, H, W] at timesteps {@code t} [B], with the
     * cross-attention {@code context} [B, M, contextDim] or null and class labels {@code y} [B] or null. The same as
     * {@link #forward(Tensor, Tensor, Tensor, Tensor)}; concat conditioning is already part of {@code xT}.
     */
    public Tensor apply(Tensor xT, Tensor t, Tensor context, Tensor y) {
        return forward(xT, t, context, y, Tracer.NONE);
    }

    private Tensor run(Tensor x, Tensor timesteps, Tensor context, Tensor labels, boolean scoped, Tracer trace) {
        Tensor tEmb = TimestepEmbedding.timestepEmbedding(timesteps, config.modelChannels(), x.dtype()); // (B, mc)
        trace.record("time_embed.input", tEmb);
        Tensor emb = timeEmbed.forward(tEmb);                                            // (B, 4 mc)
        trace.record("time_embed", emb);
        if (labelEmb != null) {
            emb = emb.add(labelEmb.forward(labels));
        }
        Deque<Tensor> skips = new ArrayDeque<>();
        Deque<MemoryScope> scopes = new ArrayDeque<>();
        try {
            Tensor h = x;
            for (int i = 0; i < inputBlocks.size(); i++) {
                if (scoped) {
                    scopes.push(MemoryScope.open());          // holds skip i until output block n-1-i used it
                }
                h = inputBlocks.get(i).forward(h, emb, context, scoped, trace.prefixed("input_blocks." + i + "."));
                trace.record("input_blocks." + i, h);
                skips.push(h);
            }
            h = middleBlock.forward(h, emb, context, scoped, trace.prefixed("middle_block."));
            trace.record("middle_block", h);
            for (int i = 0; i < outputBlocks.size(); i++) {
                Tensor cat = ShapeOps.concat(1, h, skips.pop());                         // (B, C + C_skip, H, W)
                h = outputBlocks.get(i).forward(cat, emb, context, scoped, trace.prefixed("output_blocks." + i + "."));
                trace.record("output_blocks." + i, h);
                if (scoped) {
                    MemoryScope s = scopes.pop();
                    s.keep(h);
                    s.close();                                // frees the skip, the concatenation and the old h
                }
            }
            Tensor hIn = h;
            h = scoped ? Scoped.run(() -> out.forward(hIn)) : out.forward(hIn);          // (B, outChannels, H, W)
            trace.record("out", h);
            return h;
        } finally {
            while (!scopes.isEmpty()) {
                scopes.pop().close();
            }
        }
    }

    // ---------------------------------------------------------------- accessors

    public UNetConfig config() {
        return config;
    }

    /** The dtype of the parameters (FLOAT32 unless converted with {@link #to(DType)}). */
    public DType dtype() {
        return timeEmbedIn.weight().dtype();
    }

    /**
     * The largest attention matrix, in bytes, that core's attention computes at once; larger ones are computed in
     * chunks of queries (and recomputed in backward). Process-wide: it is core's {@link Attention#chunkBytes()}.
     */
    public static long attentionChunkBytes() {
        return Attention.chunkBytes();
    }

    /**
     * Sets the attention chunk budget (process-wide, see {@link #attentionChunkBytes()}): lower it to fit 4096-token
     * self-attention of 64x64 latents into a small memory, raise it for speed.
     */
    public static void setAttentionChunkBytes(long bytes) {
        Attention.setChunkBytes(bytes);
    }

    @Override
    protected String extraRepr() {
        return "modelChannels=" + config.modelChannels() + ", levels=" + config.numLevels() + ", params="
                + parameterCount();
    }
}
