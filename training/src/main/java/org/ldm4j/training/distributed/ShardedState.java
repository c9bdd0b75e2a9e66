package org.ldm4j.training.distributed;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.ldm4j.core.optim.AdamW;
import org.ldm4j.core.optim.GradClip;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.training.Ema;
import scala.Tuple2;

/**
 * The state and steps of {@link SparkRunner.Reduction#SHARDED}: the flat parameter vector of each group cut into
 * P pieces, piece p's weights, AdamW moments and EMA in partition p of a cached RDD. Each step, the pieces'
 * weights travel through the shuffle to every replica, the replicas' gradient pieces travel back to their
 * owners (summed in source-partition order), the driver collects the squared norms and losses and decides the
 * clipping and skipping, and each owner steps its piece with core's AdamW into a new cached RDD. The driver
 * holds the whole state only when it {@link #pull()}s it.
 */
final class ShardedState {
    private final JavaSparkContext sc;
    private final Replica driverReplica;
    private final List<TrainGroup> groups;
    private final int partitions;
    private final HashPartitioner partitioner;
    private JavaRDD<Shard> shards;
    private Broadcast<List<Shard>> pushed;        // the state the shards' lineage starts from
    private int stepsSincePush;
    private boolean driverCurrent = true;
    private long[] emaUpdates;          // the shards' EMA update counts, mirrored on the driver

    ShardedState(JavaSparkContext sc, Replica driverReplica, List<TrainGroup> groups, int partitions) {
        this.sc = sc;
        this.driverReplica = driverReplica;
        this.groups = groups;
        this.partitions = partitions;
        this.partitioner = new HashPartitioner(partitions);
    }

    /** Piece {@code index} of every group: weights, AdamW moments and step, EMA shadow and its update count. */
    record Shard(int index, float[][] w, float[][] m, float[][] v, long[] steps, float[][] ema, long[] emaUpdates)
            implements Serializable {
    }

    /** A replica's gradient piece for one shard, with the replica's losses (and partition 0's buffers, or null). */
    record GradPiece(int source, float[][] grads, Replica.Slice slice, Map<String, double[]> buffers)
            implements Serializable {
    }

    /** What the driver learns of a reduced shard: its squared gradient norms, the losses and buffers. */
    record Stats(double[] squares, Replica.Slice slice, Map<String, double[]> buffers) implements Serializable {
    }

    /** How the shards update this step, decided on the driver from the global norms. */
    record Plan(boolean[] apply, double[] coef, double[] lr, List<Map<String, Double>> hyper, float[] emaOneMinus,
            int[][] emaRanges, int partitions, int[] sizes) implements Serializable {
    }

