package org.ldm4j.training;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.autograd.ShapeOps;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.Conditioning;
import org.ldm4j.diffusion.DiffusionLoss;
import org.ldm4j.training.data.Batch;
import org.ldm4j.training.data.Batches;
import org.ldm4j.training.data.Dataset;
import org.ldm4j.training.data.LatentBatch;
import org.ldm4j.training.data.LatentDataset;
import org.ldm4j.training.distributed.Replica;
import org.ldm4j.training.models.Conditions;
import org.ldm4j.training.models.LatentDiffusion;

/**
 * The latent diffusion loss of any slice of a step's global batch, as a {@link Replica}: the trainer's own model
 * in single-process training, and each executor's copy in a Spark run. Example {@code j} of micro-batch
 * {@code m} of step {@code s} draws everything from {@code Rng(seed).fork(2).fork(s * K + m).fork(j)}: its
 * posterior sample (fork 0, when latents are encoded on the fly), condition dropout (fork 1), timestep (fork 2)
 * and noise (fork 3). Dropout layers inside the U-Net (off by default) draw from their own module streams and are
 * the one thing that differs between a partitioned and a single-process run.
 */
public final class LdmReplica implements Replica {
    private final LatentDiffusion ldm;
    private final DiffusionLoss loss;
    private final Dataset data;
    private final LatentDataset cache;
    private final LdmTrainConfig config;
    private final Rng root;
    private final Map<String, Tensor> params;

    public LdmReplica(LatentDiffusion ldm, DiffusionLoss loss, Dataset data, LatentDataset cache,
            LdmTrainConfig config) {
        if (ldm == null || loss == null || data == null || config == null) {
            throw new IllegalArgumentException("ldm, loss, data, config: expected all, got a null");
        }
        this.ldm = ldm;
        this.loss = loss;
        this.data = data;
        this.cache = cache;
        this.config = config;
        this.root = new Rng(config.seed());
        this.params = new LinkedHashMap<>();
        ldm.train();
        ldm.trainableParameters().forEach((k, v) -> {
            if (!k.startsWith("first_stage_model.")) {
                params.put(k, v);
            }
        });
        loss.trainableParameters().forEach((k, v) -> params.put("loss." + k, v));
    }

    public LatentDiffusion model() {
        return ldm;
    }

    /** The trained parameters: the U-Net's, a trainable conditioning encoder's and {@code loss.*} (logvar). */
    public Map<String, Tensor> parameters() {
        return params;
    }

    @Override
    public List<Map<String, Tensor>> groups() {
        return List.of(params);
    }

    @Override
    public double[] sharedState() {
        return new double[] {ldm.scaleFactor()};
    }

    @Override
    public void setSharedState(double[] state) {
        if (state == null || state.length != 1) {
            throw new IllegalArgumentException("state: expected {scale factor}, got "
                    + (state == null ? null : java.util.Arrays.toString(state)));
        }
        if (state[0] != ldm.scaleFactor()) {
            ldm.setScaleFactor(state[0]);
        }
    }

    @Override
    @SuppressWarnings("try")
    public Slice accumulate(long step, int micro, long[] batch, int from, int to, double weight, boolean[] groupsOn) {
        int b = to - from;
        if (b <= 0 || !groupsOn[0]) {
            return Slice.zero(1);
        }
        Rng r = root.fork(2).fork(step * config.accumulate() + micro);
        long[] indices = java.util.Arrays.copyOfRange(batch, from, to);
        Rng[] ex = new Rng[b];
        for (int j = 0; j < b; j++) {
            ex[j] = r.fork(from + j);
        }
        try (MemoryScope s = MemoryScope.open()) {
            Tensor latents;
            Conditions conditions;
            if (cache != null) {
                LatentBatch lb = cache.batch(indices);
                latents = lb.latents().mul(ldm.scaleFactor());
                conditions = Conditions.of(lb.labels(), lb.captions(), lb.layouts());
            } else {
                Batch bt = Batches.of(data, indices);
                Rng[] posterior = new Rng[b];
                for (int j = 0; j < b; j++) {
                    posterior[j] = ex[j].fork(0);
                }
                try (GradMode.Scope g = GradMode.disabled()) {
                    latents = ldm.firstStage().encodeToLatent(bt.images(), posterior).mul(ldm.scaleFactor());
                }
                conditions = Conditions.of(bt);
            }
            boolean[] drop = new boolean[b];
            long[] ts = new long[b];
            long[] one = latents.shape().clone();
            one[0] = 1;
            Tensor like = Tensor.zeros(latents.dtype(), one);
            Tensor[] noise = new Tensor[b];
            for (int j = 0; j < b; j++) {
                drop[j] = ex[j].fork(1).nextDouble() < config.condDropout();
                ts[j] = (long) loss.sampleTimesteps(ex[j].fork(2), 1).item();
                noise[j] = loss.sampleNoise(ex[j].fork(3), like);
            }
            Conditioning cond = ldm.cond().encode(conditions, drop);
            Tensor l = loss.compute(ldm.denoiser(), latents, cond, Tensor.of(ts, b),
                    b == 1 ? noise[0] : ShapeOps.concat(0, noise)).loss();
            double share = l.item() * b * weight;
            if (Double.isFinite(share)) {
                l.mul(b * weight).backward();
            }
            return new Slice(new double[] {share}, Map.of());
        }
    }

    /**
     * Latents [B, C, h, w] (scaled) of examples {@code indices}, for the scale factor: posterior samples drawn
     * from {@code rng}.
     */
    @SuppressWarnings("try")
    Tensor latents(long[] indices, Rng rng) {
        if (cache != null) {
            return cache.batch(indices).latents().mul(ldm.scaleFactor());
        }
        Batch bt = Batches.of(data, indices);
        try (GradMode.Scope g = GradMode.disabled()) {
            return ldm.encodeFirstStage(bt.images(), rng);
        }
    }
}
