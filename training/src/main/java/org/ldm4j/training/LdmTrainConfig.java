package org.ldm4j.training;

/**
 * How {@link LatentDiffusionTrainer} trains: the optimisation (AdamW, warm-up, clipping, accumulation), the EMA,
 * condition dropout, the latent scale, and when it logs, samples and checkpoints. The defaults follow the
 * reference's LDM configs where they have one (EMA 0.9999 with warm-up, AdamW betas 0.9/0.999 and weight decay
 * 0.01 as torch's default, condition dropout 0.1 as its classifier-free-guidance models).
 *
 * <pre>{@code
 * LdmTrainConfig c = LdmTrainConfig.builder().steps(2_000).batchSize(32).lr(2e-4).warmupSteps(100)
 *         .sampleEvery(500).checkpointEvery(250).build();
 * }</pre>
 *
 * @param steps           optimizer steps of the whole run
 * @param batchSize       examples per micro-batch
 * @param accumulate      micro-batches per optimizer step (gradient accumulation)
 * @param lr              peak learning rate
 * @param warmupSteps     linear warm-up steps (0: none)
 * @param weightDecay     AdamW's decoupled weight decay
 * @param gradClip        global gradient-norm limit (0: no clipping)
 * @param emaDecay        EMA decay (0: no EMA)
 * @param condDropout     probability of replacing a condition by the unconditional one (0 for no guidance)
 * @param scaleFactor     the latent scale; NaN computes 1 / std of the first batch's latents (the paper's)
 * @param logEvery        steps between metric records
 * @param sampleEvery     steps between sample grids (0: none)
 * @param sampleSteps     DDIM steps of the sample grids
 * @param guidance        classifier-free guidance scale of the sample grids
 * @param checkpointEvery steps between checkpoints (0: only at the end)
 * @param keepLast        checkpoints kept
 * @param seed            the seed of every random stream of the run
 */
public record LdmTrainConfig(long steps, int batchSize, int accumulate, double lr, long warmupSteps,
        double weightDecay, double gradClip, double emaDecay, double condDropout, double scaleFactor, long logEvery,
        long sampleEvery, int sampleSteps, double guidance, long checkpointEvery, int keepLast, long seed) {

    public LdmTrainConfig {
        positive("steps", steps);
        positive("batchSize", batchSize);
        positive("accumulate", accumulate);
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("lr: expected a positive learning rate, got " + lr);
        }
        nonNegative("warmupSteps", warmupSteps);
        nonNegative("weightDecay", weightDecay);
        nonNegative("gradClip", gradClip);
        if (!(emaDecay >= 0 && emaDecay < 1)) {
            throw new IllegalArgumentException("emaDecay: expected a decay in [0, 1), got " + emaDecay);
        }
        if (!(condDropout >= 0 && condDropout <= 1)) {
            throw new IllegalArgumentException("condDropout: expected a probability in [0, 1], got " + condDropout);
        }
        if (!Double.isNaN(scaleFactor) && (!(scaleFactor > 0) || Double.isInfinite(scaleFactor))) {
            throw new IllegalArgumentException("scaleFactor: expected a finite positive scale or NaN (from the data), "
                    + "got " + scaleFactor);
        }
        positive("logEvery", logEvery);
        nonNegative("sampleEvery", sampleEvery);
        positive("sampleSteps", sampleSteps);
        if (!(guidance >= 1) || Double.isInfinite(guidance)) {
            throw new IllegalArgumentException("guidance: expected a scale >= 1 (1: no guidance), got " + guidance);
        }
        nonNegative("checkpointEvery", checkpointEvery);
        positive("keepLast", keepLast);
    }

    private static void positive(String name, double v) {
        if (!(v >= 1)) {
            throw new IllegalArgumentException(name + ": expected a positive number, got " + v);
        }
    }

    private static void nonNegative(String name, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(name + ": expected a non-negative number, got " + v);
        }
    }

    /** Micro-batch size times accumulation: the examples behind one optimizer step. */
    public long globalBatch() {
        return (long) batchSize * accumulate;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().steps(steps).batchSize(batchSize).accumulate(accumulate).lr(lr).warmupSteps(warmupSteps)
                .weightDecay(weightDecay).gradClip(gradClip).emaDecay(emaDecay).condDropout(condDropout)
                .scaleFactor(scaleFactor).logEvery(logEvery).sampleEvery(sampleEvery).sampleSteps(sampleSteps)
                .guidance(guidance).checkpointEvery(checkpointEvery).keepLast(keepLast).seed(seed);
    }

    /** The settings, with defaults for a small run. */
    public static final class Builder {
        private long steps = 1000;
        private int batchSize = 16;
        private int accumulate = 1;
        private double lr = 1e-4;
        private long warmupSteps;
        private double weightDecay = 0.01;
        private double gradClip;
        private double emaDecay = 0.9999;
        private double condDropout = 0.1;
        private double scaleFactor = Double.NaN;
        private long logEvery = 10;
        private long sampleEvery;
        private int sampleSteps = 50;
        private double guidance = 3.0;
        private long checkpointEvery;
        private int keepLast = 3;
        private long seed;

        public Builder steps(long v) {
            steps = v;
            return this;
        }

        public Builder batchSize(int v) {
            batchSize = v;
            return this;
        }

        public Builder accumulate(int v) {
            accumulate = v;
            return this;
        }

        public Builder lr(double v) {
            lr = v;
            return this;
        }

        public Builder warmupSteps(long v) {
            warmupSteps = v;
            return this;
        }

        public Builder weightDecay(double v) {
            weightDecay = v;
            return this;
        }

        public Builder gradClip(double v) {
            gradClip = v;
            return this;
        }

        public Builder emaDecay(double v) {
            emaDecay = v;
            return this;
        }

        public Builder condDropout(double v) {
            condDropout = v;
            return this;
        }

        public Builder scaleFactor(double v) {
            scaleFactor = v;
            return this;
        }

        public Builder logEvery(long v) {
            logEvery = v;
            return this;
        }

        public Builder sampleEvery(long v) {
            sampleEvery = v;
            return this;
        }

        public Builder sampleSteps(int v) {
            sampleSteps = v;
            return this;
        }

        public Builder guidance(double v) {
            guidance = v;
            return this;
        }

        public Builder checkpointEvery(long v) {
            checkpointEvery = v;
            return this;
        }

        public Builder keepLast(int v) {
            keepLast = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        public LdmTrainConfig build() {
            return new LdmTrainConfig(steps, batchSize, accumulate, lr, warmupSteps, weightDecay, gradClip, emaDecay,
                    condDropout, scaleFactor, logEvery, sampleEvery, sampleSteps, guidance, checkpointEvery,
                    keepLast, seed);
        }
    }
}
