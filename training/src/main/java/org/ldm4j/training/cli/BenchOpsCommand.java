package org.ldm4j.training.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.ldm4j.core.bench.OpsBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ldm4j bench ops}: runs {@link OpsBenchmark} and prints its report as JSON on stdout (and into a file
 * with {@code --out}); progress lines go to stderr.
 *
 * <pre>{@code
 * $ ./ldm4j bench ops --quick > /dev/null            # a smoke run, seconds
 * $ ./ldm4j bench ops --reps 50 --out ops.json       # a careful run, minutes
 * }</pre>
 */
@Command(name = "ops",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Benchmarks core's ops: raw ND4J kernels and our autograd, side by side.",
            "",
            "Measures sgemm 1024^3; conv2d on [8,64,32,32], 3x3, 64->64: the raw conv2d and conv2d_bp kernels "
                    + "against our autograd's forward and forward+backward; attention with Q, K, V [32,1024,64]; "
                    + "GroupNorm on [8,128,32,32]; and the overhead of one tiny autograd op.",
            "",
            "Variants are interleaved within each repetition. Figures are medians (and min, max) in ms, in us for "
                    + "the tiny op. Targets: conv2d autograd/raw forward+backward <= 1.3; tiny-op overhead < 20 us.",
            "",
            "The JSON report goes to stdout, progress to stderr."},
        footer = {"", "Examples:",
                "  ldm4j bench ops --quick               smoke run (seconds)",
                "  ldm4j bench ops --out runs/ops.json   full run (minutes)"})
final class BenchOpsCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--reps", paramLabel = "N",
            description = "Timed repetitions of each variant (default: 30; 3 with --quick).")
    private Integer repetitions;

    @Option(names = "--warmup", paramLabel = "N",
            description = "Untimed calls of each variant before timing (default: 5; 1 with --quick).")
    private Integer warmup;

    @Option(names = "--tiny-iters", paramLabel = "N",
            description = "Tiny ops timed per variant (default: 200000; 5000 with --quick).")
    private Integer tinyIterations;

    @Option(names = "--quick", description = "A smoke run of a few seconds, for tests; its timings mean little.")
    private boolean quick;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE", description = "Also write the JSON report to FILE.")
    private Path out;

    @Override
    public Integer call() throws IOException {
        OpsBenchmark.Options options = options();
        PrintWriter err = spec.commandLine().getErr();
        err.printf("ldm4j bench ops: %d repetitions after %d warm-up calls, %d tiny ops per variant%s%n",
                options.repetitions(), options.warmup(), options.tinyOpIterations(),
                options.quick() ? " (quick)" : "");
        err.flush();
        Map<String, Object> report = new OpsBenchmark(options, line -> {
            err.println("ldm4j bench ops: " + line);
            err.flush();
        }).run();
        Reports.emit(spec, "ldm4j bench ops", report, out);
        return ExitCode.OK;
    }

    private OpsBenchmark.Options options() {
        OpsBenchmark.Options o = quick ? OpsBenchmark.Options.quickRun() : OpsBenchmark.Options.defaults();
        try {
            if (repetitions != null) {
                o = o.withRepetitions(repetitions);
            }
            if (warmup != null) {
                o = o.withWarmup(warmup);
            }
            if (tinyIterations != null) {
                o = o.withTinyOpIterations(tinyIterations);
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "ldm4j bench ops: " + e.getMessage()
                    .replace("repetitions:", "--reps:").replace("warmup:", "--warmup:")
                    .replace("tinyOpIterations:", "--tiny-iters:"));
        }
        return o;
    }
}
