package org.ldm4j.training.cli;

import java.io.IOException;
import java.util.concurrent.Callable;
import org.ldm4j.training.bench.UNetBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code ldm4j bench unet}: runs {@link UNetBenchmark} and prints its report as JSON on stdout
 * (and into a file with {@code --out}); progress goes to stderr.
 *
 * <pre>{@code
 * $ ./ldm4j bench unet --out unet.json
 * }</pre>
 */
@Command(name = "unet",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Benchmarks the U-Net (model_channels 64, channel_mult [1,2,2], 2 res blocks, attention at factors 2 "
                    + "and 4 with 32 channels per head, one transformer layer, context_dim 128) on latents [8,4,16,16] "
                    + "with context [8,8,128]: the forward pass without gradients, and a training step (MSE, backward, "
                    + "AdamW).",
            "",
            "Figures are medians (and min, max) in ms over the timed steps, plus the peak resident memory."},
        footer = {"", "Examples:",
                "  ldm4j bench unet --quick             smoke run (seconds)",
                "  ldm4j bench unet --out unet.json     full run (a few minutes)"})
final class BenchUnetCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private ModelBenchOptions options;

    @Override
    public Integer call() throws IOException {
        return options.run(spec, "ldm4j bench unet", (reps, quick, log) -> {
            UNetBenchmark.Options o = quick ? UNetBenchmark.Options.quickRun() : UNetBenchmark.Options.defaults();
            return new UNetBenchmark(reps == null ? o : o.withRepetitions(reps), log::accept).run();
        });
    }
}
