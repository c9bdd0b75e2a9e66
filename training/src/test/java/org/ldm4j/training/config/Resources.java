package org.ldm4j.training.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The reference configs reproduced under src/test/resources/org/ldm4j/training/config. */
final class Resources {
    private Resources() {
    }

    static final List<String> ALL = List.of("cin256-v2.yaml", "txt2img-1p4B-eval.yaml", "autoencoder_kl_32x32x4.yaml",
            "kl-f8.yaml", "vq-f4.yaml", "vq-f16.yaml", "v1-inference.yaml", "lsun_churches-ldm-kl-8.yaml",
            "cin-ldm-vq-f8.yaml", "layout2img-openimages256.yaml", "semantic_synthesis256.yaml", "bsr_sr.yaml");

    static Path path(String name) {
        URL url = Resources.class.getResource(name);
        if (url == null) {
            throw new IllegalArgumentException("no test resource " + name);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static String text(String name) {
        try {
            return Files.readString(path(name), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static LdmConfig read(String name, String... overrides) {
        try {
            return LdmYaml.read(path(name), List.of(overrides));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static LatentDiffusionConfig ldm(String name, String... overrides) {
        return (LatentDiffusionConfig) read(name, overrides);
    }

    static AutoencoderTrainingConfig autoencoder(String name, String... overrides) {
        return (AutoencoderTrainingConfig) read(name, overrides);
    }
}