    /** Step {@code task.step()}: gradients to the shards' owners, global norms to the driver, the shards' update. */
    StepRunner.Outcome step(SparkRunner.Task task) {
        if (shards == null || stepsSincePush >= SparkRunner.REFRESH_EVERY) {
            pull();
            push();
        }
        stepsSincePush++;
        int n = partitions;
        int[] sizes = sizes();
        JavaPairRDD<Integer, Shard> gathered = shards
                .flatMapToPair(s -> {
                    List<Tuple2<Integer, Shard>> out = new ArrayList<>(n);
                    Shard weightsOnly = new Shard(s.index(), s.w(), null, null, null, null, null);
                    for (int d = 0; d < n; d++) {
                        out.add(new Tuple2<>(d, weightsOnly));
                    }
                    return out.iterator();
                })
                .partitionBy(partitioner);
        JavaPairRDD<Integer, GradPiece> reduced = gathered
                .mapPartitionsWithIndex((p, it) -> scatter(task, p, it, sizes), true)
                .mapToPair(x -> x)
                .groupByKey(partitioner)
                .mapValues(ShardedState::sumInOrder)
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            List<Tuple2<Integer, Stats>> stats = reduced
                    .mapValues(r -> new Stats(squaredNorms(r), r.slice(), r.buffers())).collect();
            double[] sumSq = new double[groups.size()];
            Replica.Slice slice = null;
            for (Tuple2<Integer, Stats> t : stats) {
                for (int g = 0; g < sumSq.length; g++) {
                    sumSq[g] += t._2().squares()[g];
                }
                if (t._1() == 0) {
                    slice = t._2().slice();
                    SparkRunner.keepBuffers(driverReplica, t._2().buffers());
                }
            }
            double[] norms = new double[groups.size()];
            boolean[] apply = new boolean[groups.size()];
            double[] coef = new double[groups.size()];
            Arrays.fill(norms, Double.NaN);
            boolean go = true;
            for (int g = 0; g < groups.size(); g++) {
                if (!go || !task.on()[g] || !Double.isFinite(slice.losses()[g])) {
                    go &= g != 0;
                    continue;
                }
                norms[g] = Math.sqrt(sumSq[g]);
                apply[g] = Double.isFinite(norms[g]);
                double clip = groups.get(g).gradClip();
                coef[g] = clip > 0 && clip / (norms[g] + GradClip.EPS) < 1 ? clip / (norms[g] + GradClip.EPS) : 1.0;
                go &= g != 0 || apply[g];
            }
            boolean any = false;
            for (boolean a : apply) {
                any |= a;
            }
            if (any) {
                Plan plan = plan(apply, coef, sizes);
                JavaRDD<Shard> next = shards.zipPartitions(reduced.values(), (s, r) -> List.of(
                        update(s.next(), r.next(), plan)).iterator()).persist(StorageLevel.MEMORY_AND_DISK());
                next.count();
                shards.unpersist(false);
                shards = next;
                driverCurrent = false;
                for (int g = 0; g < groups.size(); g++) {
                    if (apply[g] && emaUpdates[g] >= 0) {
                        emaUpdates[g]++;
                    }
                }
            }
            return new StepRunner.Outcome(slice.losses(), norms, apply, new LinkedHashMap<>(slice.log()));
        } finally {
            reduced.unpersist(false);
        }
    }

    private int[] sizes() {
        int[] s = new int[groups.size()];
        for (int g = 0; g < s.length; g++) {
            s[g] = groups.get(g).layout().size();
        }
        return s;
    }

    /** Assembles the weights from every shard's piece, computes, and cuts the gradients into pieces. */
    private static Iterator<Tuple2<Integer, GradPiece>> scatter(SparkRunner.Task task, int p,
            Iterator<Tuple2<Integer, Shard>> it, int[] sizes) {
        int n = task.partitions();
        float[][] w = new float[sizes.length][];
        for (int g = 0; g < w.length; g++) {
            w[g] = new float[sizes[g]];
        }
        while (it.hasNext()) {
            Shard s = it.next()._2();
            for (int g = 0; g < w.length; g++) {
                int at = FlatLayout.pieceStart(sizes[g], s.index(), n);
                System.arraycopy(s.w()[g], 0, w[g], at, s.w()[g].length);
            }
        }
        SparkRunner.Contribution c = SparkRunner.compute(task, p, w);
        List<Tuple2<Integer, GradPiece>> out = new ArrayList<>(n);
        for (int d = 0; d < n; d++) {
            float[][] piece = new float[sizes.length][];
            for (int g = 0; g < sizes.length; g++) {
                piece[g] = Arrays.copyOfRange(c.grads()[g], FlatLayout.pieceStart(sizes[g], d, n),
                        FlatLayout.pieceStart(sizes[g], d + 1, n));
            }
            out.add(new Tuple2<>(d, new GradPiece(p, piece, c.slice(), d == 0 ? c.buffers() : null)));
        }
        return out.iterator();
    }

    /** Sums the pieces in the order of their source partitions, so that every run sums alike. */
    private static GradPiece sumInOrder(Iterable<GradPiece> pieces) {
        List<GradPiece> list = new ArrayList<>();
        pieces.forEach(list::add);
        list.sort((a, b) -> Integer.compare(a.source(), b.source()));
        float[][] sum = new float[list.get(0).grads().length][];
        Replica.Slice slice = null;
        Map<String, double[]> buffers = null;
        for (GradPiece gp : list) {
            buffers = buffers != null ? buffers : gp.buffers();
            for (int g = 0; g < sum.length; g++) {
                if (sum[g] == null) {
                    sum[g] = gp.grads()[g].clone();
                } else {
                    float[] b = gp.grads()[g];
                    for (int i = 0; i < b.length; i++) {
                        sum[g][i] += b[i];
                    }
                }
            }
            slice = slice == null ? gp.slice() : slice.plus(gp.slice());
        }
        return new GradPiece(-1, sum, slice, buffers);
    }

    private static double[] squaredNorms(GradPiece gp) {
        double[] out = new double[gp.grads().length];
        for (int g = 0; g < out.length; g++) {
            double s = 0;
            for (float x : gp.grads()[g]) {
                s += (double) x * x;
            }
            out[g] = s;
        }
        return out;
    }

    private Plan plan(boolean[] apply, double[] coef, int[] sizes) {
        int k = groups.size();
        double[] lr = LocalRunner.lrs(groups);
        List<Map<String, Double>> hyper = new ArrayList<>();
        float[] emaOneMinus = new float[k];
        int[][] ranges = new int[k][];
        for (int g = 0; g < k; g++) {
            TrainGroup group = groups.get(g);
            Map<String, Double> h = new LinkedHashMap<>();
            group.optimizer().stateDict().forEach((name, t) -> {
                if (!name.contains(".") && !name.equals("step") && !name.equals("lr")) {
                    h.put(name, t.item());
                }
            });
            hyper.add(h);
            Ema ema = group.ema();
            if (ema != null) {
                long next = emaUpdates[g] >= 0 ? emaUpdates[g] + 1 : 1;
                emaOneMinus[g] = 1.0f - (float) ema.decayFor(next);
                ranges[g] = emaRanges(group);
            }
        }
        return new Plan(apply, coef, lr, hyper, emaOneMinus, ranges, partitions, sizes);
    }

    /** [start, end) pairs of the flat positions of the parameters the group's EMA tracks. */
    private static int[] emaRanges(TrainGroup group) {
        List<String> names = group.layout().names();
        List<Integer> r = new ArrayList<>();
        for (String tracked : group.ema().shadowNames().keySet()) {
            int i = names.indexOf(group.emaPrefix() + tracked);
            r.add(group.layout().offset(i));
            r.add(group.layout().offset(i) + (int) org.ldm4j.core.tensor.Shapes.numel(group.layout().shape(i)));
        }
        return r.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The shard after this step: a new object (the cached input is never changed, so a retry sees the same). */
    @SuppressWarnings("try")
    static Shard update(Shard s, GradPiece grad, Plan plan) {
        int k = s.w().length;
        float[][] w = new float[k][];
        float[][] m = new float[k][];
        float[][] v = new float[k][];
        float[][] ema = new float[k][];
        long[] steps = s.steps().clone();
        long[] emaUpdates = s.emaUpdates().clone();
        for (int g = 0; g < k; g++) {
            if (!plan.apply()[g] || s.w()[g].length == 0) {
                w[g] = s.w()[g];
                m[g] = s.m()[g];
                v[g] = s.v()[g];
                ema[g] = s.ema()[g];
                if (plan.apply()[g]) {
                    steps[g]++;
                    emaUpdates[g] = emaUpdates[g] >= 0 ? emaUpdates[g] + 1 : emaUpdates[g];
                }
                continue;
            }
            int len = s.w()[g].length;
            try (MemoryScope scope = MemoryScope.open()) {
                Tensor p = Tensor.of(s.w()[g].clone(), len).requiresGrad(true);
                Map<String, Double> h = plan.hyper().get(g);
                AdamW opt = AdamW.builder(Map.of("piece", p)).lr(plan.lr()[g]).betas(h.get("beta1"), h.get("beta2"))
                        .eps(h.get("eps")).weightDecay(h.get("weight_decay")).build();
                Map<String, Tensor> state = new LinkedHashMap<>();
                state.put("step", Tensor.scalar(DType.FLOAT64, steps[g]));
                state.put("lr", Tensor.scalar(DType.FLOAT64, plan.lr()[g]));
                h.forEach((name, value) -> state.put(name, Tensor.scalar(DType.FLOAT64, value)));
                state.put("piece.step", Tensor.scalar(DType.FLOAT64, steps[g]));
                state.put("piece.exp_avg", Tensor.of(s.m()[g], len));
                state.put("piece.exp_avg_sq", Tensor.of(s.v()[g], len));
                opt.loadStateDict(state);
                Tensor gr = Tensor.of(grad.grads()[g], len);
                p.setGrad(plan.coef()[g] < 1 ? gr.mul(plan.coef()[g]) : gr);
                opt.step();
                Map<String, Tensor> after = opt.stateDict();
                w[g] = p.detach().toFloatArray();
                m[g] = after.get("piece.exp_avg").toFloatArray();
                v[g] = after.get("piece.exp_avg_sq").toFloatArray();
            }
            steps[g]++;
            ema[g] = s.ema()[g];
            if (plan.emaRanges()[g] != null) {
                ema[g] = s.ema()[g].clone();
                int lo = FlatLayout.pieceStart(plan.sizes()[g], s.index(), plan.partitions());
                float omd = plan.emaOneMinus()[g];
                int[] r = plan.emaRanges()[g];
                for (int j = 0; j < r.length; j += 2) {
                    int a = Math.max(r[j], lo) - lo;
                    int b = Math.min(r[j + 1], lo + len) - lo;
                    for (int i = a; i < b; i++) {
                        float sh = ema[g][i];
                        ema[g][i] = sh - (sh - w[g][i]) * omd;
                    }
                }
                emaUpdates[g] = emaUpdates[g] >= 0 ? emaUpdates[g] + 1 : emaUpdates[g];
            }
        }
        return new Shard(s.index(), w, m, v, steps, ema, emaUpdates);
    }

    /** Rebuilds the shards from the driver's groups. */
    void push() {
        driverCurrent = true;
        int n = partitions;
        int k = groups.size();
        float[][] w = new float[k][];
        float[][] m = new float[k][];
        float[][] v = new float[k][];
        float[][] e = new float[k][];
        long[] steps = new long[k];
        long[] emaUpdates = new long[k];
        for (int g = 0; g < k; g++) {
            TrainGroup group = groups.get(g);
            FlatLayout layout = group.layout();
            w[g] = layout.values(group.params());
            Map<String, Tensor> st = group.optimizer().stateDict();
            m[g] = layout.gather(st, "", ".exp_avg");
            v[g] = layout.gather(st, "", ".exp_avg_sq");
            steps[g] = group.optimizer().stepCount();
            e[g] = w[g].clone();
            emaUpdates[g] = -1;
            if (group.ema() != null) {
                Ema ema = group.ema();
                for (Map.Entry<String, String> t : ema.shadowNames().entrySet()) {
                    int i = layout.names().indexOf(group.emaPrefix() + t.getKey());
                    float[] sh = ema.shadow(t.getKey()).toFloatArray();
                    System.arraycopy(sh, 0, e[g], layout.offset(i), sh.length);
                }
                emaUpdates[g] = ema.numUpdates();
            }
        }
        this.emaUpdates = emaUpdates.clone();
        List<Shard> list = new ArrayList<>();
        for (int p = 0; p < n; p++) {
            float[][] wp = new float[k][];
            float[][] mp = new float[k][];
            float[][] vp = new float[k][];
            float[][] ep = new float[k][];
            for (int g = 0; g < k; g++) {
                int a = FlatLayout.pieceStart(w[g].length, p, n);
                int b = FlatLayout.pieceStart(w[g].length, p + 1, n);
                wp[g] = Arrays.copyOfRange(w[g], a, b);
                mp[g] = Arrays.copyOfRange(m[g], a, b);
                vp[g] = Arrays.copyOfRange(v[g], a, b);
                ep[g] = Arrays.copyOfRange(e[g], a, b);
            }
            list.add(new Shard(p, wp, mp, vp, steps.clone(), ep, emaUpdates.clone()));
        }
        // from a broadcast, not parallelize(list): a parallelized collection's data travels inside every task
        // of every later stage that descends from it
        Broadcast<List<Shard>> state = sc.broadcast(list);
        JavaRDD<Shard> next = sc.parallelize(SparkRunner.ids(n), n).map(p -> state.value().get(p))
                .persist(StorageLevel.MEMORY_AND_DISK());
        next.count();
        if (shards != null) {
            shards.unpersist(false);
        }
        if (pushed != null) {
            pushed.destroy();
        }
        shards = next;
        pushed = state;
        stepsSincePush = 0;
    }

    /** Brings the driver's groups up to date from the shards. */
    void pull() {
        if (driverCurrent || shards == null) {
            return;
        }
        List<Shard> all = new ArrayList<>(shards.collect());
        all.sort((a, b) -> Integer.compare(a.index(), b.index()));
        for (int g = 0; g < groups.size(); g++) {
            TrainGroup group = groups.get(g);
            FlatLayout layout = group.layout();
            float[] w = join(all, g, Shard::w, layout.size());
            float[] m = join(all, g, Shard::m, layout.size());
            float[] v = join(all, g, Shard::v, layout.size());
            float[] e = join(all, g, Shard::ema, layout.size());
            long steps = all.get(0).steps()[g];
            layout.assignValues(group.params(), w);
            Map<String, Tensor> st = new LinkedHashMap<>();
            group.optimizer().stateDict().forEach((name, t) -> {
                if (!name.contains(".")) {
                    st.put(name, t);
                }
            });
            st.put("step", Tensor.scalar(DType.FLOAT64, steps));
            Map<String, Tensor> mt = layout.tensors(m);
            Map<String, Tensor> vt = layout.tensors(v);
            for (String name : layout.names()) {
                st.put(name + ".step", Tensor.scalar(DType.FLOAT64, steps));
                st.put(name + ".exp_avg", mt.get(name));
                st.put(name + ".exp_avg_sq", vt.get(name));
            }
            group.optimizer().loadStateDict(st);
            if (group.ema() != null) {
                Ema ema = group.ema();
                Map<String, Tensor> et = layout.tensors(e);
                Map<String, Tensor> es = new LinkedHashMap<>(ema.stateDict());
                for (Map.Entry<String, String> t : ema.shadowNames().entrySet()) {
                    es.put(t.getValue(), et.get(group.emaPrefix() + t.getKey()));
                }
                es.put(Ema.NUM_UPDATES, Tensor.scalar(DType.INT32, all.get(0).emaUpdates()[g]));
                ema.load(es, true);
            }
        }
        driverCurrent = true;
    }

    private interface Part {
        float[][] of(Shard s);
    }

    private static float[] join(List<Shard> all, int g, Part part, int size) {
        float[] out = new float[size];
        int at = 0;
        for (Shard s : all) {
            float[] x = part.of(s)[g];
            System.arraycopy(x, 0, out, at, x.length);
            at += x.length;
        }
        return out;
    }

    /** Drops the cached shards and their broadcast. */
    void close() {
        if (shards != null) {
            shards.unpersist(false);
            shards = null;
        }
        if (pushed != null) {
            pushed.destroy();
            pushed = null;
        }
    }
}
