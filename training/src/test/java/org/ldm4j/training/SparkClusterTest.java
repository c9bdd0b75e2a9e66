package org.ldm4j.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.training.distributed.SparkContexts;
import org.ldm4j.training.distributed.SparkRunner;

/**
 * Two real executor JVMs ({@code local-cluster[2,1,1024]}, started from the test classpath): two steps of the tiny
 * LDM with the sharded reduction end with the weights of one process.
 */
class SparkClusterTest {
    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    @Test
    void executorJvmsTrainLikeOneProcess(@TempDir Path tmp) {
        LatentDiffusionSparkTest.Tiny tiny = new LatentDiffusionSparkTest.Tiny(21);
        LatentDiffusionTrainer single = tiny.trainer(tmp.resolve("single"));
        single.train(QUIET, 2);
        JavaSparkContext sc = SparkContexts.start("local-cluster[2,1,1024]", "ldm4j-cluster-test", Map.of());
        try {
            LatentDiffusionTrainer t = tiny.trainer(tmp.resolve("cluster"));
            SparkRunner runner = new SparkRunner(sc, tiny, t.replica(), t.groups(), 2, SparkRunner.Reduction.SHARDED,
                    null);
            t.setRunner(runner);
            t.train(QUIET, 2);
            runner.close();
            assertEquals(2, t.step());
            Map<String, Tensor> a = single.model().stateDict();
            Map<String, Tensor> b = t.model().stateDict();
            double worst = 0;
            for (String k : a.keySet()) {
                double[] x = a.get(k).toDoubleArray();
                double[] y = b.get(k).toDoubleArray();
                for (int i = 0; i < x.length; i++) {
                    worst = Math.max(worst, Math.abs(x[i] - y[i]));
                }
            }
            System.out.printf("local-cluster parity: %.3g%n", worst);
            assertTrue(worst < 1e-5, "executor JVMs differ from one process by " + worst);
        } finally {
            sc.stop();
        }
    }
}
