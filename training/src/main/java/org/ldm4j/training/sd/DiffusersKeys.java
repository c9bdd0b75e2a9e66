package org.ldm4j.training.sd;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.ldm4j.autoencoder.AutoencoderConfig;
import org.ldm4j.unet.UNetConfig;

/**
 * The names of diffusers' {@code UNet2DConditionModel}, {@code AutoencoderKL} and {@code CLIPTextModel} weights
 * against the reference's (and so ldm4j's), as module-path rules generated from the model's config. A key is
 * renamed by its longest matching rule; what follows the rule's prefix is the same on both sides (the
 * transformer blocks, {@code weight}, {@code bias}).
 *
 * <p>U-Net, with {@code k} counting the reference's {@code input_blocks} from 1 (0 is {@code conv_in}) and its
 * {@code output_blocks} from 0, {@code n = num_res_blocks}:
 * <pre>
 *   conv_in / time_embedding.linear_1 / linear_2   input_blocks.0.0 / time_embed.0 / time_embed.2
 *   down_blocks.i.resnets.j / .attentions.j        input_blocks.(1 + i(n+1) + j).0 / .1
 *   down_blocks.i.downsamplers.0.conv              input_blocks.((i+1)(n+1)).0.op
 *   mid_block.resnets.0 / attentions.0 / resnets.1 middle_block.0 / 1 / 2
 *   up_blocks.i.resnets.j / .attentions.j          output_blocks.(i(n+1) + j).0 / .1
 *   up_blocks.i.upsamplers.0.conv                  output_blocks.(i(n+1) + n).2.conv (.1 without attention)
 *   conv_norm_out / conv_out                       out.0 / out.2
 *   resnet norm1 conv1 time_emb_proj norm2 conv2 conv_shortcut
 *                 in_layers.0 in_layers.2 emb_layers.1 out_layers.0 out_layers.3 skip_connection
 * </pre>
 * Autoencoder, {@code L} levels: {@code encoder.down_blocks.i.resnets.j} is {@code encoder.down.i.block.j},
 * {@code downsamplers.0} is {@code downsample}, {@code mid_block.resnets.0/1} and {@code attentions.0} are
 * {@code mid.block_1/2} and {@code mid.attn_1}, {@code conv_norm_out} is {@code norm_out}, a resnet's
 * {@code conv_shortcut} is {@code nin_shortcut}; the decoder's {@code up_blocks.i} is {@code up.(L-1-i)} (diffusers
 * counts from the deepest level); attention's {@code group_norm, to_q, to_k, to_v, to_out.0} (older files:
 * {@code query, key, value, proj_attn}) are {@code norm, q, k, v, proj_out}, linear weights [C, C] where the
 * reference has 1x1 convolutions [C, C, 1, 1]. CLIP: {@code text_model.*} is {@code transformer.text_model.*}.
 *
 * <pre>{@code
 * DiffusersKeys unet = DiffusersKeys.unet(UNetConfig.sd15());
 * unet.toReference("down_blocks.1.attentions.0.proj_in.weight");        // "input_blocks.4.1.proj_in.weight"
 * unet.toDiffusers("output_blocks.5.2.conv.bias");                      // "up_blocks.1.upsamplers.0.conv.bias"
 * }</pre>
 */
public final class DiffusersKeys {
    /**
     * One rule: the module path {@code diffusers} is the module path {@code reference} (both end with '.').
     *
     * @param diffusers the diffusers prefix
     * @param reference the reference's prefix
     */
    public record Rule(String diffusers, String reference) {
    }

