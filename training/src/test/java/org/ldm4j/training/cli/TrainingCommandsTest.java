package org.ldm4j.training.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.training.checkpoint.Checkpoint;
import org.ldm4j.training.data.LatentDataset;
import org.ldm4j.training.image.Images;
import org.ldm4j.training.report.MetricsLog;

/**
 * The training commands end to end on tiny settings: train both stages, checkpoint, resume, encode, sample, and
 * the errors of a corrupt checkpoint, an empty dataset and a run directory used twice.
 */
class TrainingCommandsTest {

    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private static Path trainAutoencoder(Path dir) {
        Run r = run("train-autoencoder", "--out", dir.toString(), "--size", "32", "--steps", "2", "--batch-size", "2",
                "--checkpoint-every", "1", "--keep", "2");
        assertEquals(0, r.exit(), r.err());
        return dir;
    }

    @Test
    void bothStagesTrainResumeEncodeAndSample(@TempDir Path tmp) throws IOException {
        Path ae = trainAutoencoder(tmp.resolve("ae"));
        assertTrue(Files.exists(ae.resolve("reconstructions").resolve("step-000000002.png")));
        assertEquals(List.of(2L), MetricsLog.read(ae.resolve("metrics.jsonl")).stream()
                .map(MetricsLog.Entry::step).toList());

        Path ldm = tmp.resolve("ldm");
        String[] train = {"train-ldm", "--out", ldm.toString(), "--first-stage", ae.toString(), "--cond", "class",
            "--channels", "32", "--examples", "32", "--batch-size", "2", "--steps", "2", "--checkpoint-every", "1",
            "--sample-every", "0", "--seed", "3"};
        Run r = run(train);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("trained to step 2"), r.out());

        // the same command again refuses to mix runs; with --resume and more steps it continues
        Run twice = run(train);
        assertEquals(1, twice.exit());
        assertTrue(twice.err().contains("already holds checkpoints; pass --resume"), twice.err());
        String[] more = train.clone();
        assertEquals("--steps", more[13]);
        more[14] = "3";
        Run resumed = run(concat(more, "--resume"));
        assertEquals(0, resumed.exit(), resumed.err());
        assertTrue(resumed.err().contains("continuing from"), resumed.err());
        assertTrue(resumed.out().contains("trained to step 3"), resumed.out());

        Path cache = tmp.resolve("latents.safetensors");
        Run enc = run("encode", "--first-stage", ae.toString(), "--examples", "8", "--out", cache.toString());
        assertEquals(0, enc.exit(), enc.err());
        LatentDataset latents = LatentDataset.open(cache);
        assertEquals(8, latents.size());
        assertEquals(4, latents.channels());

        Path samples = tmp.resolve("samples");
        Run s = run("sample", "--checkpoint", ldm.toString(), "--class", "1", "--class", "2", "--batch", "2",
                "--steps", "3", "--sampler", "euler-a", "--seed", "42", "--out", samples.toString());
        assertEquals(0, s.exit(), s.err());
        Path first = samples.resolve("sample-42-000.png");
        Map<String, String> text = Images.readText(first);
        assertEquals("class 1", text.get("prompt"));
        assertEquals("42", text.get("seed"));
        assertTrue(text.get("sampler").startsWith("euler-a, 3 steps"), text.toString());
        Tensor a = Images.read(first);
        assertArrayEquals(new long[] {3, 32, 32}, a.shape());
        Run again = run("sample", "--checkpoint", ldm.toString(), "--class", "1", "--class", "2", "--batch", "2",
                "--steps", "3", "--sampler", "euler-a", "--seed", "42", "--out", tmp.resolve("again").toString());
        assertEquals(0, again.exit(), again.err());
        assertArrayEquals(a.toDoubleArray(), Images.read(tmp.resolve("again").resolve("sample-42-000.png"))
                .toDoubleArray(), 0.0, "the same seed gives the same image");

