package org.ldm4j.training.distributed;

import java.util.LinkedHashMap;
import java.util.List;

/** Single-process steps: the trainer's own model is the only replica and computes each micro-batch whole. */
public final class LocalRunner implements StepRunner {
    private final Replica replica;
    private final List<TrainGroup> groups;

    public LocalRunner(Replica replica, List<TrainGroup> groups) {
        if (replica == null || groups == null || groups.isEmpty()) {
            throw new IllegalArgumentException("replica, groups: expected the trainer's replica and its groups, got "
                    + replica + ", " + groups);
        }
        this.replica = replica;
        this.groups = List.copyOf(groups);
    }

    @Override
    public List<TrainGroup> groups() {
        return groups;
    }

    @Override
    public Outcome step(long step, long[][] batches, boolean[] groupsOn) {
        for (TrainGroup g : groups) {
            g.optimizer().zeroGrad();
        }
        Replica.Slice total = Replica.Slice.zero(groups.size());
        for (int m = 0; m < batches.length; m++) {
            double weight = 1.0 / ((double) batches[m].length * batches.length);
            total = total.plus(replica.accumulate(step, m, batches[m], 0, batches[m].length, weight, groupsOn));
            if (!Double.isFinite(total.losses()[0])) {
                break;
            }
        }
        return apply(groups, total, groupsOn);
    }

    /** The driver's half of a step once the gradients are in the parameters: the rule of {@link StepRunner}. */
    static Outcome apply(List<TrainGroup> groups, Replica.Slice total, boolean[] groupsOn) {
        int n = groups.size();
        double[] norms = new double[n];
        boolean[] applied = new boolean[n];
        java.util.Arrays.fill(norms, Double.NaN);
        boolean go = true;
        for (int g = 0; g < n; g++) {
            TrainGroup group = groups.get(g);
            if (!go || !groupsOn[g] || !Double.isFinite(total.losses()[g])) {
                group.optimizer().zeroGrad();
                go &= g != 0;
                continue;
            }
            norms[g] = group.apply();
            applied[g] = Double.isFinite(norms[g]);
            go &= g != 0 || applied[g];
        }
        return new Outcome(total.losses(), norms, applied, new LinkedHashMap<>(total.log()));
    }

    @Override
    public void pull() {
    }

    @Override
    public void push() {
    }

    @Override
    public void close() {
    }

    @Override
    public String describe() {
        return "local (one process)";
    }

    /** The learning rates of the groups' optimizers, for the shards. */
    static double[] lrs(List<TrainGroup> groups) {
        double[] lr = new double[groups.size()];
        for (int g = 0; g < lr.length; g++) {
            lr[g] = groups.get(g).optimizer().lr();
        }
        return lr;
    }
}
