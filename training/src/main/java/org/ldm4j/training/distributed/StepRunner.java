package org.ldm4j.training.distributed;

import java.util.List;
import java.util.Map;

/**
 * Runs a trainer's optimizer steps: computes the gradient of the step's global batch (one or more micro-batches
 * of global example indices) for each {@link TrainGroup}, checks, clips and applies it. The rule is the same
 * everywhere: a non-finite loss or gradient norm of group 0 skips the whole step (nothing changes); another
 * group whose loss or norm is not finite, or that is off this step, is left as it is.
 */
public interface StepRunner extends AutoCloseable {
    /** What one step did, per group. */
    record Outcome(double[] losses, double[] norms, boolean[] applied, Map<String, Double> log) {
        /** Whether group 0 (and so the step) was applied. */
        public boolean stepped() {
            return applied[0];
        }
    }

    /** The driver's groups this runner updates. */
    List<TrainGroup> groups();

    /**
     * Step {@code step} over the micro-batches {@code batches} (global indices), with {@code groupsOn[g]} telling
     * whether group g is trained this step; the learning rates are the driver's optimizers' current ones.
     */
    Outcome step(long step, long[][] batches, boolean[] groupsOn);

    /** Brings the driver's groups (weights, optimizer state, EMA) up to date before they are read or saved. */
    void pull();

    /** Sends the driver's groups and shared state to the replicas, after the driver changed them (a resume). */
    void push();

    /** Releases the replicas (the driver's model stays). */
    @Override
    void close();

    /**
     * Hands a trainer's state over from {@code from} (which pulls it to the driver) to {@code to} (which receives
     * it), and returns {@code to}: what a trainer's {@code setRunner} does.
     */
    static StepRunner handOver(StepRunner from, StepRunner to) {
        if (to == null) {
            throw new IllegalArgumentException("runner: expected a StepRunner, got null");
        }
        if (from != null) {
            from.pull();
        }
        to.push();
        return to;
    }

    /** A short description for logs, e.g. "local" or "spark local[2], 2 partitions, driver reduction". */
    String describe();
}
