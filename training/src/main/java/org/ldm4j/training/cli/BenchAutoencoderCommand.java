package org.ldm4j.training.cli;

import java.io.IOException;
import java.util.concurrent.Callable;
import org.ldm4j.training.bench.AutoencoderBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code ldm4j bench autoencoder}: runs {@link AutoencoderBenchmark} and prints its report as JSON on stdout
 * (and into a file with {@code --out}); progress goes to stderr.
 *
 * <pre>{@code
 * $ ./ldm4j bench autoencoder --out ae.json
 * }</pre>
 */
@Command(name = "autoencoder",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Benchmarks an AutoencoderKL (ch 64, ch_mult [1,2,4], 2 res blocks, z 4) on a [4,3,64,64] batch:",
            "encode+decode without gradients, and a full training step (posterior sample, decode, L1 + KL, "
                    + "backward, AdamW).",
            "",
            "Figures are medians (and min, max) in ms over the timed steps, plus the peak resident memory."},
        footer = {"", "Examples:",
                "  ldm4j bench autoencoder --quick             smoke run (seconds)",
                "  ldm4j bench autoencoder --out ae.json       full run (a few minutes)"})
final class BenchAutoencoderCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private ModelBenchOptions options;

    @Override
    public Integer call() throws IOException {
        return options.run(spec, "ldm4j bench autoencoder", (reps, quick, log) -> {
            AutoencoderBenchmark.Options o = quick ? AutoencoderBenchmark.Options.quickRun() : AutoencoderBenchmark.Options.defaults();
            return new AutoencoderBenchmark(reps == null ? o : o.withRepetitions(reps), log::accept).run();
        });
    }
}
