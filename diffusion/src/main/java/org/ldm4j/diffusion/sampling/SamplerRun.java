package org.ldm4j.diffusion.sampling;

import java.util.Arrays;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.Conditioning;
import org.ldm4j.diffusion.Denoiser;
import org.ldm4j.diffusion.Prediction;

/**
 * One run of a {@link Sampler}: its model evaluations (timestep and noise level of each), the history a
 * multistep method needs, and the run's latent. A run is used once, in order: {@link #begin} makes the starting
 * latent, then each {@link #step} takes the model output at {@link #timestep()} and returns the next latent.
 * Most samplers evaluate the model once per step; Heun evaluates twice (but not on its last step) and PLMS twice
 * on its first step, so the loop counts evaluations ({@link #position()}, {@link #evaluations()}) and the run
 * counts the steps they complete ({@link #completedSteps()}, {@link #steps()}).
 *
 * <p>{@link #begin} allocates the latent and the history in the {@code MemoryScope} open at that moment, which
 * must outlive the run; each step can run in a scope of its own: {@link #step} copies the new latent into the
 * run's buffer and returns that buffer, so nothing needs keeping.
 *
 * <pre>{@code
 * SamplerRun run = sampler.start(30);
 * Tensor x = run.begin(rng.normal(1, 4, 32, 32));
 * while (!run.isDone()) {
 *     try (MemoryScope scope = MemoryScope.open()) {
 *         x = run.step(denoiser.apply(x, run.timesteps(1), cond), run.position(), x, rng);
 *     }
 * }
 * }</pre>
 */
public abstract class SamplerRun {
    /** The evaluations of a run, built by each sampler: (timestep, abar) per evaluation, and step ends. */
    static final class Plan {
        private double[] t = new double[16];
        private double[] abar = new double[16];
        private boolean[] ends = new boolean[16];
        private double[] after = new double[16];
        private int n;
        private int steps;

        /** A model evaluation at timestep {@code t} on a latent at noise level {@code abar}. */
        Plan eval(double timestep, double alphaCumprod) {
            if (n == t.length) {
                t = Arrays.copyOf(t, 2 * n);
                abar = Arrays.copyOf(abar, 2 * n);
                ends = Arrays.copyOf(ends, 2 * n);
            }
            t[n] = timestep;
            abar[n] = alphaCumprod;
            n++;
            return this;
        }

        /** The last evaluation completes a step; the step's latent sits at noise level {@code abarAfter}. */
        Plan endStep(double abarAfter) {
            ends[n - 1] = true;
            if (steps == after.length) {
                after = Arrays.copyOf(after, 2 * steps);
            }
            after[steps++] = abarAfter;
            return this;
        }
    }

    private final Prediction prediction;
    private final SamplerOptions options;
    private final boolean fromNoise;
    private final double noiseScale;
    private final double[] evalT;
    private final double[] evalAbar;
    private final boolean[] evalEndsStep;
    private final double[] stepEndAbar;

    private int position;
    private int completed;
    private long[] shape;
    private Tensor x;
    private Tensor denoised;

    /**
     * @param fromNoise  whether the run starts at the first step of the full schedule (strength 1): it then
     *                   starts from {@code noiseScale * noise}; otherwise from a latent noised to its first step
     */
    SamplerRun(Prediction prediction, SamplerOptions options, Plan plan, boolean fromNoise, double noiseScale) {
        this.prediction = prediction;
        this.options = options;
        this.fromNoise = fromNoise;
        this.noiseScale = noiseScale;
        this.evalT = Arrays.copyOf(plan.t, plan.n);
        this.evalAbar = Arrays.copyOf(plan.abar, plan.n);
        this.evalEndsStep = Arrays.copyOf(plan.ends, plan.n);
        this.stepEndAbar = Arrays.copyOf(plan.after, plan.steps);
        if (plan.n == 0 || !evalEndsStep[plan.n - 1]) {
            throw new IllegalStateException("a run's plan must end with a completed step");
        }
    }

    // ---------------------------------------------------------------- the subclass's part

    /** Allocates the history buffers (in the scope begin() runs in), shaped like {@code like}. */
    abstract void allocate(Tensor like);

    /**
     * One evaluation's update: the next latent from the model output at evaluation {@code i} on {@code x}; sets
     * {@link #setDenoised}. For an evaluation that does not complete a step it returns where the model is
     * evaluated next.
     */
    abstract Tensor advance(int i, Tensor x, Tensor modelOutput, Rng rng);

    final void setDenoised(Tensor x0) {
        denoised = x0;
    }

