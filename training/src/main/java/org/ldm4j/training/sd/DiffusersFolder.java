package org.ldm4j.training.sd;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.ldm4j.autoencoder.AutoencoderConfig;
import org.ldm4j.conditioning.text.clip.ClipTextConfig;
import org.ldm4j.core.io.Json;
import org.ldm4j.diffusion.NoiseSchedule;
import org.ldm4j.diffusion.Prediction;
import org.ldm4j.training.models.LdmSpec;
import org.ldm4j.unet.UNetConfig;

/**
 * A Stable Diffusion 1.x pipeline saved by diffusers ({@code save_pretrained}): {@code model_index.json},
 * {@code unet/}, {@code vae/}, {@code text_encoder/} (each a {@code config.json} and its weights),
 * {@code tokenizer/vocab.json} and {@code merges.txt}, {@code scheduler/scheduler_config.json}. The configs are
 * read into a {@link StableDiffusionConfig}; a setting ldm4j's models cannot honour (linear projections in the
 * transformers, another normalisation, a class embedding) is an error naming the file and the key.
 *
 * <pre>{@code
 * Path dir = Path.of("stable-diffusion-v1-5");
 * if (DiffusersFolder.isFolder(dir)) {
 *     StableDiffusionConfig c = DiffusersFolder.config(dir);     // the v1 shapes, 512x512
 *     Path unet = DiffusersFolder.weights(dir, "unet");          // unet/diffusion_pytorch_model.safetensors
 * }
 * }</pre>
 */
public final class DiffusersFolder {
    /** The components ldm4j reads, each a folder. */
    public static final List<String> COMPONENTS = List.of("unet", "vae", "text_encoder");

    private DiffusersFolder() {
    }

    /** Whether {@code path} is a folder with {@code model_index.json} or {@code unet/config.json}. */
    public static boolean isFolder(Path path) {
        return Files.isDirectory(path) && (Files.isRegularFile(path.resolve("model_index.json"))
                || Files.isRegularFile(path.resolve("unet").resolve("config.json")));
    }

    /**
     * The weights file of a component: {@code <name>.safetensors}, else its {@code .fp16.safetensors} variant, else
     * the {@code torch.save} file ({@code diffusion_pytorch_model.bin}, {@code pytorch_model.bin}).
     */
    public static Path weights(Path dir, String component) throws IOException {
        Path folder = dir.resolve(component);
        List<String> names = component.equals("text_encoder")
                ? List.of("model.safetensors", "model.fp16.safetensors", "pytorch_model.bin", "pytorch_model.fp16.bin")
                : List.of("diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.fp16.safetensors",
                        "diffusion_pytorch_model.bin", "diffusion_pytorch_model.fp16.bin");
        for (String n : names) {
            if (Files.isRegularFile(folder.resolve(n))) {
                return folder.resolve(n);
            }
        }
        throw new NoSuchFileException(folder.toString(), null, "expected the " + component + "'s weights, one of "
                + names);
    }

    /** The folder of CLIP's tokenizer files ({@code tokenizer/}). */
    public static Path tokenizer(Path dir) {
        return dir.resolve("tokenizer");
    }

    /** The model's config from its {@code config.json} files and {@code scheduler/scheduler_config.json}. */
    public static StableDiffusionConfig config(Path dir) throws IOException {
        Map<String, Object> index = Files.isRegularFile(dir.resolve("model_index.json"))
                ? read(dir.resolve("model_index.json")) : Map.of();
        Object cls = index.get("_class_name");
        if (cls instanceof String s && !s.startsWith("StableDiffusion")) {
            throw new IllegalArgumentException(dir.resolve("model_index.json") + ": _class_name: expected a Stable "
                    + "Diffusion 1.x pipeline (StableDiffusionPipeline), got " + s);
        }
        Path unetFile = dir.resolve("unet").resolve("config.json");
        Path vaeFile = dir.resolve("vae").resolve("config.json");
        UNetConfig unet = unet(new Reader(unetFile, read(unetFile)));
        Reader vaeReader = new Reader(vaeFile, read(vaeFile));
        AutoencoderConfig vae = vae(vaeReader);
        Path textFile = dir.resolve("text_encoder").resolve("config.json");
        ClipTextConfig text = text(new Reader(textFile, read(textFile)));
        Path schedulerFile = dir.resolve("scheduler").resolve("scheduler_config.json");
        Reader sched = new Reader(schedulerFile, Files.isRegularFile(schedulerFile) ? read(schedulerFile) : Map.of());
        LdmSpec.ScheduleSpec sd = LdmSpec.ScheduleSpec.sd();
        String kind = sched.string("beta_schedule", "scaled_linear");
        NoiseSchedule.Kind k = switch (kind) {
            case "scaled_linear" -> NoiseSchedule.Kind.LINEAR;
            case "linear" -> NoiseSchedule.Kind.SQRT_LINEAR;
            case "squaredcos_cap_v2" -> NoiseSchedule.Kind.COSINE;
            default -> throw sched.wrong("beta_schedule", "scaled_linear, linear or squaredcos_cap_v2", kind);
        };
        LdmSpec.ScheduleSpec schedule = new LdmSpec.ScheduleSpec(k, sched.integer("num_train_timesteps",
                sd.timesteps()), sched.number("beta_start", sd.linearStart()), sched.number("beta_end",
                sd.linearEnd()), sd.cosineS());
        String p = sched.string("prediction_type", "epsilon");
        Prediction prediction = switch (p) {
            case "epsilon" -> Prediction.EPSILON;
            case "v_prediction" -> Prediction.V;
            case "sample" -> Prediction.SAMPLE;
            default -> throw sched.wrong("prediction_type", "epsilon, v_prediction or sample", p);
        };
        double scale = vaeReader.number("scaling_factor", StableDiffusionConfig.SD_SCALE_FACTOR);
        return new StableDiffusionConfig(unet, vae, text, schedule, prediction, scale,
                unet.imageSize() * vae.downsamplingFactor());
    }

