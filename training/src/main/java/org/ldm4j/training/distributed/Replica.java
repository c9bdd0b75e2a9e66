package org.ldm4j.training.distributed;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import org.ldm4j.core.tensor.Tensor;

/**
 * A copy of the model being trained that adds, for any slice of a step's global batch, the gradient of that
 * slice's share of the loss: {@code sum over the slice of loss_i / globalBatchSize}, so that the sum over any
 * partition of the batch is the gradient of the whole batch's mean loss. Every random draw of example {@code i}
 * (noise, timesteps, condition dropout, posterior samples) comes from a stream forked by the step, the
 * micro-batch and {@code i}'s position in the global batch, never from the slice.
 *
 * <p>The driver's trainer is itself a replica (it computes the whole batch in one slice in single-process
 * training); the executors of a Spark run build theirs from a {@link Factory}.
 */
public interface Replica {
    /** The trainable parameters of each optimizer group, in the trainer's group order. */
    List<Map<String, Tensor>> groups();

    /**
     * Adds the gradient of {@code weight * sum_{i in [from, to)} loss_i} over the examples {@code batch[i]} of
     * micro-batch {@code micro} of step {@code step} to every group's parameters ({@code groupsOn[g]} false:
     * group g's loss is not computed and its gradients are not touched), and returns the weighted loss sums.
     * With {@code weight = 1 / (B * K)} for K micro-batches of B examples, the slices of all micro-batches add
     * up to the step's mean loss and its gradient. An empty slice adds nothing and returns zeros.
     */
    Slice accumulate(long step, int micro, long[] batch, int from, int to, double weight, boolean[] groupsOn);

    /**
     * Non-trainable state that forward passes change, e.g. BatchNorm running statistics (empty by default). As
     * PyTorch's DDP with {@code broadcast_buffers}: every step starts from the driver's values, and the driver
     * keeps partition 0's afterwards, so they follow the statistics of the first slice, not of the whole batch.
     */
    default Map<String, Tensor> buffers() {
        return Map.of();
    }

    /** Non-parameter state the driver decides and every replica must share (e.g. the latent scale factor). */
    double[] sharedState();

    /** Takes the driver's {@link #sharedState()}. */
    void setSharedState(double[] state);

    /**
     * A slice's weighted loss sum per group and any logged values (same weighting), additive across slices.
     */
    record Slice(double[] losses, Map<String, Double> log) implements Serializable {
        /** This slice plus {@code o}. */
        public Slice plus(Slice o) {
            double[] l = losses.clone();
            for (int g = 0; g < l.length; g++) {
                l[g] += o.losses[g];
            }
            Map<String, Double> m = new java.util.LinkedHashMap<>(log);
            o.log.forEach((k, v) -> m.merge(k, v, Double::sum));
            return new Slice(l, m);
        }

        /** Nothing, for {@code groups} groups. */
        public static Slice zero(int groups) {
            return new Slice(new double[groups], Map.of());
        }
    }

    /** Builds a replica on an executor (from paths every executor can read: no model travels in it). */
    interface Factory extends Serializable {
        /** A key that differs between runs (replicas are cached per key and partition on an executor). */
        String key();

        Replica create();
    }
}
