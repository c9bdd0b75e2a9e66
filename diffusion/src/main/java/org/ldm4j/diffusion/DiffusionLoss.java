package org.ldm4j.diffusion;

import java.util.LinkedHashMap;
import java.util.Map;
import org.ldm4j.core.autograd.Indexing;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * The training objective of the diffusion model: the reference's {@code LatentDiffusion.p_losses} with the
 * timestep and noise draws of {@code DDPM.forward}, plus min-SNR-gamma weighting and offset noise as options
 * ({@link DiffusionLossConfig}).
 *
 * <p>For a batch x_0 [B, C, ...]: {@code t ~ U{0..T-1}} and {@code eps ~ N(0, I)} per sample, x_t = q_sample, and
 * with the model output {@code o = model(x_t, t, cond)} and the {@link Prediction}'s target (eps, x_0 or v):
 * <pre>
 *   loss_simple_b = mean_{C,H,W} l(o, target)                   (l = |.| or (.)^2)
 *   loss_gamma_b  = w_b loss_simple_b / exp(logvar_t) + logvar_t  (w_b: min-SNR weight, else 1)
 *   loss_vlb      = mean_b(lvlb_weights_t loss_simple_b)
 *   loss          = l_simple_weight mean_b(loss_gamma_b) + original_elbo_weight loss_vlb
 * </pre>
 * As in the reference, {@code logvar} [T] is applied even when it is not learned (a constant, 0 by default, then
 * a no-op); when learned it is this module's parameter {@code "logvar"} (the reference's key), so it belongs in the
 * optimizer and the checkpoint.
 *
 * <pre>{@code
 * DiffusionProcess process = new DiffusionProcess(NoiseSchedule.linear(1000, 0.0015, 0.0195), Prediction.EPSILON);
 * DiffusionLoss objective = new DiffusionLoss(process, DiffusionLossConfig.reference());
 * DiffusionLoss.Result r = objective.compute(unet, latents, Conditioning.ofContext(ctx), rng);
 * r.loss().backward();
 * logger.log(r.log().toMap("train"));               // train/loss_simple, train/loss_vlb, train/loss
 * }</pre>
 */
public final class DiffusionLoss extends Module {
    /** The reference's key of the learned log-variance. */
    public static final String LOGVAR = "logvar";

    /**
     * One step's loss (a scalar in the data's dtype, with its graph), the int64 timesteps [B] it used, and the
     * values to log.
     *
     * <pre>{@code
     * DiffusionLoss.Result r = objective.compute(model, x0, cond, rng);
     * double simple = r.log().lossSimple();
     * }</pre>
     */
    public record Result(Tensor loss, Tensor timesteps, Log log) {
    }

    /**
     * The logged values of the reference's {@code loss_dict}: the batch means of the raw simple loss, of the
     * log-variance-weighted loss ({@code loss_gamma}), the VLB term, the total, and the mean of the whole
     * log-variance vector.
     *
     * <pre>{@code
     * Map<String, Double> m = log.toMap("val");     // val/loss_simple, val/loss_vlb, val/loss (+ loss_gamma, logvar)
     * }</pre>
     */
    public record Log(double lossSimple, double lossGamma, double lossVlb, double loss, double logvarMean,
                      boolean learnedLogvar) {
        /** The reference's keys: {@code <prefix>/loss_simple}, {@code /loss_vlb}, {@code /loss}; with a learned
         *  log-variance also {@code <prefix>/loss_gamma} and {@code logvar}. */
        public Map<String, Double> toMap(String prefix) {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put(prefix + "/loss_simple", lossSimple);
            if (learnedLogvar) {
                m.put(prefix + "/loss_gamma", lossGamma);
                m.put("logvar", logvarMean);
            }
            m.put(prefix + "/loss_vlb", lossVlb);
            m.put(prefix + "/loss", loss);
            return m;
        }
    }

    private final DiffusionProcess process;
    private final DiffusionLossConfig config;
    private final double[] lvlbWeights;
    private final double[] snrWeights;

    public DiffusionLoss(DiffusionProcess process, DiffusionLossConfig config) {
        if (process == null || config == null) {
            throw new IllegalArgumentException("DiffusionLoss: expected a process and a config, got " + process
                    + " and " + config);
        }
        this.process = process;
        this.config = config;
        this.lvlbWeights = lvlbWeights(process.schedule(), process.prediction());
        if (config.originalElboWeight() > 0) {
            for (int t = 0; t < lvlbWeights.length; t++) {
                if (!Double.isFinite(lvlbWeights[t])) {
                    throw new IllegalArgumentException("originalElboWeight: the VLB weight of " + process.prediction()
                            + " is " + lvlbWeights[t] + " at t=" + t + " for " + process.schedule() + "; use "
                            + "originalElboWeight 0 (the reference's default) or another prediction");
                }
            }
        }
        int n = process.numTimesteps();
        this.snrWeights = new double[n];
        for (int t = 0; t < n; t++) {
            snrWeights[t] = config.usesMinSnr()
                    ? minSnrWeight(process.prediction(), process.schedule().snr(t), config.minSnrGamma()) : 1.0;
        }
        if (config.learnLogvar()) {
            registerParameter(LOGVAR, Tensor.full(DType.FLOAT32, config.logvarInit(), n));
        }
    }

