package org.ldm4j.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.DiffusionLossConfig.LossType;

/** DiffusionLoss against hand computations of the reference's {@code p_losses}. */
class DiffusionLossTest {
    private static final NoiseSchedule SCHED = NoiseSchedule.linear(10, 1e-2, 0.3);
    private static final long[] T = {3, 7, 3, 0};
    private static final double[] D = {0.5, -1.5, 2.0, 0.25};      // per-sample output error

    private static Tensor x0() {
        return new Rng(11).normal(DType.FLOAT64, 4, 2, 3, 3);
    }

    private static Tensor noise() {
        return new Rng(12).normal(DType.FLOAT64, 4, 2, 3, 3);
    }

    /** A denoiser that returns the exact target plus D[b] everywhere in sample b. */
    private static Denoiser offBy(DiffusionProcess p, Tensor x0, Tensor noise, double[] d) {
        Tensor target = p.target(x0, Tensor.of(T, 4), noise);
        return (xt, t, c) -> target.add(Tensor.of(d, 4, 1, 1, 1));
    }

    private static double raw(LossType type, double d) {
        return type == LossType.L1 ? Math.abs(d) : d * d;
    }

    @ParameterizedTest
    @EnumSource(Prediction.class)
    void theExactTargetGivesZeroLoss(Prediction prediction) {
        DiffusionProcess p = new DiffusionProcess(SCHED, prediction);
        for (LossType type : LossType.values()) {
            DiffusionLoss loss = new DiffusionLoss(p, DiffusionLossConfig.reference().withLossType(type));
            DiffusionLoss.Result r = loss.compute(offBy(p, x0(), noise(), new double[4]), x0(), Conditioning.NONE,
                    Tensor.of(T, 4), noise());
            assertEquals(0.0, r.loss().item());
            assertEquals(0.0, r.log().lossSimple());
            assertEquals(0.0, r.log().lossVlb());
        }
        // through the random path, with an oracle that recovers the noise from x_t and the known x0
        Tensor x0 = x0();
        DiffusionProcess fromX0 = new DiffusionProcess(SCHED, Prediction.SAMPLE);
        Denoiser oracle = (xt, t, c) -> p.target(x0, t, fromX0.predictEps(xt, t, x0));
        DiffusionLoss loss = new DiffusionLoss(p, DiffusionLossConfig.reference().withOffsetNoise(0.1));
        DiffusionLoss.Result r = loss.compute(oracle, x0, Conditioning.NONE, new Rng(3));
        assertTrue(r.loss().item() < 1e-25, "loss " + r.loss().item());
    }

    @Test
    void timestepsAreDrawnUniformly() {
        DiffusionLoss loss = new DiffusionLoss(new DiffusionProcess(NoiseSchedule.linear(20, 1e-4, 2e-2),
                Prediction.EPSILON), DiffusionLossConfig.reference());
        long[] t = loss.sampleTimesteps(new Rng(99), 20_000).toLongArray();
        long[] counts = new long[20];
        for (long v : t) {
            counts[(int) v]++;
        }
        double chi2 = 0;
        for (long c : counts) {
            chi2 += (c - 1000.0) * (c - 1000.0) / 1000.0;
        }
        // 19 degrees of freedom: P(chi2 > 50) is about 1e-4
        assertTrue(chi2 < 50, "chi-square " + chi2 + " for counts " + java.util.Arrays.toString(counts));
        for (long c : counts) {
            assertTrue(c > 0);
        }
    }

    @Test
    void theRandomPathDrawsTimestepsThenNoiseThenTheOffset() {
        DiffusionProcess p = new DiffusionProcess(SCHED, Prediction.V);
        DiffusionLoss loss = new DiffusionLoss(p, DiffusionLossConfig.reference().withOffsetNoise(0.3));
        Tensor x0 = x0();
        Denoiser model = (xt, t, c) -> xt.mul(0.5).add(t.to(DType.FLOAT64).reshape(4, 1, 1, 1).mul(0.01));
        DiffusionLoss.Result viaRng = loss.compute(model, x0, Conditioning.NONE, new Rng(21));
        Rng rng = new Rng(21);
        Tensor t = rng.randint(0, 10, 4);
        Tensor noise = rng.normal(DType.FLOAT64, 4, 2, 3, 3).add(rng.normal(DType.FLOAT64, 4, 2, 1, 1).mul(0.3));
        DiffusionLoss.Result explicit = loss.compute(model, x0, Conditioning.NONE, t, noise);
        assertArrayEquals(t.toLongArray(), viaRng.timesteps().toLongArray());
        assertEquals(explicit.loss().item(), viaRng.loss().item(), 0.0);
    }