    final Prediction prediction() {
        return prediction;
    }

    /** abar of the latent the model sees at evaluation {@code i}. */
    final double alphaCumprod(int i) {
        return evalAbar[i];
    }

    static Rng need(Rng rng, String why) {
        if (rng == null) {
            throw new IllegalArgumentException("rng: expected an Rng because " + why + ", got null (use step(out, i, x, rng))");
        }
        return rng;
    }

    // ---------------------------------------------------------------- the public loop

    /** Steps this run performs ({@code ceil(strength * steps)} of the sampler's schedule). */
    public final int steps() {
        return stepEndAbar.length;
    }

    /** Model evaluations this run performs. */
    public final int evaluations() {
        return evalT.length;
    }

    /** The index of the next model evaluation (the {@code evaluation} argument of the next {@link #step}). */
    public final int position() {
        return position;
    }

    public final int completedSteps() {
        return completed;
    }

    public final boolean isDone() {
        return position == evalT.length;
    }

    public final SamplerOptions options() {
        return options;
    }

    /** The model timestep of the next evaluation (fractional for the sigma-space samplers). */
    public final double timestep() {
        if (isDone()) {
            throw new IllegalStateException("timestep: the run is done; start a new one with sampler.start(...)");
        }
        return evalT[position];
    }

    /** The model timestep of evaluation {@code i}. */
    public final double timestep(int i) {
        if (i < 0 || i >= evalT.length) {
            throw new IllegalArgumentException("i: expected an evaluation in [0, " + evalT.length + "), got " + i);
        }
        return evalT[i];
    }

