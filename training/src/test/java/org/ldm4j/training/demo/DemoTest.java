package org.ldm4j.training.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.training.image.Images;

/** The demo's whole pipeline on tiny step counts: every stage runs and writes its files; settings are guarded. */
class DemoTest {

    @Test
    void aQuickDemoWritesSamplesAReportAndResumesWithTheSameSettings(@TempDir Path tmp) throws IOException {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
        Demo.Options o = Demo.Options.quick();
        Demo.Report r = new Demo(o).run(tmp, out);
        int classes = o.kinds().size() * o.colours().size();
        assertEquals(classes * o.samplesPerClass(), r.fidelity().count());
        Tensor grid = Images.read(tmp.resolve("samples.png"));
        assertEquals(3, grid.size(0));
        assertTrue(Files.readString(tmp.resolve("report.md")).contains("Fidelity:"));
        assertTrue(Files.readString(tmp.resolve("report.json")).contains("\"fidelity\""));
        assertTrue(Files.exists(tmp.resolve("samples").resolve("red-circle.png")));
        assertTrue(Files.exists(tmp.resolve("ldm").resolve("loss.png")));
        assertTrue(Files.exists(tmp.resolve("autoencoder").resolve("loss.png")));

        // the same settings again: both runs resume from their last checkpoints and only sample
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        new Demo(o).run(tmp, new PrintStream(again, true, StandardCharsets.UTF_8));
        assertTrue(again.toString(StandardCharsets.UTF_8).contains("continuing from"), again.toString(
                StandardCharsets.UTF_8));
        // other settings in the same directory are refused
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Demo(o.withSeed(5)).run(tmp, out));
        assertTrue(e.getMessage().contains("other settings"), e.getMessage());
    }
}
