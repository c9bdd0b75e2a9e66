package org.ldm4j.autoencoder;

import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.autograd.Indexing;
import org.ldm4j.core.nn.Embedding;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * The VQ bottleneck ({@code taming.modules.vqvae.quantize.VectorQuantizer2} as {@code VQModel} builds it): each
 * spatial vector of z [B, C, H, W] is replaced by its nearest codebook row, by squared distance
 * {@code |z|^2 + |e|^2 - 2 z.e}; gradients pass straight through to z ({@code z + (z_q - z).detach()}).
 * The codebook {@code embedding.weight} [nEmbed, embedDim] starts U(-1/nEmbed, 1/nEmbed).
 *
 * <p>The loss, with {@code sg} = detach and {@code mse} the mean squared error:
 * <ul>
 *   <li>{@code legacy} (the reference's default, which latent-diffusion's VQModel uses):
 *       {@code mse(sg(z_q), z) + beta * mse(z_q, sg(z))}: beta weighs the codebook term;</li>
 *   <li>otherwise (the VQ-VAE paper's form): {@code beta * mse(sg(z_q), z) + mse(z_q, sg(z))}: beta weighs the
 *       commitment term.</li>
 * </ul>
 * Both have the value {@code (1 + beta) * mse(z_q, z)}; they differ in where the gradients go.
 *
 * <pre>{@code
 * VectorQuantizer vq = new VectorQuantizer(16384, 4, 0.25, true, rng);
 * VectorQuantizer.Result r = vq.forward(h);      // h [B, 4, 32, 32]
 * r.quantized();                                 // [B, 4, 32, 32], straight-through
 * r.loss();                                      // scalar codebook + commitment loss
 * r.indices();                                   // int64 [B, 32, 32]
 * Tensor back = vq.lookup(r.indices());          // the codebook vectors, [B, 4, 32, 32]
 * }</pre>
 */
public final class VectorQuantizer extends Module {
    /** Distances are computed for at most this many (row, code) pairs at once. */
    private static final long DISTANCE_CHUNK = 1L << 22;

    private final int nEmbed;
    private final int embedDim;
    private final double beta;
    private final boolean legacy;
    private final Embedding embedding;

    /**
     * The quantised latent and its statistics.
     *
     * <pre>{@code
     * VectorQuantizer.Result r = vq.forward(h);
     * log("perplexity", r.perplexity(), "usage", r.usage());
     * }</pre>
     *
     * @param quantized  z_q with the straight-through gradient, [B, C, H, W]
     * @param loss       the codebook and commitment loss (rank 0)
     * @param indices    the chosen code per position, int64 [B, H, W]
     * @param perplexity {@code exp(-sum_k p_k log(p_k + 1e-10))} of the codes' frequencies in this batch
     * @param codesUsed  how many distinct codes this batch used
     * @param nEmbed     the codebook size
     */
    public record Result(Tensor quantized, Tensor loss, Tensor indices, double perplexity, int codesUsed, int nEmbed) {
        /** The fraction of the codebook this batch used. */
        public double usage() {
            return (double) codesUsed / nEmbed;
        }
    }

    /** A codebook of {@code nEmbed} vectors of {@code embedDim}; see the class comment for {@code legacy}. */
    public VectorQuantizer(int nEmbed, int embedDim, double beta, boolean legacy, Rng rng) {
        if (nEmbed <= 0 || embedDim <= 0) {
            throw new IllegalArgumentException("nEmbed, embedDim: expected positive sizes, got " + nEmbed + ", "
                    + embedDim);
        }
        if (!(beta >= 0)) {
            throw new IllegalArgumentException("beta: expected a non-negative weight, got " + beta);
        }
        this.nEmbed = nEmbed;
        this.embedDim = embedDim;
        this.beta = beta;
        this.legacy = legacy;
        embedding = register("embedding", new Embedding(nEmbed, embedDim, rng));
        try (MemoryScope s = MemoryScope.open()) {
            embedding.weight().assign(rng.uniform(DType.FLOAT32, -1.0 / nEmbed, 1.0 / nEmbed, nEmbed, embedDim));
        }
    }

    /** Quantises z [B, embedDim, H, W]. */
    public Result forward(Tensor z) {
        checkLatent(z);
        long[] s = z.shape();
        Tensor zp = z.permute(0, 2, 3, 1);                                    // (B, H, W, C)
        long[] idx = nearest(zp.detach().reshape(-1, embedDim));             // (B*H*W), no graph
        Tensor indices = Tensor.of(idx, s[0], s[2], s[3]);                   // (B, H, W)
        Tensor zq = Indexing.embedding(codebook(), indices);                 // (B, H, W, C), grads to the codebook
        Tensor commitment = zq.detach().sub(zp).square().mean();            // moves z towards its code
        Tensor codebookTerm = zq.sub(zp.detach()).square().mean();          // moves the code towards z
        Tensor loss = legacy ? commitment.add(codebookTerm.mul(beta)) : commitment.mul(beta).add(codebookTerm);
        Tensor st = zp.add(zq.sub(zp).detach());                             // value z_q, gradient to z
        Tensor quantized = st.permute(0, 3, 1, 2).contiguous();              // (B, C, H, W)
        return new Result(quantized, loss, indices, perplexity(idx), used(idx), nEmbed);
    }

    /** The nearest code per position of z [B, embedDim, H, W]: int64 [B, H, W] (no gradient). */
    public Tensor indices(Tensor z) {
        checkLatent(z);
        long[] s = z.shape();
        return Tensor.of(nearest(z.detach().permute(0, 2, 3, 1).reshape(-1, embedDim)), s[0], s[2], s[3]);
    }

    /** argmin_k |z_i - e_k|^2 for each row of zf [N, C], in row chunks (the [N, nEmbed] distances can be large). */
    private long[] nearest(Tensor zf) {
        long rows = zf.size(0);
        long[] out = new long[Math.toIntExact(rows)];
        long chunk = Math.max(1, DISTANCE_CHUNK / nEmbed);
        try (GradMode.Scope g = GradMode.disabled(); MemoryScope outer = MemoryScope.open()) {
            Tensor e = codebook().detach();
            if (e.dtype() != zf.dtype()) {
                e = e.to(zf.dtype());
            }
            Tensor e2 = e.square().sum(1);                                   // (nEmbed)
            for (long start = 0; start < rows; start += chunk) {
                long end = Math.min(rows, start + chunk);
                try (MemoryScope s = MemoryScope.open()) {
                    Tensor zc = zf.slice(0, start, end);                     // (r, C)
                    // d = |z|^2 + |e|^2 - 2 z.e                              // (r, nEmbed)
                    Tensor d = zc.square().sum(true, 1).add(e2).sub(zc.matmul(e, false, true).mul(2));
                    long[] a = d.argmin(1).toLongArray();
                    System.arraycopy(a, 0, out, (int) start, a.length);
                }
            }
        }
        return out;
    }

    /** The codebook vectors at int {@code indices} [B, H, W] as a latent [B, embedDim, H, W]. */
    public Tensor lookup(Tensor indices) {
        Shapes.checkRank("indices", indices, 3);
        if (indices.dtype() != DType.INT64 && indices.dtype() != DType.INT32) {
            throw new IllegalArgumentException("indices: expected INT64 or INT32 codes in [0, " + nEmbed + "), got "
                    + indices.dtype());
        }
        return Indexing.embedding(codebook(), indices).permute(0, 3, 1, 2).contiguous();
    }

    /** The codebook {@code embedding.weight} [nEmbed, embedDim]. */
    public Tensor codebook() {
        return embedding.weight();
    }

    public int nEmbed() {
        return nEmbed;
    }

    public int embedDim() {
        return embedDim;
    }

    public double beta() {
        return beta;
    }

    public boolean legacy() {
        return legacy;
    }

    private void checkLatent(Tensor z) {
        Shapes.checkRank("z", z, 4);
        Shapes.checkDim("z", z, 1, embedDim, "embedDim channels");
        Shapes.checkFloating("z", z);
    }

    /** {@code exp(-sum_k p_k log(p_k + 1e-10))} with {@code p_k} the frequency of code k. */
    static double perplexity(long[] idx, int n) {
        long[] counts = new long[n];
        for (long i : idx) {
            counts[(int) i]++;
        }
        double h = 0;
        for (long c : counts) {
            double p = (double) c / idx.length;
            h -= p * Math.log(p + 1e-10);
        }
        return Math.exp(h);
    }

    private double perplexity(long[] idx) {
        return perplexity(idx, nEmbed);
    }

    private int used(long[] idx) {
        boolean[] seen = new boolean[nEmbed];
        int n = 0;
        for (long i : idx) {
            if (!seen[(int) i]) {
                seen[(int) i] = true;
                n++;
            }
        }
        return n;
    }

    @Override
    protected String extraRepr() {
        return "nEmbed=" + nEmbed + ", embedDim=" + embedDim + ", beta=" + beta + ", legacy=" + legacy;
    }
}
