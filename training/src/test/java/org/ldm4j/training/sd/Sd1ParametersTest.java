package org.ldm4j.training.sd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.ldm4j.autoencoder.AutoencoderConfig;
import org.ldm4j.autoencoder.AutoencoderKL;
import org.ldm4j.conditioning.text.EmptyPrompt;
import org.ldm4j.conditioning.text.clip.ClipTextConfig;
import org.ldm4j.conditioning.text.clip.FrozenClipEmbedder;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.nn.SkipInit;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.training.config.LdmYaml;
import org.ldm4j.unet.UNetConfig;
import org.ldm4j.unet.UNetModel;

/**
 * The full Stable Diffusion 1.x configuration has exactly the parameter names and shapes of the published
 * checkpoints ({@code v1-5-pruned-emaonly}): 686 U-Net tensors of 859,520,964 values, 248 autoencoder tensors of
 * 83,653,863, 196 text-encoder tensors of 123,060,480. The expected layout is written out here from the
 * reference's modules ({@code openaimodel.py}, {@code model.py}, {@code CLIPTextModel}), independently of ldm4j's
 * code; the counts are the published ones, which check this listing in turn. The models are built in half
 * precision without initialising them ({@link SkipInit}), one at a time, and freed: 1.7 GB at most, not 4.3.
 * The diffusers names of every key are checked to be a one-to-one renaming as well.
 */
class Sd1ParametersTest {
    private static final int CTX = 768;
    private static final int TEMB = 1280;

    @Test
    void theFullConfigurationHasThePublishedNamesAndShapes() {
        StableDiffusionConfig sd = StableDiffusionConfig.v1();
        long start = System.nanoTime();
        long before = Pointer.physicalBytes();
        long[] peak = {0};

        Map<String, long[]> unet = shapes(() -> new UNetModel(sd.unet(), new Rng(0)), peak);
        Map<String, long[]> vae = shapes(() -> new AutoencoderKL(sd.autoencoder(), new Rng(0)), peak);
        Map<String, long[]> clip = shapes(() -> new FrozenClipEmbedder(sd.text(), EmptyPrompt.clip(), new Rng(0)), peak);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("SD 1.x names and shapes: %.1f s, resident memory at most %d MB above the start%n",
                seconds, (peak[0] - before) >> 20);

        check("U-Net", expectedUnet(), unet, 686, 859_520_964L);
        check("autoencoder", expectedVae(), vae, 248, 83_653_863L);
        check("text encoder", expectedClip(), clip, 196, 123_060_480L);
        assertEquals(sd.parameterCount(), 859_520_964L + 83_653_863L + 123_060_480L);

        Map<String, long[]> all = new LinkedHashMap<>();
        unet.forEach((k, v) -> all.put(SdKeys.UNET + k, v));
        vae.forEach((k, v) -> all.put(SdKeys.FIRST_STAGE + k, v));
        clip.forEach((k, v) -> all.put(SdKeys.COND_STAGE + k, v));
        Map<String, long[]> wellKnown = Map.of(
                "model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight", new long[] {320, 768},
                "model.diffusion_model.input_blocks.0.0.weight", new long[] {320, 4, 3, 3},
                "model.diffusion_model.middle_block.1.proj_in.weight", new long[] {1280, 1280, 1, 1},
                "model.diffusion_model.output_blocks.2.1.conv.weight", new long[] {1280, 1280, 3, 3},
                "model.diffusion_model.out.2.weight", new long[] {4, 320, 3, 3},
                "model.diffusion_model.time_embed.0.weight", new long[] {1280, 320},
                "first_stage_model.encoder.conv_in.weight", new long[] {128, 3, 3, 3},
                "first_stage_model.decoder.up.0.block.0.nin_shortcut.weight", new long[] {128, 256, 1, 1},
                "first_stage_model.quant_conv.weight", new long[] {8, 8, 1, 1},
                "cond_stage_model.transformer.text_model.embeddings.token_embedding.weight", new long[] {49408, 768});
        wellKnown.forEach((k, s) -> assertArrayEquals(s, all.get(k), k));

        // every key has a diffusers name, and no two share one
        bijective(DiffusersKeys.unet(sd.unet())::toDiffusers, DiffusersKeys.unet(sd.unet())::toReference,
                unet.keySet());
        bijective(DiffusersKeys.autoencoder(sd.autoencoder())::toDiffusers,
                DiffusersKeys.autoencoder(sd.autoencoder())::toReference, vae.keySet());
        bijective(DiffusersKeys.textEncoder()::toDiffusers, DiffusersKeys.textEncoder()::toReference,
                clip.keySet());
        assertTrue(seconds < 60, "took " + seconds + " s");
    }

