package org.ldm4j.training.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code ldm4j bench}: benchmarks; each prints a JSON report on stdout.
 *
 * <pre>{@code
 * $ ./ldm4j bench ops --quick
 * }</pre>
 */
@Command(name = "bench",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Benchmarks. Each prints a JSON report on stdout and its progress on stderr.",
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {BenchAllCommand.class, BenchOpsCommand.class, BenchAutoencoderCommand.class,
            BenchUnetCommand.class, BenchSparkCommand.class, BenchSdCommand.class},
        footer = {"", "Examples:", "  ldm4j bench ops --quick", "  ldm4j bench ops --reps 50 --out ops.json"})
final class BenchCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    /** Without a subcommand: the usage, on stderr, and the usage-error exit code. */
    @Override
    public Integer call() {
        spec.commandLine().getErr().println("ldm4j bench: missing command (try: ldm4j bench ops)");
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCode.USAGE;
    }
}