    @Test
    void offsetNoiseShiftsEachChannel() {
        DiffusionProcess p = new DiffusionProcess(SCHED, Prediction.EPSILON);
        Tensor like = Tensor.zeros(8, 4, 32, 32);
        for (double offset : new double[] {0, 0.5}) {
            DiffusionLoss loss = new DiffusionLoss(p, DiffusionLossConfig.reference().withOffsetNoise(offset));
            Tensor n = loss.sampleNoise(new Rng(5), like);
            assertEquals(DType.FLOAT32, n.dtype());
            double[] means = n.mean(2, 3).toDoubleArray();           // 32 per-(b, c) means
            double var = 0;
            for (double m : means) {
                var += m * m / means.length;
            }
            // Var(mean over 1024 pixels) = 1/1024 + offset^2
            double expected = 1.0 / 1024 + offset * offset;
            assertTrue(var > expected / 3 && var < expected * 3, "offset " + offset + ": variance " + var);
        }
    }

    @ParameterizedTest
    @EnumSource(LossType.class)
    void learnedLogvarMatchesAHandComputation(LossType type) {
        DiffusionProcess p = new DiffusionProcess(SCHED, Prediction.EPSILON);
        DiffusionLoss loss = new DiffusionLoss(p, DiffusionLossConfig.reference().withLossType(type)
                .withLearnedLogvar(true, -0.5).withLSimpleWeight(2.0));
        assertEquals(List.of(DiffusionLoss.LOGVAR), List.copyOf(loss.stateDict().keySet()));
        assertArrayEquals(new double[] {-0.5, -0.5, -0.5, -0.5, -0.5, -0.5, -0.5, -0.5, -0.5, -0.5},
                loss.logvar().toDoubleArray(), 1e-7);
        loss.to(DType.FLOAT64);
        double[] lv = {0.1, -0.2, 0.3, -0.4, 0.5, -0.6, 0.7, -0.8, 0.9, -1.0};
        loss.logvar().assign(Tensor.of(lv, 10));
        DiffusionLoss.Result r = loss.compute(offBy(p, x0(), noise(), D), x0(), Conditioning.NONE, Tensor.of(T, 4),
                noise());
        double expected = 0;
        double simple = 0;
        double[] grad = new double[10];
        for (int b = 0; b < 4; b++) {
            double l = raw(type, D[b]);
            int t = (int) T[b];
            simple += l / 4;
            expected += (l / Math.exp(lv[t]) + lv[t]) / 4;
            grad[t] += 2.0 / 4 * (1 - l * Math.exp(-lv[t]));             // d/dlv of 2 * mean(l e^-lv + lv)
        }
        assertEquals(2 * expected, r.loss().item(), 1e-12);
        assertEquals(expected, r.log().lossGamma(), 1e-12);
        assertEquals(simple, r.log().lossSimple(), 1e-12);
        assertEquals(-0.05, r.log().logvarMean(), 1e-12);
        assertEquals(List.of("train/loss_simple", "train/loss_gamma", "logvar", "train/loss_vlb", "train/loss"),
                List.copyOf(r.log().toMap("train").keySet()));
        r.loss().backward();
        assertArrayEquals(grad, loss.logvar().grad().toDoubleArray(), 1e-12);
    }

    @Test
    void aFixedLogvarIsStillApplied() {
        DiffusionProcess p = new DiffusionProcess(SCHED, Prediction.SAMPLE);
        DiffusionLoss loss = new DiffusionLoss(p, DiffusionLossConfig.reference().withLearnedLogvar(false, 0.7));
        assertTrue(loss.stateDict().isEmpty());
        assertTrue(loss.parameters().isEmpty());
        assertNull(loss.logvar());
        DiffusionLoss.Result r = loss.compute(offBy(p, x0(), noise(), D), x0(), Conditioning.NONE, Tensor.of(T, 4),
                noise());
        double expected = 0;
        for (double d : D) {
            expected += (d * d / Math.exp(0.7) + 0.7) / 4;
        }
        assertEquals(expected, r.loss().item(), 1e-12);
        assertEquals(List.of("val/loss_simple", "val/loss_vlb", "val/loss"), List.copyOf(r.log().toMap("val").keySet()));
    }