        // img2img and inpainting from the same checkpoint
        Run i2i = run("sample", "--checkpoint", ldm.toString(), "--class", "0", "--steps", "4", "--init-image",
                first.toString(), "--strength", "0.5", "--out", tmp.resolve("i2i").toString());
        assertEquals(0, i2i.exit(), i2i.err());
        Run inpaint = run("sample", "--checkpoint", ldm.toString(), "--class", "0", "--steps", "4", "--init-image",
                first.toString(), "--mask", first.toString(), "--out", tmp.resolve("inpaint").toString());
        assertEquals(0, inpaint.exit(), inpaint.err());
        assertTrue(Files.exists(tmp.resolve("inpaint").resolve("grid.png")));
    }

    @Test
    void textAndLayoutConditionedRunsSampleFromPromptsNegativePromptsAndLayouts(@TempDir Path tmp) throws IOException {
        Path ae = trainAutoencoder(tmp.resolve("ae"));
        for (String cond : List.of("text", "layout", "class-attn", "none")) {
            Path ldm = tmp.resolve(cond);
            Run r = run("train-ldm", "--out", ldm.toString(), "--first-stage", ae.toString(), "--cond", cond,
                    "--channels", "32", "--examples", "16", "--batch-size", "2", "--steps", "1", "--sample-every", "1",
                    "--sample-steps", "2");
            assertEquals(0, r.exit(), cond + ": " + r.err());
            assertTrue(Files.exists(ldm.resolve("samples").resolve("step-000000001.png")), cond);
        }
        Run text = run("sample", "--checkpoint", tmp.resolve("text").toString(), "--prompt", "a small red circle",
                "--negative-prompt", "blue", "--steps", "2", "--out", tmp.resolve("t").toString());
        assertEquals(0, text.exit(), text.err());
        Map<String, String> chunks = Images.readText(tmp.resolve("t").resolve("sample-0-000.png"));
        assertEquals("a small red circle", chunks.get("prompt"));
        assertEquals("blue", chunks.get("negative prompt"));
        Run layout = run("sample", "--checkpoint", tmp.resolve("layout").toString(), "--layout",
                "0:0.1,0.1,0.4,0.4;2:0.5,0.5,0.9,0.9", "--steps", "2", "--out", tmp.resolve("l").toString());
        assertEquals(0, layout.exit(), layout.err());
        Run badLayout = run("sample", "--checkpoint", tmp.resolve("layout").toString(), "--layout", "0:0.1,0.1",
                "--out", tmp.resolve("l2").toString());
        assertEquals(1, badLayout.exit());
        assertTrue(badLayout.err().contains("--layout: expected boxes"), badLayout.err());
        Run wrongKind = run("sample", "--checkpoint", tmp.resolve("text").toString(), "--class", "1", "--out",
                tmp.resolve("w").toString());
        assertEquals(1, wrongKind.exit());
        assertTrue(wrongKind.err().contains("--prompt"), wrongKind.err());
    }

    @Test
    void aCorruptCheckpointIsAClearErrorAndResumeFallsBackToTheEarlierOne(@TempDir Path tmp) throws IOException {
        Path ae = trainAutoencoder(tmp.resolve("ae"));
        Path ckpts = ae.resolve("checkpoints");
        Path last = ckpts.resolve("step-000000002.safetensors");
        byte[] earlier = Files.readAllBytes(ckpts.resolve("step-000000001.safetensors"));
        byte[] bytes = Files.readAllBytes(last);
        Files.write(last, java.util.Arrays.copyOf(bytes, bytes.length / 2));      // truncated, as by a crash

        Run inspect = run("inspect", last.toString());
        assertEquals(1, inspect.exit());
        assertTrue(inspect.err().contains(last.toString()), inspect.err());

        Run sample = run("sample", "--checkpoint", last.toString(), "--class", "0", "--out", tmp.toString());
        assertTrue(sample.exit() != 0);
        assertTrue(sample.err().contains(last.toString()), sample.err());

        Run resumed = run("train-autoencoder", "--out", ae.toString(), "--size", "32", "--steps", "3", "--batch-size",
                "2", "--checkpoint-every", "1", "--keep", "5", "--resume");
        assertEquals(0, resumed.exit(), resumed.err());
        assertTrue(resumed.err().contains("skipping " + last), resumed.err());
        assertTrue(resumed.err().contains("step 1)"), resumed.err());
        assertArrayEquals(earlier, Files.readAllBytes(ckpts.resolve("step-000000001.safetensors")),
                "the earlier checkpoint is left intact");
        assertEquals(3, Checkpoint.read(ckpts.resolve("step-000000003.safetensors")).step());
    }

    @Test
    void anEmptyOrMissingDatasetIsAClearError(@TempDir Path tmp) throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Run r = run("train-autoencoder", "--out", tmp.resolve("run").toString(), "--size", "32", "--steps", "1",
                "--dataset", "folder:" + empty);
        assertEquals(1, r.exit());
        assertTrue(r.err().contains(empty.toString()), r.err());
        Run missing = run("train-autoencoder", "--out", tmp.resolve("run2").toString(), "--size", "16",
                "--dataset", "fashion-mnist:" + tmp.resolve("nowhere"));
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("nowhere"), missing.err());
        Run bad = run("train-autoencoder", "--out", tmp.resolve("run3").toString(), "--dataset", "imagenet");
        assertEquals(1, bad.exit());
        assertTrue(bad.err().contains("--dataset: expected"), bad.err());
    }

    @Test
    void everyCommandAnswersHelp() {
        for (String c : List.of("demo", "train-autoencoder", "train-ldm", "encode", "sample", "inspect")) {
            Run r = run(c, "--help");
            assertEquals(0, r.exit(), c + ": " + r.err());
            assertTrue(r.out().contains("Usage: ldm4j " + c), r.out());
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