    public DiffusionProcess process() {
        return process;
    }

    public DiffusionLossConfig config() {
        return config;
    }

    /** The learned log-variance parameter [T], or null when it is not learned. */
    public Tensor logvar() {
        return config.learnLogvar() ? parameter(LOGVAR) : null;
    }

    /** The VLB weights [T] of this loss (see {@link #lvlbWeights(NoiseSchedule, Prediction)}). */
    public double[] lvlbWeights() {
        return lvlbWeights.clone();
    }

    /** The per-timestep min-SNR weights [T] in use (all 1 when min-SNR weighting is off). */
    public double[] snrWeights() {
        return snrWeights.clone();
    }

    // ---------------------------------------------------------------- weights

    /**
     * The reference's {@code lvlb_weights} (computed in double here; the reference uses its float32 buffers):
     * EPSILON {@code beta_t^2 / (2 sigma_t^2 alpha_t (1 - abar_t))} with sigma_t^2 the posterior variance; SAMPLE
     * {@code 0.5 sqrt(abar_t) / (2*1 - abar_t)}, exactly as the reference writes it (the VLB would have
     * {@code 2 (1 - abar_t)}); V all ones (Stability AI's v-parameterised {@code ddpm.py}). In every case
     * {@code w[0] = w[1]}, because the posterior variance at t = 0 is 0.
     */
    public static double[] lvlbWeights(NoiseSchedule s, Prediction prediction) {
        int n = s.length();
        double[] w = new double[n];
        for (int t = 0; t < n; t++) {
            double abar = s.alphaCumprod(t);
            switch (prediction) {
                case EPSILON:
                    double beta = s.beta(t);
                    w[t] = beta * beta / (2 * s.posteriorVariance(t) * (1 - beta) * (1 - abar));
                    break;
                case SAMPLE:
                    w[t] = 0.5 * Math.sqrt(abar) / (2. * 1 - abar);
                    break;
                default:
                    w[t] = 1.0;
            }
        }
        if (n > 1) {
            w[0] = w[1];
        }
        return w;
    }

    /**
     * Min-SNR-gamma weight (Hang et al. 2023, "Efficient Diffusion Training via Min-SNR Weighting Strategy") of a
     * loss on the {@code prediction} target at signal-to-noise ratio {@code snr}: EPSILON
     * {@code min(snr, gamma) / snr}, V {@code min(snr, gamma) / (snr + 1)}, SAMPLE {@code min(snr, gamma)}. The
     * EPSILON weight is 1 for {@code snr <= gamma}, including snr = 0.
     */
    public static double minSnrWeight(Prediction prediction, double snr, double gamma) {
        if (!(gamma > 0) || !(snr >= 0)) {
            throw new IllegalArgumentException("minSnrWeight: expected gamma > 0 and snr >= 0, got gamma " + gamma
                    + ", snr " + snr);
        }
        double clipped = Math.min(snr, gamma);
        switch (prediction) {
            case EPSILON:
                return snr <= gamma ? 1.0 : gamma / snr;
            case V:
                return clipped / (snr + 1);
            default:
                return clipped;
        }
    }

    // ---------------------------------------------------------------- sampling

    /** {@code t ~ U{0..T-1}}, one int64 timestep per sample (the reference's {@code torch.randint}). */
    public Tensor sampleTimesteps(Rng rng, long batch) {
        if (rng == null || batch < 1) {
            throw new IllegalArgumentException("sampleTimesteps: expected an Rng and a batch >= 1, got " + rng + " and "
                    + batch);
        }
        return rng.randint(0, process.numTimesteps(), batch);
    }

    /**
     * Standard normal noise of {@code like}'s shape and dtype, plus, with offset noise on, {@code offset * N(0, 1)}
     * drawn per [B, C, 1, ...] (after the main noise, from the same stream).
     */
    public Tensor sampleNoise(Rng rng, Tensor like) {
        checkBatch(like);
        Tensor noise = rng.normal(like.dtype(), like.shape());
        if (config.offsetNoise() > 0) {
            long[] s = new long[like.rank()];
            java.util.Arrays.fill(s, 1);
            s[0] = like.size(0);
            s[1] = like.size(1);
            noise = noise.add(rng.normal(like.dtype(), s).mul(config.offsetNoise()));
        }
        return noise;
    }

    // ---------------------------------------------------------------- the loss

