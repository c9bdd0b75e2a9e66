package org.ldm4j.training.sd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ldm4j.autoencoder.AutoencoderConfig;
import org.ldm4j.conditioning.text.clip.ClipTextConfig;
import org.ldm4j.conditioning.text.tokenize.ClipTokenizer;
import org.ldm4j.core.io.Json;
import org.ldm4j.core.io.SafeTensors;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.NoiseSchedule;
import org.ldm4j.diffusion.Prediction;
import org.ldm4j.training.models.LatentDiffusion;
import org.ldm4j.training.models.LdmSpec;
import org.ldm4j.unet.UNetConfig;

/**
 * Test fixtures: a tiny Stable-Diffusion-shaped model (2-level U-Net with attention at the first level only, as SD
 * has none at its last, 3-level KL autoencoder, 2-layer CLIP of 16 positions), CLIP tokenizer files over a-z, and
 * the files a
 * real model comes in: the reference's full key layout (with the schedule buffers and CLIP's position ids), its
 * EMA under LitEma's names, a diffusers folder written through {@link DiffusersKeys} the other way round, and the
 * reference config in YAML.
 *
 * <pre>{@code
 * Path tok = TinySd.writeTokenizer(tmp.resolve("tokenizer"));
 * LatentDiffusion ldm = TinySd.config().build(TinySd.tokenizer(tok), new Rng(1));
 * SafeTensors.write(file, TinySd.referenceState(ldm, DType.FLOAT16));
 * }</pre>
 */
public final class TinySd {
    /** Image side: 32 pixels, 8x8 latents. */
    public static final int SIZE = 32;
    /** CLIP's positions (tokens per prompt). */
    public static final int POSITIONS = 16;
    private static final String[] MERGES = {"c a", "ca t</w>", "r e", "re d</w>"};

    private TinySd() {
    }

    /** The tokenizer files' vocabulary size: a-z in both forms, the merges' results and the two specials. */
    public static int vocabSize() {
        return vocab().size();
    }

    private static Map<String, Integer> vocab() {
        Map<String, Integer> v = new LinkedHashMap<>();
        for (char c = 'a'; c <= 'z'; c++) {
            v.put(String.valueOf(c), v.size());
            v.put(c + "</w>", v.size());
        }
        for (String m : MERGES) {
            v.put(m.replace(" ", ""), v.size());
        }
        v.put(ClipTokenizer.START_OF_TEXT, v.size());
        v.put(ClipTokenizer.END_OF_TEXT, v.size());
        return v;
    }