    private static UNetConfig unet(Reader r) {
        List<Integer> blocks = r.integers("block_out_channels", List.of(320, 640, 1280, 1280));
        int mc = blocks.get(0);
        int[] mult = new int[blocks.size()];
        for (int i = 0; i < mult.length; i++) {
            if (blocks.get(i) % mc != 0) {
                throw r.wrong("block_out_channels", "multiples of the first entry", blocks);
            }
            mult[i] = blocks.get(i) / mc;
        }
        List<String> down = r.strings("down_block_types", List.of("CrossAttnDownBlock2D", "CrossAttnDownBlock2D",
                "CrossAttnDownBlock2D", "DownBlock2D"));
        List<String> up = r.strings("up_block_types", List.of("UpBlock2D", "CrossAttnUpBlock2D",
                "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"));
        if (down.size() != blocks.size() || up.size() != blocks.size()) {
            throw r.wrong("down_block_types", blocks.size() + " down and up blocks (one per block_out_channels)",
                    down + " / " + up);
        }
        List<Integer> attention = new ArrayList<>();
        for (int i = 0; i < down.size(); i++) {
            boolean cross = down.get(i).equals("CrossAttnDownBlock2D");
            if (!cross && !down.get(i).equals("DownBlock2D")) {
                throw r.wrong("down_block_types", "CrossAttnDownBlock2D or DownBlock2D", down.get(i));
            }
            String mirror = up.get(down.size() - 1 - i);
            if (!mirror.equals(cross ? "CrossAttnUpBlock2D" : "UpBlock2D")) {
                throw r.wrong("up_block_types", "the down blocks mirrored (" + (cross ? "CrossAttnUpBlock2D"
                        : "UpBlock2D") + " at " + (down.size() - 1 - i) + ")", up);
            }
            if (cross) {
                attention.add(1 << i);
            }
        }
        r.expect("mid_block_type", "UNetMidBlock2DCrossAttn");
        r.expect("use_linear_projection", false);
        r.expect("norm_num_groups", 32L);
        r.expect("class_embed_type", null);
        r.expect("only_cross_attention", false);
        r.expect("dual_cross_attention", false);
        r.expect("flip_sin_to_cos", true);
        r.expect("freq_shift", 0L);
        r.expect("transformer_layers_per_block", 1L);
        r.expect("center_input_sample", false);
        r.expect("downsample_padding", 1L);
        r.expect("resnet_time_scale_shift", "default");
        r.expect("act_fn", "silu");
        int context = r.integer("cross_attention_dim", 768);
        // diffusers' attention_head_dim of SD 1.x is the number of heads (num_attention_heads when set)
        Object heads = r.value("num_attention_heads") != null ? r.value("num_attention_heads")
                : r.value("attention_head_dim") != null ? r.value("attention_head_dim") : 8L;
        if (!(heads instanceof Long h)) {
            throw r.wrong("attention_head_dim", "one number of heads for every block (SD 1.x: 8)", heads);
        }
        return UNetConfig.builder().imageSize(r.integer("sample_size", 64)).inChannels(r.integer("in_channels", 4))
                .outChannels(r.integer("out_channels", 4)).modelChannels(mc)
                .numResBlocks(r.integer("layers_per_block", 2)).channelMult(mult)
                .attentionResolutions(attention.stream().mapToInt(Integer::intValue).toArray())
                .numHeads(Math.toIntExact(h)).useSpatialTransformer(true).transformerDepth(1).contextDim(context)
                .legacy(false).build();
    }

