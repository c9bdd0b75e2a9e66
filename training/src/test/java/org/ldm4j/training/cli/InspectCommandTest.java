package org.ldm4j.training.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldm4j.core.io.Json;
import org.ldm4j.core.io.SafeTensors;
import org.ldm4j.core.nn.Linear;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.training.Ema;
import org.ldm4j.training.checkpoint.Checkpoint;
import picocli.CommandLine;

/** {@code ldm4j inspect} on our checkpoints, on other safetensors files, and on missing or damaged ones. */
class InspectCommandTest {

    record Run(int exit, String out, String err) {
    }

    static Run inspect(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new InspectCommand()).setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true)).execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    /** A checkpoint of step 1000: a UNet-like Linear (8 + 2 parameters), its EMA, a config and a seed. */
    private static Path checkpoint(Path dir) throws Exception {
        Linear unet = new Linear(4, 2, true, new Rng(0));
        Ema ema = new Ema(unet, "diffusion_model.", 0.9999, true);
        Map<String, Tensor> model = new LinkedHashMap<>();
        unet.stateDict().forEach((k, v) -> model.put("model.diffusion_model." + k, v));
        model.put("first_stage_model.decoder.conv_out.weight", Tensor.zeros(3, 4, 3, 3));
        Path file = dir.resolve("step-000001000.safetensors");
        Checkpoint.builder(1000).model(model).ema(ema.state()).state("rng", new long[] {5, 6})
                .config("model:\n  target: ldm.models.diffusion.ddpm.LatentDiffusion").metadata("seed", "42")
                .build().write(file);
        return file;
    }

    @Test
    void textShowsStepGroupsMetadataAndConfig(@TempDir Path dir) throws Exception {
        Path file = checkpoint(dir);
        Run r = inspect(file.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.err());
        assertTrue(r.out().contains("format:  ldm4j checkpoint, format version 1"), r.out());
        assertTrue(r.out().contains("step:    1,000"), r.out());
        assertTrue(r.out().matches("(?s).*\\n  model +\"\" +3 tensors +118 elements.*"), r.out());
        assertTrue(r.out().matches("(?s).*\\n  ema +\"model_ema\\.\" +4 tensors +12 elements.*"), r.out());
        assertTrue(r.out().contains("  rng = [5, 6]"), r.out());
        assertTrue(r.out().contains("  seed = 42"), r.out());
        String nl = System.lineSeparator();
        assertTrue(r.out().contains("config:" + nl + "  model:" + nl + "    target: ldm.models.diffusion.ddpm."
                + "LatentDiffusion" + nl), r.out());
        assertFalse(r.out().contains("keys"), "keys only with --keys:\n" + r.out());
    }

    @Test
    void jsonHasEveryFigure(@TempDir Path dir) throws Exception {
        Path file = checkpoint(dir);
        Run r = inspect(file.toString(), "--json");
        assertEquals(0, r.exit(), r.err());
        Map<String, Object> report = object(Json.parse(r.out()));
        assertEquals("ldm4j-checkpoint", report.get("format"));
        assertEquals(1L, report.get("format_version"));
        assertEquals(1000L, report.get("step"));
        assertEquals(7L, report.get("tensors"));
        assertEquals(Files.size(file), report.get("bytes"));
        List<Object> groups = list(report.get("groups"));
        assertEquals(2, groups.size());
        Map<String, Object> model = object(groups.get(0));
        assertEquals("model", model.get("name"));
        assertEquals("", model.get("prefix"));
        assertEquals(3L, model.get("tensors"));
        assertEquals(8L + 2 + 108, model.get("elements"));
        assertEquals(4L * (8 + 2 + 108), model.get("bytes"));
        Map<String, Object> ema = object(groups.get(1));
        assertEquals("model_ema.", ema.get("prefix"));
        assertEquals(List.of(5L, 6L), object(report.get("states")).get("rng"));
        assertEquals("42", object(report.get("metadata")).get("seed"));
        assertEquals("model:\n  target: ldm.models.diffusion.ddpm.LatentDiffusion", report.get("config"));
        assertFalse(report.containsKey("keys"));
    }

    @Test
    void keysWithAFilterListNamesDtypesAndShapes(@TempDir Path dir) throws Exception {
        Path file = checkpoint(dir);
        Run r = inspect(file.toString(), "--json", "--filter", "model_ema.");
        assertEquals(0, r.exit(), r.err());
        List<Object> keys = list(object(Json.parse(r.out())).get("keys"));
        assertEquals(4, keys.size());
        Map<String, Map<String, Object>> byName = new LinkedHashMap<>();
        for (Object k : keys) {
            byName.put((String) object(k).get("name"), object(k));
        }
        assertEquals(List.of("model_ema.decay", "model_ema.diffusion_modelbias", "model_ema.diffusion_modelweight",
                "model_ema.num_updates"), List.copyOf(byName.keySet()));
        assertEquals("I32", byName.get("model_ema.num_updates").get("dtype"));
        assertEquals(List.of(), byName.get("model_ema.num_updates").get("shape"));
        assertEquals(List.of(2L, 4L), byName.get("model_ema.diffusion_modelweight").get("shape"));
        assertEquals("ema", byName.get("model_ema.decay").get("group"));

        Run text = inspect(file.toString(), "--keys");
        assertEquals(0, text.exit(), text.err());
        assertTrue(text.out().contains("keys (7):"), text.out());
        assertTrue(text.out().matches("(?s).*\\n  first_stage_model\\.decoder\\.conv_out\\.weight +F32 +\\[3, 4, 3, 3]"
                + "\\R.*"), text.out());
    }

    @Test
    void anyOtherSafetensorsFileIsGroupedByTheFirstNamePart(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("reference.safetensors");
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("model.diffusion_model.out.2.weight", Tensor.zeros(4, 8, 3, 3));
        t.put("model.diffusion_model.out.2.bias", Tensor.zeros(4));
        t.put("first_stage_model.decoder.conv_out.bias", Tensor.zeros(3));
        t.put("cond_stage_model.transformer.text_model.embeddings.position_ids", Tensor.of(new long[77], 1, 77));
        t.put("betas", Tensor.zeros(DType.FLOAT64, 1000));
        SafeTensors.write(file, t, Map.of("format", "pt"));

        Run r = inspect(file.toString(), "--json");
        assertEquals(0, r.exit(), r.err());
        Map<String, Object> report = object(Json.parse(r.out()));
        assertEquals("safetensors", report.get("format"));
        assertEquals(Json.NULL, report.get("step"), "no step outside ldm4j checkpoints");
        Map<String, Long> counts = new LinkedHashMap<>();
        for (Object g : list(report.get("groups"))) {
            counts.put((String) object(g).get("name"), (Long) object(g).get("tensors"));
        }
        assertEquals(Map.of("(top level)", 1L, "cond_stage_model", 1L, "first_stage_model", 1L, "model", 2L), counts);
        assertEquals("pt", object(report.get("metadata")).get("format"));

        Run text = inspect(file.toString());
        assertEquals(0, text.exit(), text.err());
        assertTrue(text.out().contains("not an ldm4j checkpoint"), text.out());
        assertTrue(text.out().matches("(?s).*\\n  model +\"model\\.\" +2 tensors +292 elements.*"), text.out());
    }

    @Test
    void aMissingFileFailsNamingIt(@TempDir Path dir) {
        Path missing = dir.resolve("nope.safetensors");
        Run r = inspect(missing.toString());
        assertEquals(1, r.exit());
        assertEquals("", r.out());
        assertEquals("ldm4j inspect: " + missing + ": no such file", r.err().strip());
    }

    @Test
    void aDamagedFileFailsNamingIt(@TempDir Path dir) throws Exception {
        Path file = checkpoint(dir);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 10));
        Run r = inspect(file.toString(), "--json");
        assertEquals(1, r.exit());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("ldm4j inspect: " + file + ": "), r.err());
        assertTrue(r.err().contains("truncated"), r.err());

        Path garbage = dir.resolve("garbage.safetensors");
        Files.writeString(garbage, "this is not a checkpoint at all");
        Run g = inspect(garbage.toString());
        assertEquals(1, g.exit());
        assertTrue(g.err().startsWith("ldm4j inspect: " + garbage + ": "), g.err());

        Run d = inspect(dir.toString());
        assertEquals(1, d.exit());
        assertTrue(d.err().contains("found a directory"), d.err());
    }

    @Test
    void helpAndUsageErrors() {
        Run help = inspect("--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().contains("Usage: inspect") && help.out().contains("--filter=PREFIX"), help.out());
        Run none = inspect();
        assertEquals(2, none.exit(), "picocli's usage error without FILE");
        assertTrue(none.err().contains("Missing required parameter: 'FILE'"), none.err());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object v) {
        assertInstanceOf(Map.class, v);
        return (Map<String, Object>) v;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object v) {
        assertInstanceOf(List.class, v);
        return (List<Object>) v;
    }
}
