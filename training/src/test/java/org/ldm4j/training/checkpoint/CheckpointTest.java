package org.ldm4j.training.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldm4j.core.io.SafeTensors;
import org.ldm4j.core.io.SafeTensorsFormatException;
import org.ldm4j.core.io.StateDict;
import org.ldm4j.core.nn.Linear;
import org.ldm4j.core.optim.AdamW;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.training.Ema;

/** One training state as one safetensors file: exact round trips, reference key names, clear errors. */
class CheckpointTest {

    /** A small but complete training state: model, EMA, two optimizers, states, config. */
    static Checkpoint sample(long step) {
        Rng rng = new Rng(step);
        Linear unet = new Linear(3, 2, true, rng);
        Ema ema = new Ema(unet, "diffusion_model.", 0.9999, true);
        AdamW opt = AdamW.builder(unet.namedParameters()).lr(1e-3).build();
        unet.zeroGrad();
        unet.forward(rng.normal(4, 3)).square().mean().backward();
        opt.step();
        ema.update();
        Linear disc = new Linear(2, 1, false, rng);
        AdamW discOpt = AdamW.builder(disc.namedParameters()).lr(2e-4).build();

        Map<String, Tensor> model = new LinkedHashMap<>(new StateDict(unet.stateDict())
                .withPrefix("model.diffusion_model.").tensors());
        model.put("first_stage_model.decoder.conv_out.bias", rng.normal(3));
        model.put("betas", Tensor.of(new double[] {1e-4, 2e-2}, 2));
        model.put("first_stage_model.quantize.used", Tensor.of(new long[] {7, -3, 1L << 40}, 3));
        return Checkpoint.builder(step)
                .model(model)
                .ema(ema.state())
                .optimizer(Checkpoint.OPTIMIZER, opt.stateDict())
                .optimizer(Checkpoint.OPTIMIZER_DISC, discOpt.stateDict())
                .state("rng", rng.state())
                .state("loader", new long[] {1, Long.MIN_VALUE, Long.MAX_VALUE, 96})
                .config("model:\n  base_learning_rate: 1.0e-04\n  target: ldm.models.diffusion.ddpm.LatentDiffusion\n")
                .metadata("seed", "42")
                .build();
    }

    @Test
    void readingGivesTheGroupsStatesAndMetadataExactly(@TempDir Path dir) throws IOException {
        Checkpoint c = sample(1000);
        Path file = dir.resolve("c.safetensors");
        c.write(file);
        Checkpoint back = Checkpoint.read(file);

        assertEquals(1000, back.step());
        assertEquals(List.copyOf(c.groups().keySet()), List.copyOf(back.groups().keySet()));
        for (String g : c.groups().keySet()) {
            assertEquals(c.groups().get(g).prefix(), back.groups().get(g).prefix(), g);
            Map<String, Tensor> expected = c.group(g);
            Map<String, Tensor> actual = back.group(g);
            assertEquals(expected.keySet(), actual.keySet(), g);
            for (String k : expected.keySet()) {
                Tensor e = expected.get(k);
                Tensor a = actual.get(k);
                assertEquals(e.dtype(), a.dtype(), g + "/" + k);
                assertArrayEquals(e.shape(), a.shape(), g + "/" + k);
                if (e.dtype().isFloating()) {
                    assertArrayEquals(e.toDoubleArray(), a.toDoubleArray(), 0.0, g + "/" + k);
                } else {
                    assertArrayEquals(e.toLongArray(), a.toLongArray(), g + "/" + k);
                }
            }
        }
        assertEquals(c.stateNames(), back.stateNames());
        assertArrayEquals(c.state("rng"), back.state("rng"));
        assertArrayEquals(new long[] {1, Long.MIN_VALUE, Long.MAX_VALUE, 96}, back.state("loader"));
        assertEquals(c.metadata(), back.metadata());
        assertEquals(c.config(), back.config());
        assertEquals("42", back.metadata().get("seed"));
        assertTrue(back.metadata().containsKey(Checkpoint.LDM4J_VERSION));
        Instant created = back.createdAt().orElseThrow();
        assertTrue(Duration.between(created, Instant.now()).abs().toMinutes() < 5, created.toString());
    }