    private static AutoencoderConfig vae(Reader r) {
        List<Integer> blocks = r.integers("block_out_channels", List.of(128, 256, 512, 512));
        int ch = blocks.get(0);
        List<Integer> mult = new ArrayList<>();
        for (int b : blocks) {
            if (b % ch != 0) {
                throw r.wrong("block_out_channels", "multiples of the first entry", blocks);
            }
            mult.add(b / ch);
        }
        int resolution = r.integer("sample_size", 512);
        List<String> down = r.strings("down_block_types", List.of());
        List<Integer> attn = new ArrayList<>();
        for (int i = 0; i < down.size(); i++) {
            if (down.get(i).equals("AttnDownEncoderBlock2D")) {
                attn.add(resolution >> i);
            } else if (!down.get(i).equals("DownEncoderBlock2D")) {
                throw r.wrong("down_block_types", "DownEncoderBlock2D or AttnDownEncoderBlock2D", down.get(i));
            }
        }
        r.expect("norm_num_groups", 32L);
        int latent = r.integer("latent_channels", 4);
        return new AutoencoderConfig(ch, mult, r.integer("layers_per_block", 2), attn, latent, true, 0.0, resolution,
                r.integer("in_channels", 3), r.integer("out_channels", 3), latent, 0);
    }

    private static ClipTextConfig text(Reader r) {
        ClipTextConfig l14 = ClipTextConfig.vitL14();
        String act = r.string("hidden_act", "quick_gelu");
        ClipTextConfig.Activation a = switch (act) {
            case "quick_gelu" -> ClipTextConfig.Activation.QUICK_GELU;
            case "gelu" -> ClipTextConfig.Activation.GELU;
            default -> throw r.wrong("hidden_act", "quick_gelu or gelu", act);
        };
        return new ClipTextConfig(r.integer("vocab_size", l14.vocabSize()), r.integer("hidden_size", l14.width()),
                r.integer("num_hidden_layers", l14.layers()), r.integer("num_attention_heads", l14.heads()),
                r.integer("max_position_embeddings", l14.maxPositions()),
                r.integer("intermediate_size", l14.intermediate()), a, r.number("layer_norm_eps", l14.layerNormEps()));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "expected a diffusers config file");
        }
        try {
            Object root = Json.parse(Files.readString(file, StandardCharsets.UTF_8));
            if (!(root instanceof Map<?, ?>)) {
                throw new IOException(file + ": expected a JSON object, found " + root);
            }
            return (Map<String, Object>) root;
        } catch (Json.ParseException e) {
            throw new IOException(file + ": not JSON: " + e.getMessage(), e);
        }
    }

    /** Typed access to one config.json, with errors naming the file and key. */
    private record Reader(Path file, Map<String, Object> map) {
        Object value(String key) {
            Object v = map.get(key);
            return v == Json.NULL ? null : v;
        }

        IllegalArgumentException wrong(String key, String expected, Object got) {
            return new IllegalArgumentException(file + ": " + key + ": expected " + expected + ", got " + got);
        }

        int integer(String key, int fallback) {
            Object v = value(key);
            if (v == null) {
                return fallback;
            }
            if (!(v instanceof Long l) || l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
                throw wrong(key, "an integer", v);
            }
            return l.intValue();
        }

        double number(String key, double fallback) {
            Object v = value(key);
            if (v == null) {
                return fallback;
            }
            if (v instanceof Long l) {
                return l;
            }
            if (v instanceof BigDecimal d) {
                return d.doubleValue();
            }
            throw wrong(key, "a number", v);
        }

        String string(String key, String fallback) {
            Object v = value(key);
            if (v == null) {
                return fallback;
            }
            if (!(v instanceof String s)) {
                throw wrong(key, "a string", v);
            }
            return s;
        }

        List<Integer> integers(String key, List<Integer> fallback) {
            Object v = value(key);
            if (v == null) {
                return fallback;
            }
            List<Integer> out = new ArrayList<>();
            if (v instanceof List<?> l && !l.isEmpty()) {
                for (Object o : l) {
                    if (!(o instanceof Long n) || n < 1 || n > Integer.MAX_VALUE) {
                        throw wrong(key, "a list of positive integers", v);
                    }
                    out.add(n.intValue());
                }
                return out;
            }
            throw wrong(key, "a non-empty list of positive integers", v);
        }

        List<String> strings(String key, List<String> fallback) {
            Object v = value(key);
            if (v == null) {
                return fallback;
            }
            List<String> out = new ArrayList<>();
            if (v instanceof List<?> l) {
                for (Object o : l) {
                    if (!(o instanceof String s)) {
                        throw wrong(key, "a list of strings", v);
                    }
                    out.add(s);
                }
                return out;
            }
            throw wrong(key, "a list of strings", v);
        }

        /** The key is absent, null where {@code expected} is null, or equal to {@code expected}. */
        void expect(String key, Object expected) {
            if (!map.containsKey(key)) {
                return;
            }
            Object v = value(key);
            if (v == null ? expected != null : !v.equals(expected)) {
                throw wrong(key, expected + " (what ldm4j's Stable Diffusion 1.x models support)", v);
            }
        }
    }
}