    @ParameterizedTest
    @EnumSource(Prediction.class)
    void minSnrWeightsMatchAHandComputation(Prediction prediction) {
        double gamma = 5;
        DiffusionProcess p = new DiffusionProcess(SCHED, prediction);
        DiffusionLoss loss = new DiffusionLoss(p, DiffusionLossConfig.reference().withMinSnrGamma(gamma));
        double[] w = loss.snrWeights();
        for (int t = 0; t < 10; t++) {
            double abar = SCHED.alphaCumprod(t);
            double snr = abar / (1 - abar);
            double expected = switch (prediction) {
                case EPSILON -> Math.min(snr, gamma) / snr;
                case V -> Math.min(snr, gamma) / (snr + 1);
                case SAMPLE -> Math.min(snr, gamma);
            };
            assertEquals(expected, w[t], 1e-12 * expected, "t=" + t);
        }
        assertTrue(SCHED.snr(0) > gamma && SCHED.snr(9) < gamma, "the test schedule crosses gamma");
        DiffusionLoss.Result r = loss.compute(offBy(p, x0(), noise(), D), x0(), Conditioning.NONE, Tensor.of(T, 4),
                noise());
        double expected = 0;
        double simple = 0;
        for (int b = 0; b < 4; b++) {
            expected += w[(int) T[b]] * D[b] * D[b] / 4;
            simple += D[b] * D[b] / 4;
        }
        assertEquals(expected, r.loss().item(), 1e-12);
        assertEquals(simple, r.log().lossSimple(), 1e-12, "loss_simple is logged unweighted");
    }

    @Test
    void minSnrAtZeroTerminalSnrIsFinite() {
        NoiseSchedule z = SCHED.rescaledToZeroTerminalSnr();
        assertEquals(1.0, DiffusionLoss.minSnrWeight(Prediction.EPSILON, z.snr(9), 5));
        assertEquals(0.0, DiffusionLoss.minSnrWeight(Prediction.V, z.snr(9), 5));
        assertEquals(0.0, DiffusionLoss.minSnrWeight(Prediction.SAMPLE, z.snr(9), 5));
        assertEquals(5.0 / 20, DiffusionLoss.minSnrWeight(Prediction.EPSILON, 20, 5));
        assertEquals(5.0 / 21, DiffusionLoss.minSnrWeight(Prediction.V, 20, 5));
        assertEquals(0.5 / 1.5, DiffusionLoss.minSnrWeight(Prediction.V, 0.5, 5));
        assertThrows(IllegalArgumentException.class, () -> DiffusionLoss.minSnrWeight(Prediction.V, 1, 0));
    }

