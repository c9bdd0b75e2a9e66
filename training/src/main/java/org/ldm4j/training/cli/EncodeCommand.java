package org.ldm4j.training.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.ldm4j.autoencoder.FirstStage;
import org.ldm4j.training.data.Dataset;
import org.ldm4j.training.data.LatentCache;
import org.ldm4j.training.data.LatentDataset;
import org.ldm4j.training.models.FirstStages;
import org.ldm4j.training.models.FirstStageCodec;
import org.ldm4j.training.report.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ldm4j encode}: encodes a dataset once with a trained first stage into a latent cache that
 * {@code train-ldm --cache} trains on.
 *
 * <pre>{@code
 * $ ./ldm4j encode --first-stage runs/ae --examples 20000 --out runs/latents.safetensors
 * }</pre>
 */
@Command(name = "encode",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Encodes a dataset with a trained first stage (the posterior mean of a KL model, the "
                + "pre-quantisation latent of a VQ model) into a latent cache (safetensors: latents, labels, captions, "
                + "layouts, and where they came from).",
        footer = {"", "Examples:",
                "  ldm4j encode --first-stage runs/ae --out runs/latents.safetensors",
                "  ldm4j encode --first-stage runs/ae --dataset fashion-mnist:/usr/share/fashion-mnist --out fm.st"})
final class EncodeCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--first-stage", required = true, paramLabel = "CKPT", description = "A train-autoencoder "
            + "checkpoint or run directory.")
    private Path firstStage;

    @Option(names = "--dataset", paramLabel = "SPEC", description = "Images: " + DatasetOption.HELP + ".")
    private String dataset = "shapes";

    @Option(names = "--examples", paramLabel = "N", description = "Examples (default: 4096, or all of a dataset on "
            + "disk if fewer).")
    private long examples = 4096;

    @Option(names = "--seed", paramLabel = "N", description = "Dataset seed (default: 0).")
    private long seed;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE", description = "The cache file.")
    private Path out;

    @Override
    public Integer call() throws IOException {
        PrintStream log = WriterStream.printStream(spec.commandLine().getErr());
        FirstStages.Loaded ae = FirstStages.load(firstStage);
        int size = ae.config().resolution();
        Dataset data = DatasetOption.open(dataset, size, seed);
        data = data.limit(Math.min(examples, data.size()));
        FirstStageCodec codec = new FirstStageCodec((FirstStage) ae.build());
        Progress p = Progress.start("encode", data.size(), 0, log);
        LatentDataset d = LatentCache.of(data, codec).withCodecName(ae.file() + " step " + ae.step())
                .build(out, (done, total) -> p.update(done, java.util.Map.of()));
        p.finish();
        spec.commandLine().getOut().printf("encoded %d examples into %s (latents %dx%dx%d, std %.4f)%n", d.size(), out,
                d.channels(), d.height(), d.width(), d.std());
        spec.commandLine().getOut().flush();
        return ExitCode.OK;
    }
}