    /** Writes {@code vocab.json} and {@code merges.txt} into {@code dir}; returns it. */
    public static Path writeTokenizer(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("vocab.json"), Json.write(vocab()), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n" + String.join("\n", MERGES) + "\n",
                StandardCharsets.UTF_8);
        return dir;
    }

    public static ClipTokenizer tokenizer(Path dir) throws IOException {
        return ClipTokenizer.load(dir.resolve("vocab.json"), dir.resolve("merges.txt"));
    }

    /** The tiny model's shape (what {@link DiffusersFolder#config} reads back from {@link #writeDiffusers}). */
    public static StableDiffusionConfig config() {
        UNetConfig unet = UNetConfig.builder().imageSize(8).inChannels(4).outChannels(4).modelChannels(32)
                .numResBlocks(1).channelMult(1, 2).attentionResolutions(1).numHeads(2)
                .useSpatialTransformer(true).transformerDepth(1).contextDim(32).legacy(false).build();
        AutoencoderConfig vae = new AutoencoderConfig(32, List.of(1, 1, 2), 1, List.of(), 4, true, 0.0, SIZE, 3, 3, 4,
                0);
        ClipTextConfig text = new ClipTextConfig(vocabSize(), 32, 2, 2, POSITIONS, 64,
                ClipTextConfig.Activation.QUICK_GELU, 1e-5);
        return new StableDiffusionConfig(unet, vae, text, LdmSpec.ScheduleSpec.sd(), Prediction.EPSILON,
                StableDiffusionConfig.SD_SCALE_FACTOR, SIZE);
    }

    /**
     * The model's weights as a reference checkpoint holds them, in {@code dtype} (integers stay): the three parts'
     * keys (no {@code scale_factor}), CLIP's int64 position ids and the schedule's buffers.
     */
    public static Map<String, Tensor> referenceState(LatentDiffusion ldm, DType dtype) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        ldm.stateDict().forEach((k, v) -> {
            if (!k.equals(SdKeys.SCALE_FACTOR)) {
                out.put(k, v.to(dtype));
            }
        });
        out.put(SdKeys.POSITION_IDS, positionIds());
        NoiseSchedule s = ldm.process().schedule();
        out.put("betas", Tensor.of(s.betas(), s.length()).to(dtype));
        out.put("alphas_cumprod", Tensor.of(s.alphasCumprod(), s.length()).to(dtype));
        out.put("alphas_cumprod_prev", Tensor.of(s.alphasCumprodPrev(), s.length()).to(dtype));
        return out;
    }

    private static Tensor positionIds() {
        long[] ids = new long[POSITIONS];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
        }
        return Tensor.of(ids, 1, POSITIONS);
    }

    /** LitEma's entries for a U-Net whose weights are {@code emaUnet}'s: {@code model_ema.*}, decay, num_updates. */
    public static Map<String, Tensor> emaState(LatentDiffusion emaUnet) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        emaUnet.unet().stateDict().forEach((k, v) -> out.put(SdKeys.emaKey(k), v));
        out.put(SdKeys.EMA + "decay", Tensor.scalar(0.9999));
        out.put(SdKeys.EMA + "num_updates", Tensor.scalar(DType.INT32, 470000));
        return out;
    }

    /** Writes a safetensors file of {@code state}. */
    public static Path writeSafetensors(Path file, Map<String, Tensor> state) throws IOException {
        SafeTensors.write(file, state);
        return file;
    }

    /**
     * A diffusers folder of {@code ldm}: each weight under its diffusers name ({@link DiffusersKeys#toDiffusers},
     * the autoencoder's attention 1x1 convolutions as linear [C, C]; with {@code legacyVaeNames} the names of
     * diffusers before 0.14), the configs, the scheduler config, {@code model_index.json} and the tokenizer.
     */
    public static Path writeDiffusers(Path dir, LatentDiffusion ldm, Path tokenizerDir, boolean legacyVaeNames)
            throws IOException {
        StableDiffusionConfig c = config();
        Map<String, Tensor> unet = new LinkedHashMap<>();
        DiffusersKeys unetKeys = DiffusersKeys.unet(c.unet());
        ldm.unet().stateDict().forEach((k, v) -> unet.put(required(unetKeys.toDiffusers(k), k), v));
        Map<String, Tensor> vae = new LinkedHashMap<>();
        DiffusersKeys vaeKeys = DiffusersKeys.autoencoder(c.autoencoder());
        ldm.firstStageModule().stateDict().forEach((k, v) -> {
            String d = required(vaeKeys.toDiffusers(k), k);
            if (legacyVaeNames) {
                d = d.replace(".to_q.", ".query.").replace(".to_k.", ".key.").replace(".to_v.", ".value.")
                        .replace(".to_out.0.", ".proj_attn.");
            }
            vae.put(d, SdNaming.isLinearAsConv(SdKeys.FIRST_STAGE + k) ? v.reshape(v.size(0), v.size(1)) : v);
        });
        Map<String, Tensor> text = new LinkedHashMap<>();
        DiffusersKeys textKeys = DiffusersKeys.textEncoder();
        ldm.cond().module().stateDict().forEach((k, v) -> text.put(required(textKeys.toDiffusers(k), k), v));
        text.put("text_model.embeddings.position_ids", positionIds());

        write(dir.resolve("unet"), "diffusion_pytorch_model.safetensors", unet, json("_class_name",
                "UNet2DConditionModel", "sample_size", 8, "in_channels", 4, "out_channels", 4,
                "block_out_channels", List.of(32, 64), "layers_per_block", 1, "down_block_types",
                List.of("CrossAttnDownBlock2D", "DownBlock2D"), "up_block_types",
                List.of("UpBlock2D", "CrossAttnUpBlock2D"), "cross_attention_dim", 32,
                "attention_head_dim", 2, "use_linear_projection", false, "norm_num_groups", 32));
        write(dir.resolve("vae"), "diffusion_pytorch_model.safetensors", vae, json("_class_name", "AutoencoderKL",
                "block_out_channels", List.of(32, 32, 64), "layers_per_block", 1, "latent_channels", 4,
                "sample_size", SIZE, "down_block_types", List.of("DownEncoderBlock2D", "DownEncoderBlock2D",
                        "DownEncoderBlock2D"), "scaling_factor", 0.18215, "norm_num_groups", 32));
        write(dir.resolve("text_encoder"), "model.safetensors", text, json("architectures",
                List.of("CLIPTextModel"), "vocab_size", vocabSize(), "hidden_size", 32, "num_hidden_layers", 2,
                "num_attention_heads", 2, "max_position_embeddings", POSITIONS, "intermediate_size", 64, "hidden_act",
                "quick_gelu", "layer_norm_eps", 1e-5));
        Files.createDirectories(dir.resolve("scheduler"));
        Files.writeString(dir.resolve("scheduler").resolve("scheduler_config.json"), Json.write(json(
                "_class_name", "PNDMScheduler", "beta_start", 0.00085, "beta_end", 0.012, "beta_schedule",
                "scaled_linear", "num_train_timesteps", 1000, "steps_offset", 1)));
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("_class_name", "StableDiffusionPipeline");
        for (String part : List.of("unet", "vae", "text_encoder", "tokenizer", "scheduler")) {
            index.put(part, List.of("diffusers", part));
        }
        Files.writeString(dir.resolve("model_index.json"), Json.write(index));
        Path tok = dir.resolve("tokenizer");
        Files.createDirectories(tok);
        Files.copy(tokenizerDir.resolve("vocab.json"), tok.resolve("vocab.json"));
        Files.copy(tokenizerDir.resolve("merges.txt"), tok.resolve("merges.txt"));
        return dir;
    }

    /** A JSON object from alternating keys and values, in order. */
    static Map<String, Object> json(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    private static String required(String mapped, String key) {
        if (mapped == null) {
            throw new AssertionError("no diffusers name for " + key);
        }
        return mapped;
    }

    private static void write(Path folder, String file, Map<String, Tensor> weights, Map<String, Object> config)
            throws IOException {
        Files.createDirectories(folder);
        SafeTensors.write(folder.resolve(file), weights);
        Files.writeString(folder.resolve("config.json"), Json.write(config));
    }

    /**
     * The tiny model's reference config in the YAML of {@code v1-inference.yaml} (ldm4j's extension keys give
     * CLIP's tiny shape).
     */
    public static String yaml() {
        StableDiffusionConfig c = config();
        List<String> l = new ArrayList<>();
        l.add("model:");
        l.add("  base_learning_rate: 1.0e-04");
        l.add("  target: ldm.models.diffusion.ddpm.LatentDiffusion");
        l.add("  params:");
        l.add("    linear_start: 0.00085");
        l.add("    linear_end: 0.0120");
        l.add("    timesteps: 1000");
        l.add("    first_stage_key: jpg");
        l.add("    cond_stage_key: txt");
        l.add("    image_size: 8");
        l.add("    channels: 4");
        l.add("    cond_stage_trainable: false");
        l.add("    conditioning_key: crossattn");
        l.add("    scale_factor: 0.18215");
        l.add("    use_ema: False");
        l.add("    unet_config:");
        l.add("      target: ldm.modules.diffusionmodules.openaimodel.UNetModel");
        l.add("      params: {image_size: 8, in_channels: 4, out_channels: 4, model_channels: 32, "
                + "attention_resolutions: [1], num_res_blocks: 1, channel_mult: [1, 2], num_heads: 2, "
                + "use_spatial_transformer: True, transformer_depth: 1, context_dim: 32, legacy: False}");
        l.add("    first_stage_config:");
        l.add("      target: ldm.models.autoencoder.AutoencoderKL");
        l.add("      params:");
        l.add("        embed_dim: 4");
        l.add("        ddconfig: {double_z: true, z_channels: 4, resolution: " + SIZE + ", in_channels: 3, out_ch: 3, "
                + "ch: 32, ch_mult: [1, 1, 2], num_res_blocks: 1, attn_resolutions: [], dropout: 0.0}");
        l.add("        lossconfig: {target: torch.nn.Identity}");
        l.add("    cond_stage_config:");
        l.add("      target: ldm.modules.encoders.modules.FrozenCLIPEmbedder");
        l.add("      params: {vocab_size: " + c.text().vocabSize() + ", width: 32, layers: 2, heads: 2, "
                + "intermediate: 64, max_length: " + POSITIONS + "}");
        return String.join("\n", l) + "\n";
    }

    /**
     * A random tiny model whose zero-initialised layers (the reference's {@code zero_module}: the U-Net's output
     * and residual branches) get small random weights too, so that its output depends on every weight.
     */
    public static LatentDiffusion model(ClipTokenizer tok, long seed) {
        LatentDiffusion ldm = config().build(tok, new Rng(seed));
        Rng rng = new Rng(seed).fork(99);
        for (Tensor p : ldm.parameters()) {
            if (p.abs().sum().item() == 0) {
                p.assign(rng.normal(DType.FLOAT32, p.shape()).mul(0.05));
            }
        }
        return ldm;
    }
}
