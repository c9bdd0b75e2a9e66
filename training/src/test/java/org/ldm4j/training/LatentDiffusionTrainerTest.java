package org.ldm4j.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.DiffusionLoss;
import org.ldm4j.diffusion.DiffusionLossConfig;
import org.ldm4j.training.data.Dataset;
import org.ldm4j.training.data.Example;
import org.ldm4j.training.data.ShapesDataset;
import org.ldm4j.training.models.LatentDiffusion;
import org.ldm4j.training.models.LdmSpec;
import org.ldm4j.training.report.MetricsLog;

/** End-to-end runs of the latent diffusion trainer on tiny settings. */
class LatentDiffusionTrainerTest {
    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    private static LatentDiffusionTrainer trainer(Dataset data, LdmTrainConfig config, Path dir) {
        LdmSpec spec = TinyRuns.classConditional(data.numClasses());
        LatentDiffusion ldm = spec.build(new Rng(4));
        DiffusionLoss loss = new DiffusionLoss(ldm.process(), DiffusionLossConfig.reference());
        return new LatentDiffusionTrainer(ldm, loss, data, null, config, dir, Map.of("model", spec.toJson()));
    }

    private static LdmTrainConfig config(long steps) {
        return LdmTrainConfig.builder().steps(steps).batchSize(4).lr(1e-3).warmupSteps(2).gradClip(1.0)
                .accumulate(2).emaDecay(0.99).logEvery(1).checkpointEvery(2).keepLast(2).seed(11).build();
    }

    @Test
    void anInterruptedAndResumedRunEndsWithTheSameWeightsAsAnUninterruptedOne(@TempDir Path tmp) throws IOException {
        Dataset data = ShapesDataset.of(TinyRuns.SIZE, 5).limit(64);
        LatentDiffusionTrainer straight = trainer(data, config(4), tmp.resolve("a"));
        LatentDiffusionTrainer.Result ra = straight.train(QUIET);
        assertEquals(4, ra.step());
        assertTrue(Double.isFinite(ra.lastLoss()), "last loss " + ra.lastLoss());

        LatentDiffusionTrainer first = trainer(data, config(4), tmp.resolve("b"));
        first.train(QUIET, 2);                                     // "killed" after the checkpoint of step 2
        LatentDiffusionTrainer second = trainer(data, config(4), tmp.resolve("b"));
        assertEquals(2L, second.resume(QUIET).orElseThrow());
        second.train(QUIET);

        Map<String, Tensor> a = straight.model().stateDict();
        Map<String, Tensor> b = second.model().stateDict();
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k).toDoubleArray(), b.get(k).toDoubleArray(), 0.0, k);
        }
        Map<String, Tensor> ea = straight.ema().state();
        Map<String, Tensor> eb = second.ema().state();
        for (String k : ea.keySet()) {
            assertArrayEquals(ea.get(k).toDoubleArray(), eb.get(k).toDoubleArray(), 0.0, "ema " + k);
        }
        // the run directory: two checkpoints kept, metrics for steps 1..4 once each, a loss curve
        List<Path> ckpts;
        try (var s = Files.list(tmp.resolve("b").resolve(RunDirectory.CHECKPOINTS))) {
            ckpts = s.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList();
        }
        assertEquals(2, ckpts.size(), ckpts.toString());
        List<MetricsLog.Entry> m = MetricsLog.read(tmp.resolve("b").resolve(MetricsLog.FILE_NAME));
        assertEquals(List.of(1L, 2L, 3L, 4L), m.stream().map(MetricsLog.Entry::step).toList());
        assertTrue(Files.size(tmp.resolve("b").resolve("loss.png")) > 0);
    }

    @Test
    void aCheckpointRebuildsTheModelAndSamplesFromIt(@TempDir Path tmp) throws IOException {
        Dataset data = ShapesDataset.of(TinyRuns.SIZE, 5).limit(64);
        LatentDiffusionTrainer t = trainer(data, LdmTrainConfig.builder().steps(2).batchSize(4).sampleEvery(2)
                .sampleSteps(3).checkpointEvery(2).seed(3).build(), tmp);
        LatentDiffusionTrainer.Result r = t.train(QUIET);
        assertTrue(Files.size(tmp.resolve("samples").resolve("step-000000002.png")) > 0);
        LatentDiffusion back = LdmSpec.load(r.lastCheckpoint(), false);
        assertEquals(t.model().scaleFactor(), back.scaleFactor(), 0.0);
        Map<String, Tensor> a = t.model().stateDict();
        back.stateDict().forEach((k, v) -> assertArrayEquals(a.get(k).toDoubleArray(), v.toDoubleArray(), 0.0, k));
        Tensor img = LatentDiffusionTrainer.sample(back, 16, 16, org.ldm4j.training.models.Conditions.classes(0, 1), 3,
                2.0, 9);
        assertArrayEquals(new long[] {2, 3, 16, 16}, img.shape());
        Tensor again = LatentDiffusionTrainer.sample(back, 16, 16, org.ldm4j.training.models.Conditions.classes(0, 1),
                3, 2.0, 9);
        assertArrayEquals(img.toDoubleArray(), again.toDoubleArray(), 0.0, "same seed, same image");
    }

    @Test
    void aStepWithANonFiniteLossIsReportedAndSkippedWithoutTouchingTheWeights(@TempDir Path tmp) {
        Dataset poisoned = new NanDataset(ShapesDataset.of(TinyRuns.SIZE, 5).limit(8));
        LatentDiffusionTrainer t = trainer(poisoned, LdmTrainConfig.builder().steps(2).batchSize(2).scaleFactor(1.0)
                .seed(1).build(), tmp);
        Map<String, double[]> before = snapshot(t.model().stateDict());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LatentDiffusionTrainer.Result r = t.train(new PrintStream(out, true, StandardCharsets.UTF_8));
        assertEquals(2, r.skippedSteps());
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("step skipped"), out.toString(StandardCharsets.UTF_8));
        Map<String, double[]> after = snapshot(t.model().stateDict());
        before.forEach((k, v) -> assertArrayEquals(v, after.get(k), 0.0, k));
        assertFalse(Double.isFinite(r.lastLoss()));
    }

    private static Map<String, double[]> snapshot(Map<String, Tensor> m) {
        Map<String, double[]> out = new java.util.LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, v.toDoubleArray()));
        return out;
    }

    /** A dataset whose images hold a NaN. */
    private record NanDataset(Dataset inner) implements Dataset {
        @Override
        public Example get(long index) {
            Example e = inner.get(index);
            float[] p = e.pixels();
            Arrays.fill(p, 0, 5, Float.NaN);
            return new Example(p, e.height(), e.width(), e.label(), e.caption(), e.layout());
        }

        @Override
        public long size() {
            return inner.size();
        }

        @Override
        public int height() {
            return inner.height();
        }

        @Override
        public int width() {
            return inner.width();
        }

        @Override
        public int numClasses() {
            return inner.numClasses();
        }

        @Override
        public String className(int label) {
            return inner.className(label);
        }
    }
}
