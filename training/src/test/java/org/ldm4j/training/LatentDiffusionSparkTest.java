package org.ldm4j.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.DiffusionLoss;
import org.ldm4j.diffusion.DiffusionLossConfig;
import org.ldm4j.training.data.Dataset;
import org.ldm4j.training.data.ShapesDataset;
import org.ldm4j.training.distributed.Replica;
import org.ldm4j.training.distributed.SparkContexts;
import org.ldm4j.training.distributed.SparkRunner;
import org.ldm4j.training.models.LatentDiffusion;
import org.ldm4j.training.models.LdmSpec;

/**
 * Synchronous data-parallel training of a tiny class-conditional LDM on Spark's local mode: the weights, EMA and
 * optimizer state after N steps over 2 partitions equal those of N steps in one process with the same global
 * batch and seed (within float32 summation order), with either reduction, and a task that fails mid-run is
 * retried without changing the result.
 */
class LatentDiffusionSparkTest {
    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    private static final long STEPS = 4;
    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = SparkContexts.start("local[2,4]", "ldm4j-test", Map.of());
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.stop();
        }
    }

    /** Builds the same model, data and settings in any JVM (the executors' replicas). */
    record Tiny(long seed) implements Replica.Factory {
        Dataset data() {
            return ShapesDataset.of(TinyRuns.SIZE, 5).limit(64);
        }

        LdmTrainConfig config() {
            return LdmTrainConfig.builder().steps(STEPS).batchSize(6).lr(1e-3).warmupSteps(2).gradClip(0.05)
                    .accumulate(2).emaDecay(0.99).condDropout(0.3).logEvery(1).checkpointEvery(2).keepLast(2)
                    .seed(seed).build();
        }

        LatentDiffusion model() {
            return TinyRuns.classConditional(data().numClasses()).build(new Rng(4));
        }

        LatentDiffusionTrainer trainer(Path dir) {
            LatentDiffusion ldm = model();
            return new LatentDiffusionTrainer(ldm, new DiffusionLoss(ldm.process(), DiffusionLossConfig.reference()),
                    data(), null, config(), dir, Map.of());
        }

        @Override
        public String key() {
            return "tiny-ldm-" + seed;
        }

        @Override
        public Replica create() {
            LatentDiffusion ldm = model();
            return new LdmReplica(ldm, new DiffusionLoss(ldm.process(), DiffusionLossConfig.reference()), data(), null,
                    config());
        }
    }

    private static LatentDiffusionTrainer distributed(Tiny tiny, Path dir, SparkRunner.Reduction reduction,
            SparkRunner.Failure failure) {
        LatentDiffusionTrainer t = tiny.trainer(dir);
        t.setRunner(new SparkRunner(sc, tiny, t.replica(), t.groups(), 2, reduction, failure));
        t.train(QUIET);
        t.runner().close();
        return t;
    }

    /** Max |a - b| over every tensor of the model, the EMA and the optimizer state. */
    private static double maxDifference(LatentDiffusionTrainer a, LatentDiffusionTrainer b) {
        double worst = 0;
        worst = Math.max(worst, maxDifference(a.model().stateDict(), b.model().stateDict()));
        worst = Math.max(worst, maxDifference(a.ema().state(), b.ema().state()));
        worst = Math.max(worst, maxDifference(a.groups().get(0).optimizer().stateDict(),
                b.groups().get(0).optimizer().stateDict()));
        return worst;
    }

    private static double maxDifference(Map<String, Tensor> a, Map<String, Tensor> b) {
        assertEquals(a.keySet(), b.keySet());
        double worst = 0;
        for (String k : a.keySet()) {
            double[] x = a.get(k).toDoubleArray();
            double[] y = b.get(k).toDoubleArray();
            assertEquals(x.length, y.length, k);
            for (int i = 0; i < x.length; i++) {
                worst = Math.max(worst, Math.abs(x[i] - y[i]));
            }
        }
        return worst;
    }

    @Test
    void twoPartitionsGiveTheWeightsOfOneProcessWithEitherReduction(@TempDir Path tmp) {
        Tiny tiny = new Tiny(11);
        LatentDiffusionTrainer single = tiny.trainer(tmp.resolve("single"));
        single.train(QUIET);
        LatentDiffusionTrainer viaDriver = distributed(tiny, tmp.resolve("driver"), SparkRunner.Reduction.DRIVER,
                null);
        LatentDiffusionTrainer sharded = distributed(tiny, tmp.resolve("sharded"), SparkRunner.Reduction.SHARDED,
                null);
        double d1 = maxDifference(single, viaDriver);
        double d2 = maxDifference(single, sharded);
        System.out.printf("spark parity: driver %.3g, sharded %.3g%n", d1, d2);
        assertTrue(d1 < 1e-5, "driver reduction differs from one process by " + d1);
        assertTrue(d2 < 1e-5, "sharded reduction differs from one process by " + d2);
        // and it trained: the weights moved
        double moved = maxDifference(single.model().stateDict(), tiny.model().stateDict());
        assertTrue(moved > 1e-3, "weights moved by " + moved);
    }

    @Test
    void aTaskThatFailsMidRunIsRetriedAndTheRunEndsWithTheSameWeights(@TempDir Path tmp) {
        Tiny tiny = new Tiny(5);
        for (SparkRunner.Reduction r : SparkRunner.Reduction.values()) {
            LatentDiffusionTrainer calm = distributed(tiny, tmp.resolve("calm-" + r), r, null);
            LatentDiffusionTrainer failed = distributed(tiny, tmp.resolve("failed-" + r), r,
                    new SparkRunner.Failure(2, 1));
            assertEquals(STEPS, failed.step());
            assertEquals(0.0, maxDifference(calm, failed), r + ": the retried run differs");
        }
    }

    @Test
    void aLostDriverResumesFromTheLastCheckpointAndEndsWhereAnUndisturbedRunEnds(@TempDir Path tmp) {
        Tiny tiny = new Tiny(8);
        for (SparkRunner.Reduction r : SparkRunner.Reduction.values()) {
            LatentDiffusionTrainer calm = distributed(tiny, tmp.resolve("calm-" + r), r, null);
            Path dir = tmp.resolve("lost-" + r);
            LatentDiffusionTrainer first = tiny.trainer(dir);
            first.setRunner(new SparkRunner(sc, tiny, first.replica(), first.groups(), 2, r, null));
            first.train(QUIET, 2);                         // the driver dies after the checkpoint of step 2
            first.runner().close();
            LatentDiffusionTrainer second = tiny.trainer(dir);
            assertEquals(2L, second.resume(QUIET).orElseThrow());
            second.setRunner(new SparkRunner(sc, tiny, second.replica(), second.groups(), 2, r, null));
            second.train(QUIET);
            second.runner().close();
            assertEquals(STEPS, second.step());
            assertEquals(0.0, maxDifference(calm, second), r + ": the resumed run differs");
        }
    }
}