    /** Names and shapes of the module {@code build} makes in half precision without initialising it; then freed. */
    private static Map<String, long[]> shapes(Supplier<Module> build, long[] peak) {
        Module m;
        try (SkipInit s = SkipInit.open(DType.FLOAT16)) {
            m = build.get();
        }
        peak[0] = Math.max(peak[0], Pointer.physicalBytes());
        Map<String, long[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : m.stateDict().entrySet()) {
            out.put(e.getKey(), e.getValue().shape());
            MemoryScope.release(e.getValue().array());
        }
        return out;
    }

    private static void check(String part, Map<String, long[]> expected, Map<String, long[]> got, int tensors,
            long values) {
        assertEquals(tensors, expected.size(), part + ": the listing's tensors");
        assertEquals(values, expected.values().stream().mapToLong(Sd1ParametersTest::numel).sum(),
                part + ": the listing's values");
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, long[]> e : new TreeMap<>(expected).entrySet()) {
            long[] g = got.get(e.getKey());
            if (g == null) {
                problems.add("missing " + e.getKey());
            } else if (!Arrays.equals(g, e.getValue())) {
                problems.add(e.getKey() + ": " + Arrays.toString(g) + " instead of "
                        + Arrays.toString(e.getValue()));
            }
        }
        for (String k : got.keySet()) {
            if (!expected.containsKey(k)) {
                problems.add("unexpected " + k);
            }
        }
        assertTrue(problems.isEmpty(), part + ": " + problems);
    }

    private static void bijective(Function<String, String> toDiffusers, Function<String, String> toReference,
            Set<String> keys) {
        Set<String> names = new HashSet<>();
        for (String k : keys) {
            String d = toDiffusers.apply(k);
            assertNotNull(d, k);
            assertTrue(names.add(d), "two keys named " + d);
            assertEquals(k, toReference.apply(d), d);
        }
    }

    private static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    // ------------------------------------------------------------------ the reference's layout, written out

    private static void put(Map<String, long[]> m, String key, long... shape) {
        m.put(key, shape);
    }

    private static void norm(Map<String, long[]> m, String p, long c) {
        put(m, p + ".weight", c);
        put(m, p + ".bias", c);
    }

    private static void conv(Map<String, long[]> m, String p, long out, long in, long k) {
        put(m, p + ".weight", out, in, k, k);
        put(m, p + ".bias", out);
    }

    private static void linear(Map<String, long[]> m, String p, long out, long in, boolean bias) {
        put(m, p + ".weight", out, in);
        if (bias) {
            put(m, p + ".bias", out);
        }
    }

    /** openaimodel.ResBlock(in, emb 1280, out): GroupNorm, SiLU, conv; SiLU, Linear; GroupNorm, SiLU, dropout, conv. */
    private static void resBlock(Map<String, long[]> m, String p, long in, long out) {
        norm(m, p + ".in_layers.0", in);
        conv(m, p + ".in_layers.2", out, in, 3);
        linear(m, p + ".emb_layers.1", out, TEMB, true);
        norm(m, p + ".out_layers.0", out);
        conv(m, p + ".out_layers.3", out, out, 3);
        if (in != out) {
            conv(m, p + ".skip_connection", out, in, 1);
        }
    }

    /** attention.SpatialTransformer(c, 8 heads of c/8, depth 1, context 768): conv projections, GEGLU feed-forward. */
    private static void transformer(Map<String, long[]> m, String p, long c) {
        norm(m, p + ".norm", c);
        conv(m, p + ".proj_in", c, c, 1);
        String b = p + ".transformer_blocks.0";
        for (String attn : List.of(".attn1", ".attn2")) {
            long kv = attn.equals(".attn1") ? c : CTX;
            linear(m, b + attn + ".to_q", c, c, false);
            linear(m, b + attn + ".to_k", c, kv, false);
            linear(m, b + attn + ".to_v", c, kv, false);
            linear(m, b + attn + ".to_out.0", c, c, true);
        }
        linear(m, b + ".ff.net.0.proj", 8 * c, c, true);
        linear(m, b + ".ff.net.2", c, 4 * c, true);
        for (String n : List.of(".norm1", ".norm2", ".norm3")) {
            norm(m, b + n, c);
        }
        conv(m, p + ".proj_out", c, c, 1);
    }

    /** v1-inference.yaml's unet_config: 320 channels, mult 1 2 4 4, 2 blocks, attention at 4 2 1. */
    static Map<String, long[]> expectedUnet() {
        Map<String, long[]> m = new LinkedHashMap<>();
        linear(m, "time_embed.0", TEMB, 320, true);
        linear(m, "time_embed.2", TEMB, TEMB, true);
        conv(m, "input_blocks.0.0", 320, 4, 3);
        // input blocks 1..11: (in, out, attention) and the downsamplers at 3, 6, 9
        long[][] down = {{320, 320, 1}, {320, 320, 1}, {}, {320, 640, 1}, {640, 640, 1}, {}, {640, 1280, 1},
            {1280, 1280, 1}, {}, {1280, 1280, 0}, {1280, 1280, 0}};
        long[] downsampled = {0, 0, 320, 0, 0, 640, 0, 0, 1280};
        for (int i = 0; i < down.length; i++) {
            String p = "input_blocks." + (i + 1);
            if (down[i].length == 0) {
                conv(m, p + ".0.op", downsampled[i], downsampled[i], 3);
                continue;
            }
            resBlock(m, p + ".0", down[i][0], down[i][1]);
            if (down[i][2] == 1) {
                transformer(m, p + ".1", down[i][1]);
            }
        }
        resBlock(m, "middle_block.0", 1280, 1280);
        transformer(m, "middle_block.1", 1280);
        resBlock(m, "middle_block.2", 1280, 1280);
        // output blocks 0..11: (in = h + skip, out, attention, upsample)
        long[][] up = {{2560, 1280, 0, 0}, {2560, 1280, 0, 0}, {2560, 1280, 0, 1}, {2560, 1280, 1, 0},
            {2560, 1280, 1, 0}, {1920, 1280, 1, 1}, {1920, 640, 1, 0}, {1280, 640, 1, 0}, {960, 640, 1, 1},
            {960, 320, 1, 0}, {640, 320, 1, 0}, {640, 320, 1, 0}};
        for (int i = 0; i < up.length; i++) {
            String p = "output_blocks." + i;
            resBlock(m, p + ".0", up[i][0], up[i][1]);
            if (up[i][2] == 1) {
                transformer(m, p + ".1", up[i][1]);
            }
            if (up[i][3] == 1) {
                conv(m, p + (up[i][2] == 1 ? ".2" : ".1") + ".conv", up[i][1], up[i][1], 3);
            }
        }
        norm(m, "out.0", 320);
        conv(m, "out.2", 4, 320, 3);
        return m;
    }

    /** model.ResnetBlock(in, out) without a time embedding. */
    private static void vaeBlock(Map<String, long[]> m, String p, long in, long out) {
        norm(m, p + ".norm1", in);
        conv(m, p + ".conv1", out, in, 3);
        norm(m, p + ".norm2", out);
        conv(m, p + ".conv2", out, out, 3);
        if (in != out) {
            conv(m, p + ".nin_shortcut", out, in, 1);
        }
    }

    private static void vaeMid(Map<String, long[]> m, String p) {
        vaeBlock(m, p + ".block_1", 512, 512);
        norm(m, p + ".attn_1.norm", 512);
        for (String x : List.of("q", "k", "v", "proj_out")) {
            conv(m, p + ".attn_1." + x, 512, 512, 1);
        }
        vaeBlock(m, p + ".block_2", 512, 512);
    }

    /** kl-f8: ch 128, ch_mult 1 2 4 4, 2 blocks (3 in the decoder), z 4, embed 4, no attention but the middle's. */
    static Map<String, long[]> expectedVae() {
        Map<String, long[]> m = new LinkedHashMap<>();
        long[] ch = {128, 256, 512, 512};
        conv(m, "encoder.conv_in", 128, 3, 3);
        long in = 128;
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 2; j++) {
                vaeBlock(m, "encoder.down." + i + ".block." + j, in, ch[i]);
                in = ch[i];
            }
            if (i < 3) {
                conv(m, "encoder.down." + i + ".downsample.conv", in, in, 3);
            }
        }
        vaeMid(m, "encoder.mid");
        norm(m, "encoder.norm_out", 512);
        conv(m, "encoder.conv_out", 8, 512, 3);
        conv(m, "decoder.conv_in", 512, 4, 3);
        vaeMid(m, "decoder.mid");
        in = 512;
        for (int i = 3; i >= 0; i--) {
            for (int j = 0; j < 3; j++) {
                vaeBlock(m, "decoder.up." + i + ".block." + j, in, ch[i]);
                in = ch[i];
            }
            if (i > 0) {
                conv(m, "decoder.up." + i + ".upsample.conv", in, in, 3);
            }
        }
        norm(m, "decoder.norm_out", 128);
        conv(m, "decoder.conv_out", 3, 128, 3);
        conv(m, "quant_conv", 8, 8, 1);
        conv(m, "post_quant_conv", 4, 4, 1);
        return m;
    }

    /** CLIPTextModel of openai/clip-vit-large-patch14 under FrozenCLIPEmbedder's "transformer". */
    static Map<String, long[]> expectedClip() {
        Map<String, long[]> m = new LinkedHashMap<>();
        String t = "transformer.text_model.";
        put(m, t + "embeddings.token_embedding.weight", 49408, 768);
        put(m, t + "embeddings.position_embedding.weight", 77, 768);
        for (int i = 0; i < 12; i++) {
            String l = t + "encoder.layers." + i;
            for (String p : List.of("k_proj", "v_proj", "q_proj", "out_proj")) {
                linear(m, l + ".self_attn." + p, 768, 768, true);
            }
            norm(m, l + ".layer_norm1", 768);
            linear(m, l + ".mlp.fc1", 3072, 768, true);
            linear(m, l + ".mlp.fc2", 768, 3072, true);
            norm(m, l + ".layer_norm2", 768);
        }
        norm(m, t + "final_layer_norm", 768);
        return m;
    }

    /** The preset is v1-inference.yaml, and its parts the presets of each module. */
    @Test
    void thePresetIsV1InferenceYaml() throws Exception {
        StableDiffusionConfig v1 = StableDiffusionConfig.v1();
        Path yaml = Path.of(Sd1ParametersTest.class.getResource("/org/ldm4j/training/config/v1-inference.yaml")
                .toURI());
        assertEquals(v1, StableDiffusionConfig.of(LdmYaml.readLatentDiffusion(yaml, List.of())));
        assertEquals(UNetConfig.sd15(), v1.unet());
        assertEquals(AutoencoderConfig.sdVaeF8(), v1.autoencoder());
        assertEquals(ClipTextConfig.vitL14(), v1.text());
        assertEquals(512, v1.imageSize());
        assertEquals(0.18215, v1.scaleFactor());
        assertEquals(859_520_964L, v1.unet().parameterCount());
        assertEquals(83_653_863L, v1.autoencoder().parameterCount());
        assertEquals(123_060_480L, v1.text().parameterCount());
    }
}