    @Test
    void aReferenceToolSeesTheReferenceKeys(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("c.safetensors");
        sample(7).write(file);
        StateDict raw = SafeTensors.read(file);
        for (String key : List.of("model.diffusion_model.weight", "first_stage_model.decoder.conv_out.bias", "betas",
                "model_ema.decay", "model_ema.num_updates", "model_ema.diffusion_modelweight",
                "model_ema.diffusion_modelbias", "optimizer.step", "optimizer.weight.exp_avg",
                "optimizer.disc.weight.exp_avg_sq", "optimizer.disc.lr")) {
            assertTrue(raw.contains(key), key + " in " + raw.names());
        }
        assertEquals("pt", raw.metadata().get("format"));
        assertEquals("7", raw.metadata().get("ldm4j.step"));
        assertEquals(DType.INT32, raw.get("model_ema.num_updates").dtype());

        CheckpointHeader h = CheckpointHeader.read(file);
        assertEquals(7, h.step());
        assertEquals(1, h.formatVersion());
        assertEquals(List.of("model", "ema", "optimizer", "optimizer.disc"), List.copyOf(h.groups().keySet()));
        assertEquals(5, h.groups().get("model").count());
        assertEquals(3 * 2 + 2 + 3 + 2 + 3, h.groups().get("model").numel());
        assertEquals(4, h.groups().get("ema").count());
        assertEquals(raw.size(), h.tensorCount());
    }

    @Test
    void prefixesThatWouldMixGroupsAreRefused() {
        Map<String, Tensor> opt = Map.of("disc.weight.exp_avg", Tensor.zeros(2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.builder(1)
                .optimizer(Checkpoint.OPTIMIZER, opt)
                .optimizer(Checkpoint.OPTIMIZER_DISC, Map.of("w", Tensor.zeros(1)))
                .build());
        assertTrue(e.getMessage().contains("'optimizer.disc.weight.exp_avg'")
                && e.getMessage().contains("group 'optimizer.disc'"), e.getMessage());

        IllegalArgumentException ema = assertThrows(IllegalArgumentException.class, () -> Checkpoint.builder(1)
                .model(Map.of("model_ema.decay", Tensor.zeros(1)))
                .ema(Map.of("decay", Tensor.zeros(1)))
                .build());
        assertTrue(ema.getMessage().contains("would read back as group 'ema'"), ema.getMessage());

        IllegalArgumentException samePrefix = assertThrows(IllegalArgumentException.class, () -> Checkpoint.builder(1)
                .group("a", "x.", Map.of())
                .group("b", "x.", Map.of())
                .build());
        assertTrue(samePrefix.getMessage().contains("same prefix 'x.'"), samePrefix.getMessage());
    }

    @Test
    void builderRefusesReservedAndRepeatedNames() {
        Checkpoint.Builder b = Checkpoint.builder(1).model(Map.of());
        IllegalArgumentException reserved = assertThrows(IllegalArgumentException.class,
                () -> b.metadata("ldm4j.step", "5"));
        assertTrue(reserved.getMessage().contains("'ldm4j.step' is reserved"), reserved.getMessage());
        assertThrows(IllegalArgumentException.class, () -> b.model(Map.of()));
        assertThrows(IllegalArgumentException.class, () -> b.group("bad name", "", Map.of()));
        assertThrows(IllegalArgumentException.class, () -> Checkpoint.builder(-1));
        b.state("rng", new long[] {1, 2});
        assertThrows(IllegalArgumentException.class, () -> b.state("rng", new long[] {3}));
        Checkpoint c = b.build();
        IllegalArgumentException absent = assertThrows(IllegalArgumentException.class, () -> c.group("ema"));
        assertTrue(absent.getMessage().contains("no group 'ema'") && absent.getMessage().contains("[model]"),
                absent.getMessage());
    }

    @Test
    void aTruncatedFileIsRefusedNamingTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("step-000000100.safetensors");
        sample(100).write(file);
        truncate(file, Files.size(file) - 5);
        SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> Checkpoint.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        truncate(file, 4);
        SafeTensorsFormatException tiny = assertThrows(SafeTensorsFormatException.class, () -> Checkpoint.read(file));
        assertTrue(tiny.getMessage().contains("expected at least 8 bytes"), tiny.getMessage());
    }

