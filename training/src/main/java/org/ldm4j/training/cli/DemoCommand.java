package org.ldm4j.training.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.ldm4j.training.demo.Demo;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ldm4j demo}: trains a tiny autoencoder and a tiny class-conditional LDM on the built-in shapes, samples
 * every class and reports the measured fidelity ({@link Demo}).
 *
 * <pre>{@code
 * $ ./ldm4j demo                    # about 12 minutes on 2 cores; results in demo/
 * $ ./ldm4j demo --quick --out /tmp/demo
 * }</pre>
 */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Trains a KL autoencoder (32x32 images to 16x16x4 latents) and a class-conditional latent diffusion model on "
                    + "the built-in shapes (9 classes: circle, square, triangle in red, green, blue), then samples "
                    + "every class with DDIM and classifier-free guidance from the EMA weights.",
            "",
            "Writes OUT/samples.png (a row per class), OUT/report.md with the measured fidelity (the fraction of "
                    + "samples whose shape and colour match the requested class), OUT/report.json, and the two "
                    + "training runs (checkpoints, metrics, loss curves) under OUT/autoencoder and OUT/ldm."},
        footer = {"", "Examples:",
                "  ldm4j demo                          the full demo (about 12 minutes on 2 cores)",
                "  ldm4j demo --quick --out /tmp/d     a smoke run of every stage (seconds; samples mean nothing)"})
final class DemoCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", description = "Output directory (default: demo).")
    private Path out = Path.of("demo");

    @Option(names = "--quick", description = "A smoke run of every stage on tiny step counts.")
    private boolean quick;

    @Option(names = "--ae-steps", paramLabel = "N", description = "Autoencoder steps (default: 200).")
    private Long aeSteps;

    @Option(names = "--ldm-steps", paramLabel = "N", description = "Latent diffusion steps (default: 1000).")
    private Long ldmSteps;

    @Option(names = "--ae-batch", paramLabel = "N", description = "Autoencoder batch (default: 16).")
    private Integer aeBatch;

    @Option(names = "--ldm-batch", paramLabel = "N", description = "Latent diffusion batch (default: 32).")
    private Integer ldmBatch;

    @Option(names = "--channels", paramLabel = "N", description = "The U-Net's base channels (default: 32).")
    private Integer channels;

    @Option(names = "--lr", paramLabel = "LR", description = "Latent diffusion learning rate (default: 1e-3).")
    private Double lr;

    @Option(names = "--guidance", paramLabel = "S", description = "Guidance scale of the samples (default: 3).")
    private Double guidance;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the whole run (default: 0).")
    private Long seed;

    @Override
    public Integer call() throws IOException {
        Demo.Options o = quick ? Demo.Options.quick() : Demo.Options.defaults();
        if (aeSteps != null || ldmSteps != null) {
            o = o.withSteps(aeSteps != null ? aeSteps : o.aeSteps(), ldmSteps != null ? ldmSteps : o.ldmSteps());
        }
        if (aeBatch != null || ldmBatch != null) {
            o = o.withBatches(aeBatch != null ? aeBatch : o.aeBatch(), ldmBatch != null ? ldmBatch : o.ldmBatch());
        }
        if (channels != null) {
            o = o.withModelChannels(channels);
        }
        if (lr != null) {
            o = o.withLr(o.aeLr(), lr);
        }
        if (guidance != null) {
            o = o.withGuidance(guidance);
        }
        if (seed != null) {
            o = o.withSeed(seed);
        }
        PrintStream log = WriterStream.printStream(spec.commandLine().getErr());
        Demo.Report r = new Demo(o).run(out, log);
        spec.commandLine().getOut().printf("fidelity %.1f%% (chance %.1f%%); samples in %s%n",
                100 * r.fidelity().classAccuracy(), 100 * r.fidelity().chance(), out.resolve("samples.png"));
        spec.commandLine().getOut().flush();
        return ExitCode.OK;
    }
}
