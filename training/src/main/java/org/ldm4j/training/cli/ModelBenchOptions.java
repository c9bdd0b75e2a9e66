package org.ldm4j.training.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The options of the model benchmarks ({@code bench autoencoder}, {@code bench unet}), a picocli mixin, and the
 * run that checks them, logs progress to stderr and emits the JSON report.
 *
 * <pre>{@code
 * @Mixin ModelBenchOptions options;
 * return options.run(spec, "ldm4j bench unet", (reps, quick, log) -> new UNetBenchmark(..., log).run());
 * }</pre>
 */
final class ModelBenchOptions {
    /** A benchmark run: {@code reps} null for the default. */
    interface Bench {
        Map<String, Object> run(Integer reps, boolean quick, Consumer<String> log);
    }

    @Option(names = "--reps", paramLabel = "N", description = "Timed steps of each variant (default: 15).")
    Integer repetitions;

    @Option(names = "--quick", description = "A smoke run on a tiny batch, for tests; its timings mean little.")
    boolean quick;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE", description = "Also write the JSON report to FILE.")
    Path out;

    /** Runs {@code bench} as the command {@code name} and emits its report; returns the exit code. */
    int run(CommandSpec spec, String name, Bench bench) throws IOException {
        if (repetitions != null && repetitions < 1) {
            throw new ParameterException(spec.commandLine(), name + ": --reps: expected >= 1, got " + repetitions);
        }
        PrintWriter err = spec.commandLine().getErr();
        Map<String, Object> report = bench.run(repetitions, quick, line -> {
            err.println(name + ": " + line);
            err.flush();
        });
        Reports.emit(spec, name, report, out);
        return picocli.CommandLine.ExitCode.OK;
    }
}
