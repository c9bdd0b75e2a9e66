package org.ldm4j.training.distributed;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Synchronous data-parallel steps on Apache Spark (RDD API). Every step, partition p of {@code P} computes, on
 * its long-lived replica, the gradient of its contiguous slice of each micro-batch of the global batch with the
 * step's weights; the gradients are summed and one AdamW step (with the driver's clipping, skipping and EMA
 * rules) gives every replica the same new weights. Two reductions:
 * <ul>
 * <li>{@link Reduction#DRIVER}: the driver broadcasts the weights, gathers the summed gradients with
 *     {@code treeReduce} and steps its own optimizer. Cheapest for small models.</li>
 * <li>{@link Reduction#SHARDED}: the flat parameter vector of each group is cut into P pieces; piece p's weights,
 *     AdamW moments and EMA live in partition p of a cached RDD. Gradients travel through the shuffle to the
 *     piece's owner, which steps it; the new pieces travel through the shuffle to every replica. The driver sees
 *     only norms and losses, and the whole state when it {@link #pull()}s it for a checkpoint. It scales better
 *     for large models (above about 16M parameters on the machine we measured).</li>
 * </ul>
 * A failed task is retried by Spark and recomputes exactly what the first attempt would have: replicas take their
 * weights whole for every step and the shard update never changes its input. A lost driver resumes from the last
 * checkpoint (the trainer's {@code resume}, then {@link #push()}).
 */
public final class SparkRunner implements StepRunner {
    /** How gradients are reduced. */
    public enum Reduction {
        DRIVER, SHARDED;

        /**
         * The reduction for {@code parameters} trainable values over {@code partitions}: through the driver (faster
         * in every measurement of BENCHMARKS.md) unless the partial gradient sums the driver would hold at once,
         * about {@code ceil(sqrt(partitions))} float32 copies of the model, exceed a quarter of {@code driverHeap}
         * bytes; then sharded, whose driver only ever holds the model once (at a checkpoint).
         */
        public static Reduction auto(long parameters, int partitions, long driverHeap) {
            long copies = (long) Math.ceil(Math.sqrt(Math.max(1, partitions))) + 1;
            return parameters * 4 * copies > driverHeap / 4 ? SHARDED : DRIVER;
        }

        /** {@code driver}, {@code sharded} or {@code auto} (null). */
        public static Reduction parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "driver" -> DRIVER;
                case "sharded", "shuffle" -> SHARDED;
                case "auto" -> null;
                default -> throw new IllegalArgumentException("--reduce: expected driver, sharded or auto, got \"" + s
                        + "\"");
            };
        }
    }

    /** A task failure to inject once (first attempt of one partition at one step), to test recovery. */
    public record Failure(long step, int partition) implements Serializable {
    }

    private final JavaSparkContext sc;
    private final Replica.Factory factory;
    private final Replica driverReplica;
    private final List<TrainGroup> groups;
    private final int partitions;
    private final Reduction reduction;
    private final Failure failure;
    private final String key;
    private final ShardedState sharded;           // null with the driver reduction

    /**
     * @param sc            the Spark context (the caller stops it)
     * @param factory       builds the executors' replicas
     * @param driverReplica the trainer's own replica (its shared state goes to every step)
     * @param groups        the driver's groups
     * @param partitions    slices of every micro-batch (>= 1)
     * @param reduction     DRIVER, SHARDED, or null to choose by model size
     * @param failure       a task failure to inject, or null
     */
    public SparkRunner(JavaSparkContext sc, Replica.Factory factory, Replica driverReplica, List<TrainGroup> groups,
            int partitions, Reduction reduction, Failure failure) {
        if (sc == null || factory == null || driverReplica == null || groups == null || groups.isEmpty()) {
            throw new IllegalArgumentException("sc, factory, driverReplica, groups: expected all, got a null or none");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions: expected >= 1, got " + partitions);
        }
        this.sc = sc;
        this.factory = factory;
        this.driverReplica = driverReplica;
        this.groups = List.copyOf(groups);
        this.partitions = partitions;
        long total = 0;
        for (TrainGroup g : groups) {
            total += g.layout().size();
        }
        this.reduction = reduction != null ? reduction
                : Reduction.auto(total, partitions, Runtime.getRuntime().maxMemory());
        this.failure = failure;
        this.key = factory.key() + "/" + UUID.randomUUID();
        this.sharded = this.reduction == Reduction.SHARDED ? new ShardedState(sc, driverReplica, this.groups,
                partitions) : null;
    }

    public Reduction reduction() {
        return reduction;
    }

    public int partitions() {
        return partitions;
    }

    @Override
    public List<TrainGroup> groups() {
        return groups;
    }

    @Override
    public String describe() {
        return "spark " + sc.master() + ", " + partitions + " partitions, " + reduction.name().toLowerCase(Locale.ROOT)
                + " reduction";
    }

    // ---------------------------------------------------------------- the replicas' half

    /** What every task of a step needs (no weights: those come by broadcast or shuffle). */
    record Task(String key, Replica.Factory factory, long step, long[][] batches, boolean[] on, double[] shared,
            Map<String, double[]> buffers, int partitions, Failure failure) implements Serializable {
    }

    /** A partition's gradients (flat, per group) and losses, and partition 0's buffers (else null). */
    record Contribution(float[][] grads, Replica.Slice slice, Map<String, double[]> buffers) implements Serializable {
        Contribution plus(Contribution o) {
            float[][] g = new float[grads.length][];
            for (int k = 0; k < g.length; k++) {
                g[k] = grads[k].clone();
                float[] b = o.grads[k];
                for (int i = 0; i < b.length; i++) {
                    g[k][i] += b[i];
                }
            }
            return new Contribution(g, slice.plus(o.slice), buffers != null ? buffers : o.buffers);
        }
    }

    /** Runs partition {@code p}'s slices of the step on its replica with {@code weights}. */
    @SuppressWarnings("try")
    static Contribution compute(Task t, int p, float[][] weights) {
        if (t.failure != null && t.failure.step() == t.step && t.failure.partition() == p) {
            TaskContext ctx = TaskContext.get();
            if (ctx != null && ctx.attemptNumber() == 0) {
                throw new IllegalStateException("injected failure: step " + t.step + ", partition " + p
                        + ", first attempt");
            }
        }
        Replicas.Held h = Replicas.get(t.key, p, t.factory);
        synchronized (h) {
            h.setWeights(weights);
            h.replica.setSharedState(t.shared);
            Replicas.write(h.replica.buffers(), t.buffers);
            h.takeGrads();
            Replica.Slice total = Replica.Slice.zero(t.on.length);
            for (int m = 0; m < t.batches.length; m++) {
                int b = t.batches[m].length;
                int from = (int) ((long) b * p / t.partitions);
                int to = (int) ((long) b * (p + 1) / t.partitions);
                if (from < to) {
                    double weight = 1.0 / ((double) b * t.batches.length);
                    total = total.plus(h.replica.accumulate(t.step, m, t.batches[m], from, to, weight, t.on));
                }
            }
            return new Contribution(h.takeGrads(), total, p == 0 ? Replicas.read(h.replica.buffers()) : null);
        }
    }

    // ---------------------------------------------------------------- steps

    @Override
    public Outcome step(long step, long[][] batches, boolean[] groupsOn) {
        if (groupsOn.length != groups.size()) {
            throw new IllegalArgumentException("groupsOn: expected " + groups.size() + " flags, got "
                    + groupsOn.length);
        }
        Task task = new Task(key, factory, step, batches, groupsOn.clone(), driverReplica.sharedState(),
                Replicas.read(driverReplica.buffers()), partitions, failure);
        return sharded == null ? driverStep(task) : sharded.step(task);
    }

    /** 0 .. n-1, one element per partition. */
    static List<Integer> ids(int n) {
        List<Integer> ids = new ArrayList<>();
        for (int p = 0; p < n; p++) {
            ids.add(p);
        }
        return ids;
    }

    /**
     * Steps after which the sharded state goes through the driver once ({@link #pull()} then {@link #push()}): it
     * bounds the shards' lineage (what Spark recomputes after losing an executor, and serializes into every task).
     */
    public static final int REFRESH_EVERY = 50;

    /** The driver takes partition 0's buffers (DDP's rule). */
    static void keepBuffers(Replica driverReplica, Map<String, double[]> buffers) {
        if (buffers != null && !buffers.isEmpty()) {
            Replicas.write(driverReplica.buffers(), buffers);
        }
    }

    private Outcome driverStep(Task task) {
        float[][] w = new float[groups.size()][];
        for (int g = 0; g < w.length; g++) {
            w[g] = groups.get(g).layout().values(groups.get(g).params());
        }
        Broadcast<float[][]> weights = sc.broadcast(w);
        try {
            Contribution c = sc.parallelize(ids(partitions), partitions)
                    .mapPartitionsWithIndex((p, it) -> List.of(compute(task, p, weights.value())).iterator(), false)
                    .treeReduce(Contribution::plus);
            keepBuffers(driverReplica, c.buffers());
            for (int g = 0; g < groups.size(); g++) {
                TrainGroup group = groups.get(g);
                if (task.on()[g]) {
                    group.layout().assignGrads(group.params(), c.grads()[g]);
                } else {
                    group.optimizer().zeroGrad();
                }
            }
            return LocalRunner.apply(groups, c.slice(), task.on());
        } finally {
            weights.destroy();
        }
    }

    @Override
    public void push() {
        if (sharded != null) {
            sharded.push();
        }
    }

    @Override
    public void pull() {
        if (sharded != null) {
            sharded.pull();
        }
    }

    @Override
    public void close() {
        if (sharded != null) {
            sharded.close();
        }
        String k = key;
        try {
            sc.parallelize(ids(partitions), partitions).foreach(p -> Replicas.release(k));
        } catch (RuntimeException e) {
            // the context is going away: the executors' replicas go with their JVMs
        }
        Replicas.release(k);
    }
}
