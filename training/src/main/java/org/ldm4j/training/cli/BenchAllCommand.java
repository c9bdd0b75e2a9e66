package org.ldm4j.training.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.ldm4j.core.bench.OpsBenchmark;
import org.ldm4j.training.bench.AutoencoderBenchmark;
import org.ldm4j.training.bench.UNetBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ldm4j bench all}: every benchmark (ops, autoencoder, unet) in one run, one JSON report keyed by name.
 *
 * <pre>{@code
 * $ ./ldm4j bench all --out bench.json
 * }</pre>
 */
@Command(name = "all",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Runs every benchmark (ops, autoencoder, unet) and prints one JSON report, keyed by benchmark.",
        footer = {"", "Examples:", "  ldm4j bench all --quick", "  ldm4j bench all --out bench.json"})
final class BenchAllCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--quick", description = "Smoke runs of each, for tests; their timings mean little.")
    private boolean quick;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE", description = "Also write the JSON report to FILE.")
    private Path out;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("ops", new OpsBenchmark(quick ? OpsBenchmark.Options.quickRun() : OpsBenchmark.Options.defaults(),
                line -> log(err, "ops", line)).run());
        report.put("autoencoder", new AutoencoderBenchmark(quick ? AutoencoderBenchmark.Options.quickRun()
                : AutoencoderBenchmark.Options.defaults(), line -> log(err, "autoencoder", line)).run());
        report.put("unet", new UNetBenchmark(quick ? UNetBenchmark.Options.quickRun()
                : UNetBenchmark.Options.defaults(), line -> log(err, "unet", line)).run());
        Reports.emit(spec, "ldm4j bench all", report, out);
        return ExitCode.OK;
    }

    private static void log(PrintWriter err, String which, String line) {
        err.println("ldm4j bench all: " + which + ": " + line);
        err.flush();
    }
}