    /**
     * The loss of {@code model} on the batch {@code x0} [B, C, ...]: draws the timesteps ({@link #sampleTimesteps})
     * and then the noise ({@link #sampleNoise}) from {@code rng}, in that order, and continues as
     * {@link #compute(Denoiser, Tensor, Conditioning, Tensor, Tensor)}.
     */
    public Result compute(Denoiser model, Tensor x0, Conditioning cond, Rng rng) {
        checkBatch(x0);
        if (rng == null) {
            throw new IllegalArgumentException("rng: expected a random stream, got null");
        }
        Tensor t = sampleTimesteps(rng, x0.size(0));
        Tensor noise = sampleNoise(rng, x0);
        return compute(model, x0, cond, t, noise);
    }

    /**
     * The loss at the given timesteps {@code t} [B] and {@code noise} (x0's shape and dtype): the reference's
     * {@code p_losses(x_start, cond, t, noise)}. The model sees x_t, the timesteps as float32 [B], and {@code cond}.
     */
    public Result compute(Denoiser model, Tensor x0, Conditioning cond, Tensor t, Tensor noise) {
        checkBatch(x0);
        if (model == null) {
            throw new IllegalArgumentException("model: expected a Denoiser, got null");
        }
        Conditioning c = cond == null ? Conditioning.NONE : cond;
        long b = x0.size(0);
        long cb = c.batchSize();
        if (cb >= 0 && cb != b) {
            throw new IllegalArgumentException("cond: expected conditioning for a batch of " + b + ", got " + cb);
        }
        long[] ts = process.timesteps(t, x0);
        Tensor xt = process.qSample(x0, t, noise);
        Tensor output = model.apply(xt, Timesteps.asFloat(ts), c);
        if (output == null || !Shapes.equal(output.shape(), x0.shape()) || output.dtype() != x0.dtype()) {
            throw new IllegalArgumentException("model output: expected " + Shapes.str(x0.shape()) + " " + x0.dtype()
                    + " (x_t's shape and dtype), got " + (output == null ? "null"
                    : Shapes.str(output.shape()) + " " + output.dtype()));
        }
        Tensor target = process.target(x0, t, noise);

        Tensor diff = target.sub(output);
        Tensor perElement = config.lossType() == DiffusionLossConfig.LossType.L1 ? diff.abs() : diff.square();
        int[] axes = new int[x0.rank() - 1];
        for (int i = 0; i < axes.length; i++) {
            axes[i] = i + 1;
        }
        Tensor simple = perElement.mean(axes);                                 // (B)

        Tensor weighted = config.usesMinSnr() ? simple.mul(perSample(snrWeights, ts, x0)) : simple;
        Tensor logvarT = logvarAt(ts, x0);                                    // (B)
        Tensor gamma = weighted.div(logvarT.exp()).add(logvarT);
        Tensor loss = gamma.mean().mul(config.lSimpleWeight());

        boolean elbo = config.originalElboWeight() > 0;
        Tensor vlb = (elbo ? simple : simple.detach()).mul(perSample(lvlbWeights, ts, x0)).mean();
        if (elbo) {
            loss = loss.add(vlb.mul(config.originalElboWeight()));
        }
        Log log = new Log(mean(simple), mean(gamma), vlb.item(), loss.item(), logvarMean(), config.learnLogvar());
        return new Result(loss, Tensor.of(ts, ts.length), log);
    }

    // ---------------------------------------------------------------- helpers

    /** logvar[t] per sample, (B): a gather from the parameter (with its gradient), or the constant init. */
    private Tensor logvarAt(long[] ts, Tensor like) {
        if (!config.learnLogvar()) {
            return Tensor.full(like.dtype(), config.logvarInit(), ts.length);
        }
        Tensor lv = parameter(LOGVAR);
        Tensor rows = Indexing.embedding(lv.reshape(lv.size(0), 1), Tensor.of(ts, ts.length));   // (B, 1)
        Tensor g = rows.reshape(ts.length);
        return g.dtype() == like.dtype() ? g : g.to(like.dtype());
    }

    private static Tensor perSample(double[] table, long[] ts, Tensor like) {
        double[] v = new double[ts.length];
        for (int i = 0; i < ts.length; i++) {
            v[i] = table[(int) ts[i]];
        }
        return Tensor.of(v, ts.length).to(like.dtype());
    }

    private double logvarMean() {
        if (!config.learnLogvar()) {
            return config.logvarInit();
        }
        double[] v = parameter(LOGVAR).toDoubleArray();
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static double mean(Tensor perSample) {
        double[] v = perSample.toDoubleArray();
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static void checkBatch(Tensor x0) {
        if (x0 == null) {
            throw new IllegalArgumentException("x0: expected a batch [B, C, ...], got null");
        }
        if (x0.rank() < 2) {
            throw new IllegalArgumentException("x0: expected a batch [B, C, ...] of rank at least 2, got "
                    + Shapes.str(x0.shape()));
        }
        Shapes.checkFloating("x0", x0);
    }

    @Override
    protected String extraRepr() {
        return process.prediction() + ", T=" + process.numTimesteps() + ", " + config;
    }
}
