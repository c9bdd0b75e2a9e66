package org.ldm4j.training;

/**
 * How {@link AutoencoderTrainer} trains: the two optimizers' settings (the reference's Adam betas 0.5 / 0.9 for
 * both the autoencoder and the discriminator), the batch, and when it logs, writes reconstructions and
 * checkpoints. The loss's own settings (KL weight, LPIPS weight, discriminator start) live in the loss config.
 *
 * <pre>{@code
 * AeTrainConfig c = new AeTrainConfig(2_000, 16, 1e-3, 0.0, 10, 250, 500, 3, 7);
 * }</pre>
 *
 * @param steps           training steps (each one generator step, and a discriminator step once it is on)
 * @param batchSize       images per step
 * @param lr              learning rate of both optimizers
 * @param weightDecay     AdamW's decoupled weight decay (0: the reference's Adam)
 * @param logEvery        steps between metric records
 * @param imageEvery      steps between reconstruction grids (0: only at the end)
 * @param checkpointEvery steps between checkpoints (0: only at the end)
 * @param keepLast        checkpoints kept
 * @param seed            the seed of every random stream of the run
 */
public record AeTrainConfig(long steps, int batchSize, double lr, double weightDecay, long logEvery, long imageEvery,
        long checkpointEvery, int keepLast, long seed) {

    /** The reference's betas of both optimizers. */
    public static final double BETA1 = 0.5;
    /** The reference's betas of both optimizers. */
    public static final double BETA2 = 0.9;

    public AeTrainConfig {
        if (steps < 1) {
            throw new IllegalArgumentException("steps: expected a positive number of steps, got " + steps);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize: expected a positive batch size, got " + batchSize);
        }
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("lr: expected a positive learning rate, got " + lr);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weightDecay: expected a non-negative number, got " + weightDecay);
        }
        if (logEvery < 1) {
            throw new IllegalArgumentException("logEvery: expected a positive number of steps, got " + logEvery);
        }
        if (imageEvery < 0 || checkpointEvery < 0) {
            throw new IllegalArgumentException("imageEvery, checkpointEvery: expected non-negative numbers of steps, got "
                    + imageEvery + ", " + checkpointEvery);
        }
        if (keepLast < 1) {
            throw new IllegalArgumentException("keepLast: expected at least one checkpoint kept, got " + keepLast);
        }
    }

    /** A copy that trains {@code n} steps. */
    public AeTrainConfig withSteps(long n) {
        return new AeTrainConfig(n, batchSize, lr, weightDecay, logEvery, imageEvery, checkpointEvery, keepLast, seed);
    }
}
