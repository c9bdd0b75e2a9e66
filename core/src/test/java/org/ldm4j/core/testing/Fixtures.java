package org.ldm4j.core.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.ldm4j.core.io.SafeTensors;
import org.ldm4j.core.io.StateDict;

/**
 * Reference fixtures for tests in every module (core publishes its tests as a test-jar).
 *
 * <ul>
 *   <li>{@link #parity}: the CompVis parity files (UNet, VAE, schedules; ~8 MB) are test resources of core, under
 *       {@code fixtures/ldm-parity/}, so they are always there.</li>
 *   <li>{@link #losses}: the LPIPS and loss fixtures (~65 MB) are not copied into the repository; they live in
 *       {@code ../shared/fixtures/ldm-losses} next to the checkout. Where that folder is absent, the test that
 *       asks for them is skipped (not failed).</li>
 * </ul>
 *
 * <pre>{@code
 * StateDict weights = Fixtures.parity("unet_tiny.safetensors");
 * StateDict io = Fixtures.parity("unet_tiny_io.safetensors");
 * Tensor eps = model.forward(io.get("x"), io.get("t"), io.get("context"));
 * assertTrue(eps.maxAbsDiff(io.get("eps_f64").to(DType.FLOAT32)) < 1e-5);
 * StateDict lpips = Fixtures.losses("lpips_tiny.safetensors");   // skips the test without ../shared
 * }</pre>
 */
public final class Fixtures {
    /** The classpath folder of the parity fixtures. */
    public static final String PARITY_RESOURCES = "fixtures/ldm-parity/";
    /** Where the loss fixtures are looked for, relative to the checkout root or any folder above it. */
    public static final String LOSSES_DIR = "../shared/fixtures/ldm-losses";

    private static final Map<String, Path> EXTRACTED = new ConcurrentHashMap<>();

    private Fixtures() {
    }

    /** Reads the parity fixture {@code fileName} (e.g. {@code "unet_tiny.safetensors"}). */
    public static StateDict parity(String fileName) {
        return read(parityFile(fileName));
    }

    /**
     * The parity fixture as a file on disk, for tests of lazy reading. A resource inside a jar (another module
     * using core's test-jar) is copied to a temporary file first, once, because the reader memory-maps files.
     */
    public static Path parityFile(String fileName) {
        String resource = PARITY_RESOURCES + fileName;
        URL url = Fixtures.class.getClassLoader().getResource(resource);
        if (url == null) {
            throw new IllegalArgumentException("fileName: no classpath resource " + resource + "; the parity "
                    + "fixtures are unet_tiny, unet_tiny_io, vae_tiny, vae_tiny_io and schedules (.safetensors)");
        }
        return EXTRACTED.computeIfAbsent(resource, r -> toFile(url, fileName));
    }

    /** A file with the content of {@code url}: the file itself for a file: URL, otherwise a temporary copy. */
    static Path toFile(URL url, String fileName) {
        try {
            if (url.getProtocol().equals("file")) {
                return Path.of(url.toURI());
            }
            Path tmp = Files.createTempFile("ldm4j-fixture-", "-" + fileName);
            tmp.toFile().deleteOnExit();
            try (InputStream in = url.openStream()) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            return tmp;
        } catch (IOException e) {
            throw new UncheckedIOException("copying fixture " + url + " to a temporary file failed", e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("fixture URL " + url + " is not a valid file URI", e);
        }
    }

    /**
     * Reads the loss fixture {@code fileName} from {@link #LOSSES_DIR}; skips the calling test (a JUnit
     * assumption) when that folder does not exist. A missing file inside an existing folder is an error.
     */
    public static StateDict losses(String fileName) {
        Optional<Path> dir = lossesDir();
        Assumptions.assumeTrue(dir.isPresent(), () -> "skipped: the large LPIPS/loss fixtures live in "
                + LOSSES_DIR + " (next to the checkout), which is absent from here (" + Path.of("").toAbsolutePath()
                + " and the folders above it)");
        Path file = dir.get().resolve(fileName);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("fileName: no " + fileName + " in " + dir.get() + "; it has "
                    + list(dir.get()));
        }
        return read(file);
    }

    /** The loss fixture folder, found from the working directory (a module folder when tests run). */
    public static Optional<Path> lossesDir() {
        return findUpwards(Path.of("").toAbsolutePath(), LOSSES_DIR);
    }

    /** {@code start/relative}, or the same from the first folder above {@code start} where it is a directory. */
    static Optional<Path> findUpwards(Path start, String relative) {
        for (Path d = start; d != null; d = d.getParent()) {
            Path candidate = d.resolve(relative).normalize();
            if (Files.isDirectory(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static StateDict read(Path file) {
        try {
            return SafeTensors.read(file);
        } catch (IOException e) {
            throw new UncheckedIOException("reading fixture " + file + " failed: " + e.getMessage(), e);
        }
    }

    private static String list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList().toString();
        } catch (IOException e) {
            return "(unlistable: " + e.getMessage() + ")";
        }
    }
}
