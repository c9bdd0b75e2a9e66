package org.ldm4j.training.cli;

import java.io.IOException;
import java.util.concurrent.Callable;
import org.ldm4j.training.Sampling;
import org.ldm4j.training.bench.SdBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ldm4j bench sd}: runs {@link SdBenchmark} (seconds per Stable Diffusion 1.x image and peak memory) and
 * prints its report as JSON.
 *
 * <pre>{@code
 * $ ./ldm4j bench sd --out sd.json
 * }</pre>
 */
@Command(name = "sd",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Times one Stable Diffusion 1.x text-to-image run of the full v1 model (built with unset weights: timing "
                    + "does not depend on them): text encoding, the sampler's steps with classifier-free guidance, "
                    + "and the VAE decode; reports seconds per image, the median step and the peak resident memory."},
        footer = {"", "Examples:",
                "  ldm4j bench sd --quick                    smoke run on a tiny model",
                "  ldm4j bench sd --out sd.json              512x512, 30 DDIM steps (a quarter of an hour on 2 cores)",
                "  ldm4j bench sd --size 768 --vae-tile 64"})
final class BenchSdCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private ModelBenchOptions options;

    @Option(names = "--size", paramLabel = "PX", description = "Image side, a multiple of 64 (default: 512).")
    private int size = 512;

    @Option(names = "--steps", paramLabel = "N", description = "Sampler steps (default: 30).")
    private int steps = 30;

    @Option(names = "--sampler", paramLabel = "NAME", description = "ddim (default), plms, euler-a, dpmpp-2m, ...")
    private String sampler = "ddim";

    @Option(names = "--vae-tile", paramLabel = "N", description = "Decode in tiles of N latents (default: 0, whole).")
    private int tile;

    @Override
    public Integer call() throws IOException {
        return options.run(spec, "ldm4j bench sd", (reps, quick, log) -> {
            SdBenchmark.Options o = quick ? SdBenchmark.Options.quickRun()
                    : new SdBenchmark.Options(size, steps, Sampling.Name.parse(sampler), 7.5, tile, false);
            return new SdBenchmark(o, log::accept).run();
        });
    }
}