    private static final String[] UNET_RESNET = {"norm1.", "in_layers.0.", "conv1.", "in_layers.2.",
        "time_emb_proj.", "emb_layers.1.", "norm2.", "out_layers.0.", "conv2.", "out_layers.3.",
        "conv_shortcut.", "skip_connection."};
    private static final String[] VAE_RESNET = {"norm1.", "norm1.", "conv1.", "conv1.", "norm2.", "norm2.",
        "conv2.", "conv2.", "conv_shortcut.", "nin_shortcut."};
    // current names first (what toDiffusers writes), then those of diffusers before 0.14
    private static final String[] VAE_ATTENTION = {"group_norm.", "norm.", "to_q.", "q.", "to_k.", "k.", "to_v.", "v.",
        "to_out.0.", "proj_out.", "query.", "q.", "key.", "k.", "value.", "v.", "proj_attn.", "proj_out."};

    private final List<Rule> rules;

    private DiffusersKeys(List<Rule> rules) {
        this.rules = Collections.unmodifiableList(rules);
    }

    /** The rules of a U-Net of {@code c} (SD-style: spatial transformers, convolutional resampling). */
    public static DiffusersKeys unet(UNetConfig c) {
        if (!c.useSpatialTransformer() || c.resblockUpdown() || !c.convResample() || c.useScaleShiftNorm()
                || c.isClassConditional()) {
            throw new IllegalArgumentException("unet: diffusers' UNet2DConditionModel has spatial transformers, "
                    + "convolutional up/downsampling and no scale-shift norm or class embedding; got " + c);
        }
        List<Rule> r = new ArrayList<>();
        r.add(new Rule("conv_in.", "input_blocks.0.0."));
        r.add(new Rule("time_embedding.linear_1.", "time_embed.0."));
        r.add(new Rule("time_embedding.linear_2.", "time_embed.2."));
        int n = c.numResBlocks();
        int levels = c.numLevels();
        int ds = 1;
        int k = 1;
        for (int i = 0; i < levels; i++) {
            for (int j = 0; j < n; j++, k++) {
                block(r, UNET_RESNET, "down_blocks." + i + ".resnets." + j + ".", "input_blocks." + k + ".0.");
                if (c.attentionAt(ds)) {
                    r.add(new Rule("down_blocks." + i + ".attentions." + j + ".", "input_blocks." + k + ".1."));
                }
            }
            if (i != levels - 1) {
                r.add(new Rule("down_blocks." + i + ".downsamplers.0.conv.", "input_blocks." + k + ".0.op."));
                k++;
                ds *= 2;
            }
        }
        block(r, UNET_RESNET, "mid_block.resnets.0.", "middle_block.0.");
        r.add(new Rule("mid_block.attentions.0.", "middle_block.1."));
        block(r, UNET_RESNET, "mid_block.resnets.1.", "middle_block.2.");
        k = 0;
        for (int i = 0; i < levels; i++) {
            boolean attention = c.attentionAt(ds);
            for (int j = 0; j <= n; j++, k++) {
                block(r, UNET_RESNET, "up_blocks." + i + ".resnets." + j + ".", "output_blocks." + k + ".0.");
                if (attention) {
                    r.add(new Rule("up_blocks." + i + ".attentions." + j + ".", "output_blocks." + k + ".1."));
                }
                if (i != levels - 1 && j == n) {
                    r.add(new Rule("up_blocks." + i + ".upsamplers.0.conv.",
                            "output_blocks." + k + (attention ? ".2" : ".1") + ".conv."));
                }
            }
            ds /= 2;
        }
        r.add(new Rule("conv_norm_out.", "out.0."));
        r.add(new Rule("conv_out.", "out.2."));
        return new DiffusersKeys(r);
    }

