package org.ldm4j.training.distributed;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.ldm4j.core.tensor.Tensor;

/**
 * The replicas an executor JVM holds, one per run and partition, built on first use from the run's
 * {@link Replica.Factory} and kept across steps: each step only writes the new weights into them in place. In
 * Spark's local mode the executors are threads of the driver's JVM, so each partition has its own replica.
 */
final class Replicas {
    private static final Map<String, Held> HELD = new ConcurrentHashMap<>();

    private Replicas() {
    }

    /** A replica with its layouts. */
    static final class Held {
        final Replica replica;
        final List<FlatLayout> layouts = new ArrayList<>();

        Held(Replica replica) {
            this.replica = replica;
            for (Map<String, Tensor> g : replica.groups()) {
                layouts.add(FlatLayout.of(g));
            }
        }

        /** Writes the weights of every group into the replica. */
        void setWeights(float[][] weights) {
            for (int g = 0; g < layouts.size(); g++) {
                layouts.get(g).assignValues(replica.groups().get(g), weights[g]);
            }
        }

        /** The replica's gradients, flat per group; clears them. */
        float[][] takeGrads() {
            float[][] out = new float[layouts.size()][];
            for (int g = 0; g < out.length; g++) {
                Map<String, Tensor> params = replica.groups().get(g);
                out[g] = layouts.get(g).grads(params);
                params.values().forEach(Tensor::zeroGrad);
            }
            return out;
        }
    }

    /** The values of {@code buffers} (any dtype), by name. */
    static Map<String, double[]> read(Map<String, Tensor> buffers) {
        Map<String, double[]> out = new java.util.LinkedHashMap<>();
        buffers.forEach((k, v) -> out.put(k, v.detach().toDoubleArray()));
        return out;
    }

    /** Writes {@code values} into {@code buffers} in place (in each buffer's dtype). */
    @SuppressWarnings("try")
    static void write(Map<String, Tensor> buffers, Map<String, double[]> values) {
        try (org.ldm4j.core.autograd.GradMode.Scope g = org.ldm4j.core.autograd.GradMode.disabled()) {
            for (Map.Entry<String, double[]> e : values.entrySet()) {
                Tensor b = buffers.get(e.getKey());
                if (b == null) {
                    throw new IllegalArgumentException("buffers: expected '" + e.getKey() + "' in the replica, found "
                            + "none among " + buffers.keySet());
                }
                try (org.ldm4j.core.tensor.MemoryScope s = org.ldm4j.core.tensor.MemoryScope.open()) {
                    b.assign(Tensor.of(e.getValue(), b.shape()).to(b.dtype()));
                }
            }
        }
    }

    /** The replica of run {@code key}, partition {@code partition}, built by {@code factory} if absent. */
    static Held get(String key, int partition, Replica.Factory factory) {
        return HELD.computeIfAbsent(key + "#" + partition, k -> new Held(factory.create()));
    }

    /** Forgets every replica of run {@code key} in this JVM; returns how many there were. */
    static int release(String key) {
        int n = 0;
        for (String k : List.copyOf(HELD.keySet())) {
            if (k.startsWith(key + "#")) {
                HELD.remove(k);
                n++;
            }
        }
        return n;
    }
}
