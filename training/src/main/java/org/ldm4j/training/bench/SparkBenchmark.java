package org.ldm4j.training.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaSparkContext;
import org.ldm4j.autoencoder.AutoencoderConfig;
import org.ldm4j.core.backend.Backend;
import org.ldm4j.core.bench.Interleaved;
import org.ldm4j.core.optim.AdamW;
import org.ldm4j.core.random.Rng;
import org.ldm4j.diffusion.DiffusionLoss;
import org.ldm4j.diffusion.DiffusionLossConfig;
import org.ldm4j.diffusion.Prediction;
import org.ldm4j.training.LdmReplica;
import org.ldm4j.training.LdmTrainConfig;
import org.ldm4j.training.data.ShapesDataset;
import org.ldm4j.training.distributed.LocalRunner;
import org.ldm4j.training.distributed.Replica;
import org.ldm4j.training.distributed.SparkContexts;
import org.ldm4j.training.distributed.SparkRunner;
import org.ldm4j.training.distributed.StepRunner;
import org.ldm4j.training.distributed.TrainGroup;
import org.ldm4j.training.models.CondStage;
import org.ldm4j.training.models.LatentDiffusion;
import org.ldm4j.training.models.LdmSpec;
import org.ldm4j.unet.UNetConfig;

/**
 * The per-step cost of synchronous data-parallel training on Spark against the single-process step (issue 8):
 * for a small and a large class-conditional U-Net, the same global batch is stepped in one process, on Spark with
 * the gradients reduced through the driver, and on Spark with the sharded reduction, the three interleaved step
 * by step so that the machine's noise falls on all alike. Reports medians and the paired ratios to the
 * single-process step.
 *
 * <pre>{@code
 * Map<String, Object> report = new SparkBenchmark(SparkBenchmark.Options.defaults(), System.err::println).run();
 * }</pre>
 */
public final class SparkBenchmark {
    /** What to run. */
    public record Options(String master, int partitions, int batch, int warmup, int repetitions, boolean quick) {
        public Options {
            if (master == null || partitions < 1 || batch < partitions || warmup < 0 || repetitions < 1) {
                throw new IllegalArgumentException("options: expected a master, partitions >= 1, batch >= partitions, "
                        + "warmup >= 0 and repetitions >= 1, got " + master + ", " + partitions + ", " + batch + ", "
                        + warmup + ", " + repetitions);
            }
        }

        /** local[2], 2 partitions, batch 8 (16x16 images, 8x8x4 latents), 2 warm-up and 9 timed steps. */
        public static Options defaults() {
            return new Options("local[2]", 2, 8, 2, 9, false);
        }

        /** A smoke run for tests: the small model only, one step. */
        public static Options quickRun() {
            return new Options("local[2]", 2, 2, 0, 1, true);
        }

        public Options withRepetitions(int r) {
            return new Options(master, partitions, batch, warmup, r, quick);
        }
    }

    /** The two model sizes: U-Net widths and depths. */
    enum Size {
        SMALL(32, new int[] {1, 2}), LARGE(160, new int[] {1, 2, 2});

        final int channels;
        final int[] mult;

        Size(int channels, int[] mult) {
            this.channels = channels;
            this.mult = mult;
        }
    }

    /** Builds the benchmark's model in any JVM. */
    record Factory(Size size, int batch) implements Replica.Factory {
        static final int IMAGE = 16;

        LdmSpec spec() {
            AutoencoderConfig ae = new AutoencoderConfig(32, List.of(1, 2), 1, List.of(), 4, true, 0.0, IMAGE, 3, 3, 4,
                    0);
            UNetConfig unet = UNetConfig.builder().imageSize(IMAGE / 2).inChannels(4).outChannels(4)
                    .modelChannels(size.channels).channelMult(size.mult).numResBlocks(2).numHeadChannels(32)
                    .attentionResolutions(2).numClasses(10).build();
            return new LdmSpec(unet, LdmSpec.FirstStageKind.KL, ae, CondStage.Spec.classLabels(9),
                    LdmSpec.ScheduleSpec.ldm(), Prediction.EPSILON, IMAGE, IMAGE);
        }

        LdmTrainConfig config() {
            return LdmTrainConfig.builder().steps(1_000_000).batchSize(batch).lr(1e-4).gradClip(1.0).emaDecay(0)
                    .condDropout(0.1).scaleFactor(1.0).seed(5).build();
        }

        @Override
        public String key() {
            return "bench-spark-" + size + "-" + batch;
        }

