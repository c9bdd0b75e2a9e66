package org.ldm4j.training.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldm4j.core.io.SafeTensors;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.training.cli.TrainingCommandsTest.Run;

/**
 * {@code --master} on the training commands: both run on Spark's local mode with 2 partitions and write the
 * checkpoints (weights, EMA, optimizer state) a single process writes, and a distributed run resumes. The
 * patch-GAN's BatchNorm running statistics are left out of the comparison: they follow partition 0's slice of
 * the batch, as under PyTorch's DDP.
 */
class DistributedCommandsTest {
    private static final String SPARK = "local[2,4]";

    private static Run run(List<String> args) {
        return TrainingCommandsTest.run(args.toArray(String[]::new));
    }

    private static List<String> with(List<String> a, String... more) {
        List<String> out = new ArrayList<>(a);
        out.addAll(Arrays.asList(more));
        return out;
    }

    /** The checkpoint file the command reported. */
    private static Path checkpointOf(Run r) {
        assertEquals(0, r.exit(), r.err());
        String out = r.out().trim();
        return Path.of(out.substring(out.lastIndexOf("checkpoint ") + "checkpoint ".length()));
    }

    /**
     * Compares two checkpoints as float32 data-parallel training allows: Adam's moments within 1e-3 of their
     * tensor's largest value plus 1e-5 of the largest moment of any tensor (they sum the gradients, so they differ
     * by summation order, which for a zero true gradient is all there is), the weights and EMA
     * within {@code 2 * steps * lr} (Adam moves a parameter by at most about lr a step, and a parameter whose true
     * gradient is zero, such as an attention key's bias, follows the sign of its rounding noise), and everything
     * else exactly. BatchNorm statistics follow partition 0's slice (as DDP) and are left out. Returns the largest
     * difference of a weight.
     */
    private static double compare(Path a, Path b, double lr, int steps) throws IOException {
        Map<String, Tensor> x = SafeTensors.read(a).tensors();
        Map<String, Tensor> y = SafeTensors.read(b).tensors();
        assertEquals(x.keySet(), y.keySet());
        Map<String, Double> global = new java.util.HashMap<>();
        x.forEach((k, t) -> {
            String kind = k.substring(k.lastIndexOf('.') + 1);
            for (double v : t.toDoubleArray()) {
                global.merge(kind, Math.abs(v), Math::max);
            }
        });
        double worstWeight = 0;
        for (String k : x.keySet()) {
            if (k.contains("running_mean") || k.contains("running_var")) {
                continue;
            }
            double[] p = x.get(k).toDoubleArray();
            double[] q = y.get(k).toDoubleArray();
            double w = 0;
            double scale = 0;
            for (int i = 0; i < p.length; i++) {
                w = Math.max(w, Math.abs(p[i] - q[i]));
                scale = Math.max(scale, Math.abs(p[i]));
            }
            if (k.endsWith(".exp_avg") || k.endsWith(".exp_avg_sq")) {
                double floor = 1e-5 * global.get(k.substring(k.lastIndexOf('.') + 1));   // noise of zero gradients
                assertTrue(w <= 1e-3 * scale + floor, k + " differs by " + w + " (largest value " + scale + ")");
            } else if (x.get(k).shape().length == 0) {
                assertEquals(0.0, w, k);
            } else {
                assertTrue(w <= 2 * steps * lr, k + " differs by " + w);
                worstWeight = Math.max(worstWeight, w);
            }
        }
        return worstWeight;
    }

    @Test
    void bothTrainingCommandsRunOnSparkAndWriteWhatOneProcessWrites(@TempDir Path tmp) throws IOException {
        List<String> ae = List.of("train-autoencoder", "--size", "32", "--steps", "2", "--batch-size", "4",
                "--checkpoint-every", "2", "--image-every", "0", "--seed", "2");
        Path single = checkpointOf(run(with(ae, "--out", tmp.resolve("ae1").toString())));
        Run spark = run(with(ae, "--out", tmp.resolve("ae2").toString(), "--master", SPARK, "--partitions", "2",
                "--reduce", "sharded"));
        assertTrue(spark.err().contains("spark " + SPARK + ", 2 partitions, sharded reduction"), spark.err());
        compare(single, checkpointOf(spark), 1e-3, 2);

        List<String> ldm = List.of("train-ldm", "--first-stage", tmp.resolve("ae1").toString(), "--channels", "32",
                "--examples", "32", "--batch-size", "4", "--steps", "2", "--checkpoint-every", "1",
                "--sample-every", "0", "--seed", "3");
        Path one = checkpointOf(run(with(ldm, "--out", tmp.resolve("ldm1").toString())));
        Run two = run(with(ldm, "--out", tmp.resolve("ldm2").toString(), "--master", SPARK, "--partitions", "2"));
        assertTrue(two.err().contains("2 partitions, driver reduction"), two.err());
        compare(one, checkpointOf(two), 5e-4, 2);

        // a distributed run resumes (the driver was "lost" after step 2) and goes on
        List<String> more = new ArrayList<>(ldm);
        more.set(more.indexOf("--steps") + 1, "3");
        Run resumed = run(with(more, "--out", tmp.resolve("ldm2").toString(), "--master", SPARK, "--partitions", "2",
                "--resume"));
        assertTrue(checkpointOf(resumed).toString().contains("step-000000003"), resumed.out());
    }

    @Test
    void distributedOptionsWithoutAMasterOrWithAWrongOneAreClearErrors(@TempDir Path tmp) {
        Run noMaster = TrainingCommandsTest.run("train-autoencoder", "--out", tmp.resolve("a").toString(), "--steps",
                "1", "--partitions", "2");
        assertEquals(1, noMaster.exit());
        assertTrue(noMaster.err().contains("expected a --master"), noMaster.err());
        Run wrong = TrainingCommandsTest.run("train-autoencoder", "--out", tmp.resolve("b").toString(), "--steps", "1",
                "--master", "local[two]");
        assertEquals(1, wrong.exit());
        assertTrue(wrong.err().contains("--master: expected local[N]"), wrong.err());
        Run reduce = TrainingCommandsTest.run("train-autoencoder", "--out", tmp.resolve("c").toString(), "--steps",
                "1", "--master", "local[2]", "--reduce", "ring");
        assertEquals(1, reduce.exit());
        assertTrue(reduce.err().contains("--reduce: expected driver, sharded or auto"), reduce.err());
    }
}