    @Test
    void vlbWeightsAndTermMatchAHandComputation() {
        double[] betas = SCHED.betas();
        double[] eps = DiffusionLoss.lvlbWeights(SCHED, Prediction.EPSILON);
        double[] x0w = DiffusionLoss.lvlbWeights(SCHED, Prediction.SAMPLE);
        double abarPrev = 1;
        for (int t = 0; t < 10; t++) {
            double abar = abarPrev * (1 - betas[t]);
            if (t > 0) {
                double postVar = betas[t] * (1 - abarPrev) / (1 - abar);
                assertEquals(betas[t] * betas[t] / (2 * postVar * (1 - betas[t]) * (1 - abar)), eps[t], 1e-12 * eps[t]);
                assertEquals(0.5 * Math.sqrt(abar) / (2 - abar), x0w[t], 1e-15);
            }
            abarPrev = abar;
        }
        assertEquals(eps[1], eps[0]);
        assertEquals(x0w[1], x0w[0]);
        assertArrayEquals(new double[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
                DiffusionLoss.lvlbWeights(SCHED, Prediction.V), 0.0);

        DiffusionProcess p = new DiffusionProcess(SCHED, Prediction.EPSILON);
        DiffusionLoss loss = new DiffusionLoss(p, DiffusionLossConfig.reference().withOriginalElboWeight(0.3));
        DiffusionLoss.Result r = loss.compute(offBy(p, x0(), noise(), D), x0(), Conditioning.NONE, Tensor.of(T, 4),
                noise());
        double simple = 0;
        double vlb = 0;
        for (int b = 0; b < 4; b++) {
            simple += D[b] * D[b] / 4;
            vlb += eps[(int) T[b]] * D[b] * D[b] / 4;
        }
        assertEquals(vlb, r.log().lossVlb(), 1e-12);
        assertEquals(simple + 0.3 * vlb, r.loss().item(), 1e-12);
        assertEquals(r.loss().item(), r.log().loss(), 0.0);
        // without the ELBO weight the term is logged but not added
        DiffusionLoss plain = new DiffusionLoss(p, DiffusionLossConfig.reference());
        DiffusionLoss.Result r0 = plain.compute(offBy(p, x0(), noise(), D), x0(), Conditioning.NONE, Tensor.of(T, 4),
                noise());
        assertEquals(vlb, r0.log().lossVlb(), 1e-12);
        assertEquals(simple, r0.loss().item(), 1e-12);
    }

    @Test
    void argumentsAreCheckedWithClearErrors() {
        DiffusionProcess p = new DiffusionProcess(SCHED, Prediction.EPSILON);
        DiffusionLoss loss = new DiffusionLoss(p, DiffusionLossConfig.reference());
        Tensor x0 = x0();
        String m = assertThrows(IllegalArgumentException.class, () -> loss.compute((xt, t, c) -> xt.slice(1, 0, 1),
                x0, Conditioning.NONE, new Rng(1))).getMessage();
        assertTrue(m.startsWith("model output: expected [4, 2, 3, 3] FLOAT64"), m);
        m = assertThrows(IllegalArgumentException.class, () -> loss.compute((xt, t, c) -> xt, x0,
                Conditioning.ofContext(Tensor.zeros(3, 5, 8)), new Rng(1))).getMessage();
        assertEquals("cond: expected conditioning for a batch of 4, got 3", m);
        m = assertThrows(IllegalArgumentException.class, () -> loss.compute((xt, t, c) -> xt, Tensor.zeros(4),
                Conditioning.NONE, new Rng(1))).getMessage();
        assertTrue(m.startsWith("x0: expected a batch [B, C, ...] of rank at least 2"), m);
        m = assertThrows(IllegalArgumentException.class, () -> loss.compute((xt, t, c) -> xt, x0, Conditioning.NONE,
                Tensor.of(new long[] {1, 2, 3, 10}, 4), noise())).getMessage();
        assertEquals("t: expected timesteps in [0, 10), got 10 at index 3", m);
        m = assertThrows(IllegalArgumentException.class,
                () -> DiffusionLossConfig.reference().withOriginalElboWeight(-1)).getMessage();
        assertEquals("originalElboWeight: expected a finite value >= 0, got -1.0", m);
        m = assertThrows(IllegalArgumentException.class,
                () -> DiffusionLossConfig.reference().withLearnedLogvar(true, Double.NaN)).getMessage();
        assertTrue(m.startsWith("logvarInit:"), m);
        m = assertThrows(IllegalArgumentException.class, () -> new DiffusionLoss(new DiffusionProcess(
                SCHED.rescaledToZeroTerminalSnr(), Prediction.EPSILON),
                DiffusionLossConfig.reference().withOriginalElboWeight(1))).getMessage();
        assertTrue(m.startsWith("originalElboWeight: the VLB weight of EPSILON is Infinity at t=9"), m);
        // the model sees float32 timesteps
        loss.compute((xt, t, c) -> {
            assertEquals(DType.FLOAT32, t.dtype());
            assertArrayEquals(new long[] {4}, t.shape());
            return xt;
        }, x0, Conditioning.NONE, new Rng(2));
    }

    @Test
    void referenceDefaults() {
        DiffusionLossConfig c = DiffusionLossConfig.reference();
        assertEquals(LossType.L2, c.lossType());
        assertEquals(1.0, c.lSimpleWeight());
        assertEquals(0.0, c.originalElboWeight());
        assertEquals(false, c.learnLogvar());
        assertEquals(0.0, c.logvarInit());
        assertEquals(false, c.usesMinSnr());
        assertEquals(0.0, c.offsetNoise());
    }
}
