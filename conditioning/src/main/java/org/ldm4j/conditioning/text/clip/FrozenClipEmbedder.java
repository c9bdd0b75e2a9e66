package org.ldm4j.conditioning.text.clip;

import java.util.Map;
import org.ldm4j.conditioning.Conditioner;
import org.ldm4j.conditioning.text.EmptyPrompt;
import org.ldm4j.core.nn.LoadReport;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * Stable Diffusion 1.x's {@code FrozenCLIPEmbedder}: a {@link ClipTextModel} registered as {@code transformer},
 * frozen (no parameter requires grad; {@link #unfreeze()} to fine-tune), whose last hidden state [B, 77, 768]
 * is the cross-attention context. Keys: {@code transformer.text_model.*}; in an SD checkpoint
 * {@code cond_stage_model.transformer.text_model.*} ({@link #CHECKPOINT_PREFIX}).
 *
 * <p>The unconditional input is the empty prompt as SD's CLIP tokenizer produces it: start 49406, end 49407,
 * padded with 49407 ({@link EmptyPrompt#clip()}).
 *
 * <pre>{@code
 * FrozenClipEmbedder clip = new FrozenClipEmbedder(ClipTextConfig.vitL14(), EmptyPrompt.clip(), new Rng(0));
 * clip.loadCheckpoint(SafeTensors.read(Path.of("v1-5-pruned-emaonly.safetensors")).tensors());
 * try (GradMode.Scope g = GradMode.disabled()) {
 *     Tensor c = clip.encode(ids);          // int64 [B, 77] -> [B, 77, 768]
 *     Tensor uc = clip.unconditional(ids);  // the empty prompt, [B, 77, 768]
 * }
 * }</pre>
 */
public final class FrozenClipEmbedder extends Module implements Conditioner<Tensor> {
    /** Where Stable Diffusion checkpoints keep this module's keys. */
    public static final String CHECKPOINT_PREFIX = "cond_stage_model.";

    private final ClipTextModel transformer;
    private final EmptyPrompt emptyPrompt;

    public FrozenClipEmbedder(ClipTextConfig config, EmptyPrompt emptyPrompt, Rng rng) {
        if (emptyPrompt == null) {
            throw new IllegalArgumentException("emptyPrompt: expected the tokenizer's empty prompt (EmptyPrompt.clip() "
                    + "for SD 1.x), got null");
        }
        if (config != null && emptyPrompt.maxId() >= config.vocabSize()) {
            throw new IllegalArgumentException("emptyPrompt: expected ids below vocabSize " + config.vocabSize()
                    + ", got " + emptyPrompt);
        }
        this.emptyPrompt = emptyPrompt;
        transformer = register("transformer", new ClipTextModel(config, rng));
        freeze();
        eval();
    }

    /** Token ids int64 [B, N] (SD: N = 77) -> [B, N, width]. */
    @Override
    public Tensor encode(Tensor ids) {
        return transformer.forward(ids);
    }

    /** The empty prompt, int64 [B, N], for ids [B, N]. */
    @Override
    public Tensor unconditionalLike(Tensor ids) {
        Shapes.checkRank("ids", ids, 2);
        return emptyPrompt.ids(ids.size(0), ids.size(1));
    }

    /**
     * Loads the {@code cond_stage_model.*} entries of a Stable Diffusion checkpoint, strictly (see
     * {@link ClipTextModel#loadCheckpoint}); other entries (the U-Net's, the autoencoder's) are ignored.
     */
    public LoadReport loadCheckpoint(Map<String, Tensor> checkpoint) {
        return loadCheckpoint(checkpoint, CHECKPOINT_PREFIX);
    }

    /** As {@link #loadCheckpoint(Map)}, for entries under {@code prefix} ({@code transformer.text_model.*} below it). */
    public LoadReport loadCheckpoint(Map<String, Tensor> checkpoint, String prefix) {
        return ClipCheckpoint.load(this, checkpoint, prefix, "transformer." + ClipTextModel.POSITION_IDS,
                transformer.config().maxPositions());
    }

    /** The CLIP text model (keys {@code text_model.*} below {@code transformer.}). */
    public ClipTextModel transformer() {
        return transformer;
    }

    @Override
    public Kind kind() {
        return Kind.TOKENS;
    }

    @Override
    public long outputDim() {
        return transformer.config().width();
    }
}