    @Test
    void aCorruptHeaderIsRefusedNamingTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("c.safetensors");
        sample(3).write(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap("}}}}".getBytes(StandardCharsets.US_ASCII)), 8);
        }
        SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class,
                () -> CheckpointHeader.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains("not valid JSON"),
                e.getMessage());
    }

    @Test
    void missingRequiredGroupsAreNamedWithTheGroupsPresent(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("c.safetensors");
        Checkpoint.builder(5).model(Map.of("w", Tensor.zeros(2))).build().write(file);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> Checkpoint.read(file, Checkpoint.MODEL, Checkpoint.EMA, Checkpoint.OPTIMIZER));
        assertEquals(file + ": missing groups 'ema', 'optimizer' (required); the file has groups [model]",
                e.getMessage());
        assertEquals(file, e.file());
    }

    @Test
    void missingOrMalformedMetadataIsNamed(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("c.safetensors");
        Map<String, Tensor> tensors = Map.of("w", Tensor.zeros(2));
        Map<String, String> good = new LinkedHashMap<>(SafeTensors.read(writeSample(dir)).metadata());

        Map<String, String> noStep = new LinkedHashMap<>(good);
        noStep.remove("ldm4j.step");
        assertMessage(file, tensors, noStep, "missing metadata 'ldm4j.step'");

        Map<String, String> badStep = new LinkedHashMap<>(good);
        badStep.put("ldm4j.step", "ten");
        assertMessage(file, tensors, badStep, "metadata 'ldm4j.step': expected a whole number, found 'ten'");

        Map<String, String> badGroups = new LinkedHashMap<>(good);
        badGroups.put("ldm4j.groups", "{\"model\": {\"prefix\": \"\"}}");
        assertMessage(file, tensors, badGroups, "metadata 'ldm4j.groups.model': expected a whole number "
                + "\"tensors\"");

        Map<String, String> wrongCount = new LinkedHashMap<>(good);
        wrongCount.put("ldm4j.groups", "{\"model\": {\"prefix\": \"\", \"tensors\": 3}}");
        assertMessage(file, tensors, wrongCount, "group 'model' declares 3 tensors, but the file has 1");

        Map<String, String> orphan = new LinkedHashMap<>(good);
        orphan.put("ldm4j.groups", "{\"ema\": {\"prefix\": \"model_ema.\", \"tensors\": 1}}");
        assertMessage(file, tensors, orphan, "tensor 'w' belongs to no group");

        SafeTensors.write(file, tensors, Map.of("format", "pt"));
        CheckpointFormatException plain = assertThrows(CheckpointFormatException.class, () -> Checkpoint.read(file));
        assertTrue(plain.getMessage().contains("not an ldm4j checkpoint"), plain.getMessage());
    }

    @Test
    void aNewerFormatVersionAsksForAnUpgrade(@TempDir Path dir) throws IOException {
        StateDict sd = SafeTensors.read(writeSample(dir));
        Map<String, String> meta = new LinkedHashMap<>(sd.metadata());
        meta.put("ldm4j.format_version", "2");
        meta.put("ldm4j.version", "9.0.0");
        Path file = dir.resolve("future.safetensors");
        SafeTensors.write(file, sd.tensors(), meta);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Checkpoint.read(file));
        assertTrue(e.getMessage().startsWith(file + ": written in checkpoint format version 2 (by ldm4j 9.0.0), "
                + "newer than version 1"), e.getMessage());
        assertTrue(e.getMessage().contains("upgrade ldm4j"), e.getMessage());
    }

    @Test
    void headerReadingLoadsNothingAndAgreesWithTheCheckpoint(@TempDir Path dir) throws IOException {
        Checkpoint c = sample(11);
        Path file = dir.resolve("c.safetensors");
        c.write(file);
        CheckpointHeader h = CheckpointHeader.read(file);
        for (Map.Entry<String, Checkpoint.Group> g : c.groups().entrySet()) {
            assertEquals(g.getValue().tensors().size(), h.groups().get(g.getKey()).count(), g.getKey());
            assertEquals(g.getValue().numel(), h.groups().get(g.getKey()).numel(), g.getKey());
        }
        assertArrayEquals(c.state("rng"), h.state("rng"));
        assertEquals(c.metadata(), h.metadata());
        assertFalse(h.metadata().containsKey("ldm4j.groups"), "format entries are not the checkpoint's metadata");
    }

    // ---------------------------------------------------------------- helpers

    private static Path writeSample(Path dir) throws IOException {
        Path f = dir.resolve("sample.safetensors");
        Checkpoint.builder(10).model(Map.of("w", Tensor.zeros(2))).build().write(f);
        return f;
    }

    private static void assertMessage(Path file, Map<String, Tensor> tensors, Map<String, String> meta,
            String expected) throws IOException {
        SafeTensors.write(file, tensors, meta);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Checkpoint.read(file));
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    static void truncate(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }
}