        @Override
        public LdmReplica create() {
            LatentDiffusion ldm = spec().build(new Rng(3));
            return new LdmReplica(ldm, new DiffusionLoss(ldm.process(), DiffusionLossConfig.reference()),
                    ShapesDataset.of(IMAGE, 7), null, config());
        }

        /** A replica with its optimizer group, for the driver. */
        TrainGroup group(LdmReplica r) {
            return new TrainGroup("ldm", r.parameters(), AdamW.builder(r.parameters()).lr(1e-4).build(), 1.0, null,
                    "");
        }
    }

    private final Options options;
    private final Consumer<String> progress;

    public SparkBenchmark(Options options, Consumer<String> progress) {
        this.options = options;
        this.progress = progress;
    }

    /** Runs the sizes and returns the report. */
    public Map<String, Object> run() {
        long started = System.nanoTime();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("benchmark", "spark");
        r.put("backend", Backend.describe());
        r.put("quick", options.quick());
        r.put("master", options.master());
        r.put("partitions", options.partitions());
        r.put("batch", options.batch());
        r.put("warmup", options.warmup());
        r.put("repetitions", options.repetitions());
        JavaSparkContext sc = SparkContexts.start(options.master(), "ldm4j bench spark", Map.of());
        try {
            for (Size size : options.quick() ? List.of(Size.SMALL) : List.of(Size.values())) {
                r.put(size.name().toLowerCase(java.util.Locale.ROOT), measure(sc, size));
            }
        } finally {
            sc.stop();
        }
        r.put("elapsed_s", Interleaved.round((System.nanoTime() - started) / 1e9));
        return r;
    }

    private Map<String, Object> measure(JavaSparkContext sc, Size size) {
        Factory f = new Factory(size, options.batch());
        List<StepRunner> runners = new ArrayList<>();
        String[] names = {"single_process", "spark_driver", "spark_sharded"};
        LdmReplica local = f.create();
        runners.add(new LocalRunner(local, List.of(f.group(local))));
        for (SparkRunner.Reduction red : SparkRunner.Reduction.values()) {
            LdmReplica driver = f.create();
            SparkRunner sr = new SparkRunner(sc, f, driver, List.of(f.group(driver)), options.partitions(), red, null);
            sr.push();
            runners.add(sr);
        }
        long params = runners.get(0).groups().get(0).layout().size();
        progress.accept(String.format("%s model: U-Net %d channels, mult %s, %,d trainable parameters; batch %d on %s "
                + "with %d partitions; %d warm-up and %d timed steps", size, size.channels,
                java.util.Arrays.toString(size.mult), params, options.batch(), options.master(), options.partitions(),
                options.warmup(), options.repetitions()));
        Rng data = new Rng(17);
        Interleaved timer = new Interleaved(options.warmup(), options.repetitions());
        long[] steps = new long[names.length];
        for (int i = 0; i < names.length; i++) {
            StepRunner runner = runners.get(i);
            int k = i;
            timer.add(names[i], () -> {
                long[] batch = new long[options.batch()];
                for (int j = 0; j < batch.length; j++) {
                    batch[j] = (long) (data.nextDouble() * 100_000);
                }
                runner.step(steps[k]++, new long[][] {batch}, new boolean[] {true});
            });
        }
        try {
            timer.run();
        } finally {
            runners.forEach(StepRunner::close);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("unet_channels", size.channels);
        m.put("channel_mult", java.util.Arrays.stream(size.mult).boxed().toList());
        m.put("parameters", params);
        m.put("float32_mb", Interleaved.round(params * 4.0 / (1 << 20)));
        for (String n : names) {
            m.put(n, timer.statsMs(n));
        }
        m.put("ratio_driver_to_single", Interleaved.round(timer.pairedRatio("spark_driver", "single_process")));
        m.put("ratio_sharded_to_single", Interleaved.round(timer.pairedRatio("spark_sharded", "single_process")));
        m.put("overhead_driver_ms", Interleaved.round(timer.median("spark_driver") - timer.median("single_process")));
        m.put("overhead_sharded_ms", Interleaved.round(timer.median("spark_sharded")
                - timer.median("single_process")));
        progress.accept(String.format("%s: single process %.0f ms, spark driver %.0f ms (x%.2f), spark sharded %.0f ms "
                + "(x%.2f) per step (medians, paired ratios)", size, timer.median("single_process"),
                timer.median("spark_driver"), timer.pairedRatio("spark_driver", "single_process"),
                timer.median("spark_sharded"), timer.pairedRatio("spark_sharded", "single_process")));
        return m;
    }
}
