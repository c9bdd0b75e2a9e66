package org.ldm4j.training.cli;

import java.io.IOException;
import java.util.concurrent.Callable;
import org.ldm4j.training.bench.SparkBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ldm4j bench spark}: runs {@link SparkBenchmark} (the per-step cost of distributed training against one
 * process, for a small and a large model) and prints its report as JSON.
 *
 * <pre>{@code
 * $ ./ldm4j bench spark --out spark.json
 * }</pre>
 */
@Command(name = "spark",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Times training steps of a small and a large class-conditional U-Net on the same global batch in one "
                    + "process, on Spark with the gradients reduced through the driver, and on Spark with the sharded "
                    + "reduction, interleaved step by step.",
            "",
            "Figures are medians (and min, max) in ms per step, and paired ratios to the single-process step."},
        footer = {"", "Examples:",
                "  ldm4j bench spark --quick                       smoke run",
                "  ldm4j bench spark --out spark.json              local[2], 2 partitions (minutes)",
                "  ldm4j bench spark --master 'local-cluster[2,1,4096]' --partitions 2"})
final class BenchSparkCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private ModelBenchOptions options;

    @Option(names = "--master", paramLabel = "URL", description = "Spark master (default: local[2]).")
    private String master = "local[2]";

    @Option(names = "--partitions", paramLabel = "N", description = "Partitions (default: 2).")
    private int partitions = 2;

    @Option(names = "--batch", paramLabel = "N", description = "Global batch (default: 8).")
    private Integer batch;

    @Override
    public Integer call() throws IOException {
        return options.run(spec, "ldm4j bench spark", (reps, quick, log) -> {
            SparkBenchmark.Options d = quick ? SparkBenchmark.Options.quickRun() : SparkBenchmark.Options.defaults();
            SparkBenchmark.Options o = new SparkBenchmark.Options(master, partitions,
                    batch != null ? batch : d.batch(), d.warmup(), reps != null ? reps : d.repetitions(), quick);
            return new SparkBenchmark(o, log::accept).run();
        });
    }
}