    /** The next evaluation's timestep for a batch: float32 [batch], as a {@link Denoiser} takes it. */
    public final Tensor timesteps(long batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch: expected a positive batch size, got " + batch);
        }
        return Tensor.full(DType.FLOAT32, (float) timestep(), batch);
    }

    /** The x_0 estimate of the last {@link #step}; freed with the scope that step ran in. */
    public final Tensor denoised() {
        return denoised;
    }

    /** {@link #begin(Tensor, Tensor)} for a full run from {@code noise}. */
    public final Tensor begin(Tensor noise) {
        return begin(noise, null);
    }

    /**
     * The starting latent, which becomes the run's buffer (allocated in the current scope, which must outlive
     * the run). A full run starts from {@code noise} (standard normal, scaled as the sampler needs); an img2img run
     * (strength &lt; 1) from {@code sqrt(abar) latent + sqrt(1 - abar) noise} at its first step. When inpainting,
     * the known region is blended in at the starting noise level with the same noise.
     *
     * @param latent the image latent to noise (strength &lt; 1; defaults to the known latent when inpainting);
     *               ignored by a full run
     */
    public final Tensor begin(Tensor noise, Tensor latent) {
        if (x != null) {
            throw new IllegalStateException("begin: this run has begun; start another with sampler.start(...)");
        }
        if (noise == null) {
            throw new IllegalArgumentException("noise: expected a standard normal tensor [B, C, H, W], got null");
        }
        Shapes.checkFloating("noise", noise);
        long[] s = noise.shape();
        if (latent == null && !fromNoise) {
            latent = options.known();
            if (latent == null) {
                throw new IllegalArgumentException("latent: expected the image latent to noise: a run with strength "
                        + options.strength() + " < 1 starts from it, got null (use begin(noise, latent))");
            }
        }
        if (latent != null) {
            Shapes.checkShape("latent", latent, s);
            Shapes.checkSameDType("latent", latent, noise);
        }
        checkInpainting(noise);
        Tensor start;
        if (fromNoise) {
            start = noise.mul(noiseScale);
        } else {
            // forward process q(x_t | x_0): x_t = sqrt(abar) x_0 + sqrt(1 - abar) eps
            double a = evalAbar[0];
            start = latent.mul(Math.sqrt(a)).add(noise.mul(Math.sqrt(1 - a)));
        }
        if (options.isInpainting()) {
            start = blend(start, evalAbar[0], noise);
        }
        shape = s;
        x = start;
        allocate(x);
        return x;
    }

    private void checkInpainting(Tensor like) {
        if (!options.isInpainting()) {
            return;
        }
        long[] s = like.shape();
        Shapes.checkShape("known", options.known(), s);
        Shapes.checkSameDType("known", options.known(), like);
        Tensor m = options.mask();
        Shapes.checkSameDType("mask", m, like);
        long[] ms = m.shape();
        boolean ok = ms.length == s.length && (ms[0] == s[0] || ms[0] == 1) && ms[1] == 1;
        for (int d = 2; ok && d < s.length; d++) {
            ok = ms[d] == s[d];
        }
        if (!ok) {
            long[] want = s.clone();
            want[1] = 1;
            throw new IllegalArgumentException("mask: expected shape " + Shapes.str(want) + " (batch " + s[0]
                    + " or 1, one channel) for latents " + Shapes.str(s) + ", got " + Shapes.str(ms));
        }
    }

    /** The reference's DDIM inpainting: {@code x = q_sample(known, abar) * mask + (1 - mask) * x}. */
    private Tensor blend(Tensor latent, double abar, Tensor noise) {
        Tensor known = options.known();
        Tensor target = abar >= 1 ? known : known.mul(Math.sqrt(abar)).add(noise.mul(Math.sqrt(1 - abar)));
        Tensor m = options.mask();
        return target.mul(m).add(latent.mul(m.rsub(1)));
    }

    /** {@link #step(Tensor, int, Tensor, Rng)} for deterministic runs (no eta, no ancestral noise, no inpainting). */
    public final Tensor step(Tensor modelOutput, int evaluation, Tensor x) {
        return step(modelOutput, evaluation, x, null);
    }

    /**
     * Advances the run by one model evaluation.
     *
     * @param modelOutput the model's output on {@code x} at {@link #timestep()}, x's shape
     * @param evaluation  the evaluation index, which must equal {@link #position()} (runs go in order)
     * @param x           the latent the model saw (the previous return value, or {@link #begin}'s)
     * @param rng         draws the noise of stochastic steps and of inpainting; may be null for deterministic runs
     * @return the run's latent buffer, now holding the next latent
     */
    public final Tensor step(Tensor modelOutput, int evaluation, Tensor x, Rng rng) {
        if (this.x == null) {
            throw new IllegalStateException("step: call begin(noise) first: it makes the run's latent");
        }
        if (isDone()) {
            throw new IllegalStateException("step: the run is done after " + evalT.length + " evaluations; start a new "
                    + "one with sampler.start(...)");
        }
        if (evaluation != position) {
            throw new IllegalStateException("step: expected evaluation " + position + " (evaluations run in order), got "
                    + evaluation);
        }
        if (x == null || modelOutput == null) {
            throw new IllegalArgumentException((x == null ? "x" : "modelOutput") + ": expected a tensor "
                    + Shapes.str(shape) + ", got null");
        }
        Shapes.checkShape("x", x, shape);
        Shapes.checkShape("modelOutput", modelOutput, shape);
        Shapes.checkSameDType("modelOutput", modelOutput, x);
        Tensor next = advance(evaluation, x, modelOutput, rng);
        if (evalEndsStep[evaluation]) {
            if (options.isInpainting()) {
                double a = stepEndAbar[completed];
                Tensor noise = a >= 1 ? null : need(rng, "inpainting re-noises the known latent").normal(x.dtype(), shape);
                next = blend(next, a, noise);
            }
            completed++;
        }
        position++;
        this.x.assign(next);
        return this.x;
    }

    /**
     * The rest of the loop: evaluates {@code denoiser} at each remaining evaluation and steps, each in its own
     * {@code MemoryScope}, with gradients off. Returns the run's latent buffer holding the final latent.
     *
     * @param x        the latent from {@link #begin} (or the last {@link #step})
     * @param rng      draws the per-step noise (may be null for deterministic runs)
     * @param callback called after each completed step, or null
     */
    @SuppressWarnings("try")   // the scopes act by being open
    public final Tensor sample(Denoiser denoiser, Conditioning cond, Tensor x, Rng rng, ProgressCallback callback) {
        if (denoiser == null) {
            throw new IllegalArgumentException("denoiser: expected a Denoiser, got null");
        }
        if (this.x == null) {
            throw new IllegalStateException("sample: call begin(noise) first: it makes the run's latent");
        }
        Conditioning c = cond == null ? Conditioning.NONE : cond;
        long batch = shape[0];
        Tensor cur = x;
        try (GradMode.Scope g = GradMode.disabled()) {
            while (!isDone()) {
                try (MemoryScope scope = MemoryScope.open()) {
                    Tensor out = denoiser.apply(cur, timesteps(batch), c);
                    int before = completed;
                    cur = step(out, position, cur, rng);
                    if (callback != null && completed > before) {
                        callback.onStep(completed - 1, steps(), denoised);
                    }
                }
            }
        }
        denoised = null;    // it lived in a step's scope
        return cur;
    }
}
