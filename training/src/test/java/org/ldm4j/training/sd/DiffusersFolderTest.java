package org.ldm4j.training.sd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldm4j.autoencoder.AutoencoderConfig;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.training.models.LatentDiffusion;
import org.ldm4j.unet.UNetConfig;

/**
 * Diffusers folders: a tiny model written under diffusers' names (through {@link DiffusersKeys} the other way round,
 * with the autoencoder's attention as linear layers, in current and pre-0.14 names) loads with exactly the
 * weights it was written from, its config read from the folder's JSON; and well-known names of Stable Diffusion
 * 1.5's diffusers files map to the reference's.
 */
class DiffusersFolderTest {
    @TempDir
    static Path tmp;
    static Path tokenizerDir;
    static LatentDiffusion original;

    @BeforeAll
    static void model() throws IOException {
        tokenizerDir = TinySd.writeTokenizer(tmp.resolve("tokenizer"));
        original = TinySd.model(TinySd.tokenizer(tokenizerDir), 3);
    }

    private static void assertSameWeights(LatentDiffusion got) {
        Map<String, Tensor> have = got.stateDict();
        assertEquals(original.stateDict().keySet(), have.keySet());
        original.stateDict().forEach((k, v) -> assertEquals(0.0, have.get(k).maxAbsDiff(v), k));
    }

    @Test
    void aFolderWrittenThroughTheInverseMappingLoadsTheSameWeights() throws IOException {
        Path dir = TinySd.writeDiffusers(tmp.resolve("current"), original, tokenizerDir, false);
        assertSame(StableDiffusion.Format.DIFFUSERS, StableDiffusion.detect(dir));
        assertEquals(TinySd.config(), DiffusersFolder.config(dir));

        StableDiffusion.Loaded sd = StableDiffusion.load(dir, StableDiffusion.Options.defaults());
        assertSame(StableDiffusion.Format.DIFFUSERS, sd.format());
        assertSameWeights(sd.model());
        assertEquals(Map.of("CLIP's position ids (a constant buffer)", 1), sd.ignored());

        String ema = assertThrows(IllegalArgumentException.class, () -> StableDiffusion.load(dir,
                StableDiffusion.Options.defaults().withEma(true))).getMessage();
        assertTrue(ema.contains("not an EMA"), ema);
    }

    @Test
    void olderAttentionNamesOfTheAutoencoderLoadToo() throws IOException {
        Path dir = TinySd.writeDiffusers(tmp.resolve("legacy"), original, tokenizerDir, true);
        assertSameWeights(StableDiffusion.load(dir, StableDiffusion.Options.defaults()).model());
    }

    @Test
    void unsupportedConfigsAndMissingFilesAreNamed() throws IOException {
        Path dir = TinySd.writeDiffusers(tmp.resolve("linear"), original, tokenizerDir, false);
        Path unet = dir.resolve("unet").resolve("config.json");
        Files.writeString(unet, Files.readString(unet).replace("\"use_linear_projection\": false",
                "\"use_linear_projection\": true"));
        String linear = assertThrows(IllegalArgumentException.class, () -> DiffusersFolder.config(dir)).getMessage();
        assertTrue(linear.contains("unet") && linear.contains("use_linear_projection: expected false"), linear);

        Files.delete(dir.resolve("vae").resolve("diffusion_pytorch_model.safetensors"));
        assertThrows(NoSuchFileException.class, () -> DiffusersFolder.weights(dir, "vae"));
        assertNull(StableDiffusion.detect(tmp.resolve("tokenizer")));
    }

