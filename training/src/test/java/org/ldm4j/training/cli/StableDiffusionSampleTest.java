package org.ldm4j.training.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.training.image.Images;
import org.ldm4j.training.models.LatentDiffusion;
import org.ldm4j.training.sd.TinySd;

/**
 * {@code ldm4j sample} on Stable Diffusion checkpoints, recognised by their keys: a tiny model as a single
 * float16 file with its reference YAML and tokenizer folder, and as a diffusers folder; text-to-image with a
 * negative prompt, the same seed twice, a tiled decode, img2img and inpainting, and the errors of a missing tokenizer and of
 * {@code --ema} without EMA weights.
 */
class StableDiffusionSampleTest {

    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void samplesFromASingleFileAndFromADiffusersFolder(@TempDir Path tmp) throws IOException {
        Path tok = TinySd.writeTokenizer(tmp.resolve("tokenizer"));
        LatentDiffusion ldm = TinySd.model(TinySd.tokenizer(tok), 7);
        Path file = TinySd.writeSafetensors(tmp.resolve("tiny-sd.safetensors"),
                TinySd.referenceState(ldm, DType.FLOAT16));
        Path yaml = tmp.resolve("tiny-inference.yaml");
        Files.writeString(yaml, TinySd.yaml());

        String[] args = {"sample", "--checkpoint", file.toString(), "--config", yaml.toString(), "--tokenizer",
            tok.toString(), "--prompt", "a red cat", "--negative-prompt", "a dog", "--steps", "2", "--sampler",
            "dpmpp-2m", "--seed", "42", "--out", tmp.resolve("a").toString()};
        Run r = run(args);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("loaded") && r.err().contains("FLOAT16"), r.err());
        Path png = tmp.resolve("a").resolve("sample-42-000.png");
        Map<String, String> text = Images.readText(png);
        assertEquals("a red cat", text.get("prompt"));
        assertEquals("a dog", text.get("negative prompt"));
        assertTrue(text.get("sampler").startsWith("dpmpp-2m, 2 steps, guidance 7.5"), text.toString());
        Tensor first = Images.read(png);
        assertArrayEquals(new long[] {3, TinySd.SIZE, TinySd.SIZE}, first.shape());

        args[args.length - 1] = tmp.resolve("b").toString();
        assertEquals(0, run(args).exit());
        assertEquals(0.0, first.maxAbsDiff(Images.read(tmp.resolve("b").resolve("sample-42-000.png"))),
                "the same seed gives the same image");

        String[] tiledArgs = args.clone();
        tiledArgs[tiledArgs.length - 1] = tmp.resolve("tiled").toString();
        Run tiled = run(concat(tiledArgs, "--vae-tile", "4"));
        assertEquals(0, tiled.exit(), tiled.err());
        Tensor quarters = Images.read(tmp.resolve("tiled").resolve("sample-42-000.png"));
        assertArrayEquals(first.shape(), quarters.shape());
        assertTrue(quarters.maxAbsDiff(first) > 0, "four tiles decoded apart differ a little from one decode");

        for (String p : new String[] {"fp16"}) {
            String[] halfArgs = args.clone();
            halfArgs[halfArgs.length - 1] = tmp.resolve(p).toString();
            Run half = run(concat(halfArgs, "--precision", p));
            assertEquals(0, half.exit(), p + ": " + half.err());
            Tensor h = Images.read(tmp.resolve(p).resolve("sample-42-000.png"));
            assertTrue(h.maxAbsDiff(first) < 0.2, p + " differs from float32 by " + h.maxAbsDiff(first));
        }
        Run badPrecision = run(concat(args, "--precision", "fp8"));
        assertEquals(1, badPrecision.exit());
        assertTrue(badPrecision.err().contains("--precision: expected auto, fp32 or fp16, got \"fp8\""),
                badPrecision.err());

        Run i2i = run("sample", "--checkpoint", file.toString(), "--config", yaml.toString(), "--tokenizer",
                tok.toString(), "--prompt", "a cat", "--steps", "2", "--init-image", png.toString(), "--strength",
                "0.5", "--out", tmp.resolve("i2i").toString());
        assertEquals(0, i2i.exit(), i2i.err());
        Run inpaint = run("sample", "--checkpoint", file.toString(), "--config", yaml.toString(), "--tokenizer",
                tok.toString(), "--prompt", "a cat", "--steps", "2", "--init-image", png.toString(), "--mask",
                png.toString(), "--out", tmp.resolve("inpaint").toString());
        assertEquals(0, inpaint.exit(), inpaint.err());

        Path folder = TinySd.writeDiffusers(tmp.resolve("tiny-diffusers"), ldm, tok, false);
        Run d = run("sample", "--checkpoint", folder.toString(), "--prompt", "a red cat", "--sampler", "euler-a",
                "--steps", "2", "--width", "16", "--height", "48", "--out", tmp.resolve("d").toString());
        assertEquals(0, d.exit(), d.err());
        assertArrayEquals(new long[] {3, 48, 16}, Images.read(tmp.resolve("d").resolve("sample-0-000.png")).shape());

        Run noTokenizer = run("sample", "--checkpoint", file.toString(), "--config", yaml.toString(), "--prompt", "a",
                "--out", tmp.resolve("x").toString());
        assertEquals(1, noTokenizer.exit());
        assertTrue(noTokenizer.err().contains("--tokenizer DIR"), noTokenizer.err());
        Run noEma = run("sample", "--checkpoint", file.toString(), "--config", yaml.toString(), "--tokenizer",
                tok.toString(), "--prompt", "a", "--ema", "--out", tmp.resolve("x").toString());
        assertEquals(1, noEma.exit());
        assertTrue(noEma.err().contains("no EMA weights"), noEma.err());
        Run badSize = run("sample", "--checkpoint", folder.toString(), "--prompt", "a", "--width", "30", "--out",
                tmp.resolve("x").toString());
        assertEquals(1, badSize.exit());
        assertTrue(badSize.err().contains("--width: expected a positive multiple of 8"), badSize.err());
    }
}