    /** The rules of a KL autoencoder of {@code c}. */
    public static DiffusersKeys autoencoder(AutoencoderConfig c) {
        List<Rule> r = new ArrayList<>();
        int levels = c.numResolutions();
        r.add(new Rule("encoder.conv_in.", "encoder.conv_in."));
        int res = c.resolution();
        for (int i = 0; i < levels; i++) {
            for (int j = 0; j < c.numResBlocks(); j++) {
                String d = "encoder.down_blocks." + i;
                block(r, VAE_RESNET, d + ".resnets." + j + ".", "encoder.down." + i + ".block." + j + ".");
                if (c.attnResolutions().contains(res)) {
                    block(r, VAE_ATTENTION, d + ".attentions." + j + ".", "encoder.down." + i + ".attn." + j + ".");
                }
            }
            if (i != levels - 1) {
                r.add(new Rule("encoder.down_blocks." + i + ".downsamplers.0.conv.",
                        "encoder.down." + i + ".downsample.conv."));
                res /= 2;
            }
        }
        mid(r, "encoder.");
        r.add(new Rule("encoder.conv_norm_out.", "encoder.norm_out."));
        r.add(new Rule("encoder.conv_out.", "encoder.conv_out."));
        r.add(new Rule("decoder.conv_in.", "decoder.conv_in."));
        mid(r, "decoder.");
        for (int i = 0; i < levels; i++) {
            int level = levels - 1 - i;
            for (int j = 0; j <= c.numResBlocks(); j++) {
                String d = "decoder.up_blocks." + i;
                block(r, VAE_RESNET, d + ".resnets." + j + ".", "decoder.up." + level + ".block." + j + ".");
                if (c.attnResolutions().contains(res)) {
                    block(r, VAE_ATTENTION, d + ".attentions." + j + ".", "decoder.up." + level + ".attn." + j + ".");
                }
            }
            if (level != 0) {
                r.add(new Rule("decoder.up_blocks." + i + ".upsamplers.0.conv.",
                        "decoder.up." + level + ".upsample.conv."));
                res *= 2;
            }
        }
        r.add(new Rule("decoder.conv_norm_out.", "decoder.norm_out."));
        r.add(new Rule("decoder.conv_out.", "decoder.conv_out."));
        r.add(new Rule("quant_conv.", "quant_conv."));
        r.add(new Rule("post_quant_conv.", "post_quant_conv."));
        return new DiffusersKeys(r);
    }

    /** CLIP's text model: {@code text_model.*} below {@code transformer.} ({@code FrozenCLIPEmbedder}). */
    public static DiffusersKeys textEncoder() {
        return new DiffusersKeys(List.of(new Rule("text_model.", "transformer.text_model.")));
    }

    private static void mid(List<Rule> r, String side) {
        block(r, VAE_RESNET, side + "mid_block.resnets.0.", side + "mid.block_1.");
        block(r, VAE_ATTENTION, side + "mid_block.attentions.0.", side + "mid.attn_1.");
        block(r, VAE_RESNET, side + "mid_block.resnets.1.", side + "mid.block_2.");
    }

    /** One rule per layer of a block: {@code names} alternates the diffusers and the reference layer name. */
    private static void block(List<Rule> r, String[] names, String diffusers, String reference) {
        for (int i = 0; i < names.length; i += 2) {
            r.add(new Rule(diffusers + names[i], reference + names[i + 1]));
        }
    }

    /** The rules, in generation order. */
    public List<Rule> rules() {
        return rules;
    }

    /** The reference's name of a diffusers key, or null when no rule covers it. */
    public String toReference(String diffusersKey) {
        Rule best = null;
        for (Rule rule : rules) {
            if (diffusersKey.startsWith(rule.diffusers())
                    && (best == null || rule.diffusers().length() > best.diffusers().length())) {
                best = rule;
            }
        }
        return best == null ? null : best.reference() + diffusersKey.substring(best.diffusers().length());
    }

    /** The (current) diffusers name of a reference key, or null when no rule covers it. */
    public String toDiffusers(String referenceKey) {
        Rule best = null;
        for (Rule rule : rules) {
            if (referenceKey.startsWith(rule.reference())
                    && (best == null || rule.reference().length() > best.reference().length())) {
                best = rule;
            }
        }
        return best == null ? null : best.diffusers() + referenceKey.substring(best.reference().length());
    }
}