    @Test
    void wellKnownNamesOfStableDiffusion15MapToTheReferences() {
        DiffusersKeys unet = DiffusersKeys.unet(UNetConfig.sd15());
        Map<String, String> known = Map.ofEntries(
                Map.entry("conv_in.weight", "input_blocks.0.0.weight"),
                Map.entry("time_embedding.linear_1.weight", "time_embed.0.weight"),
                Map.entry("time_embedding.linear_2.bias", "time_embed.2.bias"),
                Map.entry("down_blocks.0.resnets.0.norm1.weight", "input_blocks.1.0.in_layers.0.weight"),
                Map.entry("down_blocks.0.resnets.1.time_emb_proj.weight", "input_blocks.2.0.emb_layers.1.weight"),
                Map.entry("down_blocks.0.attentions.1.transformer_blocks.0.attn2.to_k.weight",
                        "input_blocks.2.1.transformer_blocks.0.attn2.to_k.weight"),
                Map.entry("down_blocks.0.downsamplers.0.conv.weight", "input_blocks.3.0.op.weight"),
                Map.entry("down_blocks.1.resnets.0.conv_shortcut.weight", "input_blocks.4.0.skip_connection.weight"),
                Map.entry("down_blocks.1.attentions.0.proj_in.weight", "input_blocks.4.1.proj_in.weight"),
                Map.entry("down_blocks.2.downsamplers.0.conv.bias", "input_blocks.9.0.op.bias"),
                Map.entry("down_blocks.3.resnets.1.conv2.weight", "input_blocks.11.0.out_layers.3.weight"),
                Map.entry("mid_block.resnets.0.norm2.bias", "middle_block.0.out_layers.0.bias"),
                Map.entry("mid_block.attentions.0.transformer_blocks.0.ff.net.0.proj.weight",
                        "middle_block.1.transformer_blocks.0.ff.net.0.proj.weight"),
                Map.entry("mid_block.resnets.1.conv1.weight", "middle_block.2.in_layers.2.weight"),
                Map.entry("up_blocks.0.resnets.2.conv_shortcut.weight", "output_blocks.2.0.skip_connection.weight"),
                Map.entry("up_blocks.0.upsamplers.0.conv.weight", "output_blocks.2.1.conv.weight"),
                Map.entry("up_blocks.1.attentions.2.norm.weight", "output_blocks.5.1.norm.weight"),
                Map.entry("up_blocks.1.upsamplers.0.conv.weight", "output_blocks.5.2.conv.weight"),
                Map.entry("up_blocks.2.upsamplers.0.conv.bias", "output_blocks.8.2.conv.bias"),
                Map.entry("up_blocks.3.attentions.2.proj_out.weight", "output_blocks.11.1.proj_out.weight"),
                Map.entry("conv_norm_out.weight", "out.0.weight"),
                Map.entry("conv_out.bias", "out.2.bias"));
        known.forEach((d, r) -> {
            assertEquals(r, unet.toReference(d), d);
            assertEquals(d, unet.toDiffusers(r), r);
        });
        assertNull(unet.toReference("down_blocks.0.resnets.0.unknown.weight"));
        assertNull(unet.toReference("down_blocks.3.attentions.0.norm.weight"), "no attention at the last level");

        DiffusersKeys vae = DiffusersKeys.autoencoder(AutoencoderConfig.sdVaeF8());
        Map<String, String> vaeKnown = Map.of(
                "encoder.down_blocks.1.resnets.0.conv_shortcut.weight", "encoder.down.1.block.0.nin_shortcut.weight",
                "encoder.down_blocks.2.downsamplers.0.conv.weight", "encoder.down.2.downsample.conv.weight",
                "encoder.mid_block.attentions.0.to_q.weight", "encoder.mid.attn_1.q.weight",
                "encoder.mid_block.attentions.0.proj_attn.bias", "encoder.mid.attn_1.proj_out.bias",
                "encoder.conv_norm_out.weight", "encoder.norm_out.weight",
                "decoder.up_blocks.0.resnets.2.conv1.weight", "decoder.up.3.block.2.conv1.weight",
                "decoder.up_blocks.0.upsamplers.0.conv.weight", "decoder.up.3.upsample.conv.weight",
                "decoder.up_blocks.3.resnets.0.conv_shortcut.bias", "decoder.up.0.block.0.nin_shortcut.bias",
                "decoder.mid_block.resnets.1.norm2.weight", "decoder.mid.block_2.norm2.weight",
                "post_quant_conv.weight", "post_quant_conv.weight");
        vaeKnown.forEach((d, r) -> assertEquals(r, vae.toReference(d), d));
        assertNull(vae.toReference("decoder.up_blocks.3.upsamplers.0.conv.weight"), "level 0 has no upsampler");
        assertEquals("transformer.text_model.encoder.layers.11.mlp.fc2.weight",
                DiffusersKeys.textEncoder().toReference("text_model.encoder.layers.11.mlp.fc2.weight"));
    }
}
