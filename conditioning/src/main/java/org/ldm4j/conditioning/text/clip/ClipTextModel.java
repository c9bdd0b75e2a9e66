package org.ldm4j.conditioning.text.clip;

import java.util.Map;
import org.ldm4j.core.nn.LoadReport;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * huggingface's {@code CLIPTextModel}: the CLIP text transformer registered as {@code text_model}; its output is
 * the last hidden state after the final LayerNorm, [B, N, width]. Keys, for layer i:
 * <pre>
 *   text_model.embeddings.token_embedding.weight [V, W]   text_model.embeddings.position_embedding.weight [P, W]
 *   text_model.encoder.layers.{i}.self_attn.{k,v,q,out}_proj.{weight [W, W], bias [W]}
 *   text_model.encoder.layers.{i}.layer_norm1.{weight,bias}   .mlp.fc1.{weight [I, W], bias [I]}
 *   text_model.encoder.layers.{i}.mlp.fc2.{weight [W, I], bias [W]}   .layer_norm2.{weight,bias}
 *   text_model.final_layer_norm.{weight,bias}
 * </pre>
 * Initial values follow PyTorch's layer defaults (embeddings: huggingface's N(0, 0.02^2) and N(0, 0.01^2)); the
 * model is meant to be loaded from a checkpoint.
 *
 * <pre>{@code
 * ClipTextModel clip = new ClipTextModel(ClipTextConfig.vitL14(), new Rng(0));
 * clip.loadCheckpoint(SafeTensors.read(path).tensors(), "");          // a CLIPTextModel file, keys text_model.*
 * Tensor h = clip.forward(ids);                                       // int64 [B, 77] -> [B, 77, 768]
 * }</pre>
 */
public final class ClipTextModel extends Module {
    static final String POSITION_IDS = "text_model.embeddings.position_ids";

    private final ClipTextConfig config;
    private final ClipTextTransformer textModel;

    public ClipTextModel(ClipTextConfig config, Rng rng) {
        if (config == null || rng == null) {
            throw new IllegalArgumentException("config, rng: expected a config and a generator, got " + config
                    + ", " + rng);
        }
        this.config = config;
        textModel = register("text_model", new ClipTextTransformer(config, rng));
    }

    /** Token ids int64 [B, N], 1 <= N <= maxPositions -> last hidden state [B, N, width]. */
    public Tensor forward(Tensor ids) {
        if (ids.dtype() != DType.INT64 && ids.dtype() != DType.INT32) {
            throw new IllegalArgumentException("ids: expected INT64 token ids [B, N], got " + ids.dtype() + " "
                    + Shapes.str(ids.shape()));
        }
        Shapes.checkRank("ids", ids, 2);
        checkLength("ids", ids);
        return textModel.forward(ids);
    }

    /**
     * Token embeddings [B, N, width] (huggingface's {@code inputs_embeds}: positions are added here) -> last
     * hidden state [B, N, width]. The input side of gradient checks.
     */
    public Tensor forwardEmbeddings(Tensor inputsEmbeds) {
        Shapes.checkRank("inputsEmbeds", inputsEmbeds, 3);
        Shapes.checkDim("inputsEmbeds", inputsEmbeds, 2, config.width(), "features");
        checkLength("inputsEmbeds", inputsEmbeds);
        return textModel.forwardEmbeddings(inputsEmbeds);
    }

    private void checkLength(String arg, Tensor t) {
        long n = t.size(1);
        if (n < 1 || n > config.maxPositions()) {
            throw new IllegalArgumentException(arg + ": expected 1 to " + config.maxPositions() + " positions (dim 1, "
                    + "max_position_embeddings), got " + n + " in " + Shapes.str(t.shape()));
        }
    }

    /**
     * Loads, strictly, the entries of {@code tensors} whose keys start with {@code prefix} (prefix stripped:
     * {@code text_model.*} must remain). A {@code position_ids} entry is accepted and ignored (its shape is
     * checked). Throws an {@link IllegalArgumentException} naming every missing, unexpected or mis-shaped key
     * with its shapes, before copying anything.
     */
    public LoadReport loadCheckpoint(Map<String, Tensor> tensors, String prefix) {
        return ClipCheckpoint.load(this, tensors, prefix, POSITION_IDS, config.maxPositions());
    }

    public ClipTextConfig config() {
        return config;
    }

    @Override
    protected String extraRepr() {
        return "width=" + config.width() + ", layers=" + config.layers() + ", heads=" + config.heads();
    }
}
