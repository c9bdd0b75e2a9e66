package org.ldm4j.training.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.ldm4j.training.RunDirectory;
import picocli.CommandLine.Option;

/**
 * The options every training command shares (a picocli mixin): the run directory, the training data,
 * checkpointing, the seed and {@code --resume}.
 *
 * <pre>{@code
 * @Mixin RunOptions run;
 * ...
 * run.checkRunDirectory();          // a fresh run needs an empty directory, --resume one with checkpoints
 * }</pre>
 */
final class RunOptions {
    @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR", description = "The run directory.")
    Path out;

    @Option(names = "--dataset", paramLabel = "SPEC", description = "Training images: " + DatasetOption.HELP + ".")
    String dataset = "shapes";

    @Option(names = "--checkpoint-every", paramLabel = "N", description = "Steps between checkpoints (default: 500).")
    long checkpointEvery = 500;

    @Option(names = "--keep", paramLabel = "K", description = "Checkpoints kept (default: 3).")
    int keep = 3;

    @Option(names = "--seed", paramLabel = "N", description = "Seed (default: 0).")
    long seed;

    @Option(names = "--resume", description = "Continue from the run directory's last checkpoint.")
    boolean resume;

    /** A fresh run needs a directory without checkpoints; --resume needs one with them. */
    void checkRunDirectory() throws IOException {
        boolean has = Files.isDirectory(out.resolve(RunDirectory.CHECKPOINTS))
                && RunDirectory.open(out, Integer.MAX_VALUE).hasCheckpoints();
        if (has && !resume) {
            throw new IllegalArgumentException("--out: " + out + " already holds checkpoints; pass --resume to "
                    + "continue that run, or choose another directory");
        }
        if (!has && resume) {
            throw new IllegalArgumentException("--resume: " + out + " holds no checkpoint to resume from");
        }
    }
}
