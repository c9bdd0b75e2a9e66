package org.ldm4j.core.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldm4j.core.io.SafeTensors;
import org.ldm4j.core.io.StateDict;
import org.opentest4j.TestAbortedException;

class FixturesTest {
    @TempDir
    Path dir;

    @Test
    void parityFixturesComeFromTheClasspath() {
        StateDict s = Fixtures.parity("unet_tiny_io.safetensors");
        assertEquals(16, s.size());
        assertArrayEquals(new long[] {2, 4, 8, 8}, s.get("x").shape());
        assertEquals("unet_tiny.safetensors", s.metadata().get("model"));
    }

    @Test
    void anUnknownParityFileIsAnErrorListingTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Fixtures.parity("unet_huge.safetensors"));
        assertTrue(e.getMessage().contains("fixtures/ldm-parity/unet_huge.safetensors"), e.getMessage());
        assertTrue(e.getMessage().contains("vae_tiny_io"), e.getMessage());
    }

    @Test
    void aFixtureInsideAJarIsCopiedToAFileThatCanBeMapped() throws IOException {
        Path jar = dir.resolve("core-tests.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry("fixtures/ldm-parity/schedules.safetensors"));
            Files.copy(Fixtures.parityFile("schedules.safetensors"), (OutputStream) out);
            out.closeEntry();
        }
        URL url = URI.create("jar:" + jar.toUri() + "!/fixtures/ldm-parity/schedules.safetensors").toURL();
        Path copy = Fixtures.toFile(url, "schedules.safetensors");
        assertNotEquals(jar, copy);
        assertTrue(copy.getFileName().toString().endsWith("schedules.safetensors"), copy.toString());
        assertEquals(26, SafeTensors.read(copy).size());
        Files.delete(copy);
    }

    @Test
    void theLossesFolderIsFoundFromAModuleFolderBelowTheCheckout() throws IOException {
        // <root>/shared/fixtures/ldm-losses next to <root>/main, tests running in <root>/main/core
        Path losses = Files.createDirectories(dir.resolve("shared/fixtures/ldm-losses"));
        Path module = Files.createDirectories(dir.resolve("main/core"));
        assertEquals(Optional.of(losses), Fixtures.findUpwards(module, Fixtures.LOSSES_DIR));
        Path elsewhere = Files.createDirectories(dir.resolve("other/place"));
        Files.delete(losses);
        assertEquals(Optional.empty(), Fixtures.findUpwards(elsewhere, Fixtures.LOSSES_DIR));
    }

    @Test
    void lossesAreReadWhenPresentAndTheTestIsSkippedOtherwise() {
        if (Fixtures.lossesDir().isPresent()) {
            StateDict io = Fixtures.losses("loss_kl_io.safetensors");
            assertTrue(io.size() > 0);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Fixtures.losses("no_such_file.safetensors"));
            assertTrue(e.getMessage().contains("lpips_tiny.safetensors"), "lists what is there: " + e.getMessage());
        } else {
            TestAbortedException skipped = assertThrows(TestAbortedException.class,
                    () -> Fixtures.losses("loss_kl_io.safetensors"));
            assertTrue(skipped.getMessage().contains("../shared/fixtures/ldm-losses"), skipped.getMessage());
        }
    }
}
