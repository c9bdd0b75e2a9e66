package org.ldm4j.training.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.ldm4j.training.bench.AutoencoderBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
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

    @Option(names = "--reps", paramLabel = "N", description = "Timed steps of each variant (default: 15).")
    private Integer repetitions;

    @Option(names = "--quick", description = "A smoke run on a tiny batch, for tests; its timings mean little.")
    private boolean quick;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE", description = "Also write the JSON report to FILE.")
    private Path out;

    @Override
    public Integer call() throws IOException {
        AutoencoderBenchmark.Options o = quick ? AutoencoderBenchmark.Options.quickRun()
                : AutoencoderBenchmark.Options.defaults();
        if (repetitions != null) {
            try {
                o = o.withRepetitions(repetitions);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "ldm4j bench autoencoder: --reps: expected >= 1, got "
                        + repetitions);
            }
        }
        PrintWriter err = spec.commandLine().getErr();
        Map<String, Object> report = new AutoencoderBenchmark(o, line -> {
            err.println("ldm4j bench autoencoder: " + line);
            err.flush();
        }).run();
        Reports.emit(spec, "ldm4j bench autoencoder", report, out);
        return ExitCode.OK;
    }
}
