package org.ldm4j.autoencoder.loss;

import java.util.ArrayList;
import java.util.List;
import org.ldm4j.core.nn.BatchNorm2d;
import org.ldm4j.core.nn.Conv2d;
import org.ldm4j.core.nn.Layer;
import org.ldm4j.core.nn.LeakyReLU;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.nn.Sequential;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * The PatchGAN discriminator of pix2pix as taming-transformers builds it ({@code NLayerDiscriminator}), with the
 * reference's {@code weights_init}. For {@code n_layers = 2}:
 * <pre>
 * main.0 Conv2d(in, ndf, k4, s2, p1, bias)         main.1 LeakyReLU(0.2)
 * main.2 Conv2d(ndf, 2ndf, k4, s2, p1)             main.3 norm(2ndf)   main.4 LeakyReLU(0.2)
 * main.5 Conv2d(2ndf, 4ndf, k4, s1, p1)            main.6 norm(4ndf)   main.7 LeakyReLU(0.2)
 * main.8 Conv2d(4ndf, 1, k4, s1, p1, bias)         -> logits [B, 1, H/4 - 2, W/4 - 2] (no sigmoid)
 * </pre>
 * In general the first conv and the {@code n_layers - 1} middle ones have stride 2, the last two stride 1, and
 * conv {@code n} has {@code ndf * min(2^n, 8)} channels. Convs followed by BatchNorm have no bias; with ActNorm they
 * do (the reference's {@code use_bias = norm_layer != nn.BatchNorm2d}).
 *
 * <p>Initialisation ({@code weights_init}): every conv weight N(0, 0.02), every BatchNorm weight N(1, 0.02) and
 * bias 0, drawn from the given {@link Rng} after the layers' default init; conv biases and ActNorm keep their
 * defaults, as in the reference.
 *
 * <pre>{@code
 * PatchGanDiscriminator d = new PatchGanDiscriminator(3, 64, 3, PatchGanDiscriminator.Norm.BATCH_NORM, rng);
 * Tensor logits = d.forward(images);            // [B, 3, 256, 256] -> [B, 1, 30, 30]
 * d.stateDict().keySet();                       // main.0.weight, main.0.bias, main.2.weight, main.3.weight, ...
 * }</pre>
 */
public final class PatchGanDiscriminator extends Module implements Layer {
    private static final int KERNEL = 4;
    private static final int PADDING = 1;
    private static final double SLOPE = 0.2;
    private static final double INIT_STD = 0.02;

    /**
     * The normalisation after each inner conv: the reference's {@code use_actnorm} flag.
     *
     * <pre>{@code
     * new PatchGanDiscriminator(3, 64, 3, PatchGanDiscriminator.Norm.ACT_NORM, rng);   // use_actnorm=True
     * }</pre>
     */
    public enum Norm {
        /** {@code nn.BatchNorm2d} (eps 1e-5, momentum 0.1): {@code use_actnorm=False}, the default. */
        BATCH_NORM,
        /** taming's {@link ActNorm}: {@code use_actnorm=True}. */
        ACT_NORM
    }

    private final int inputChannels;
    private final int ndf;
    private final int nLayers;
    private final Norm norm;
    private final Sequential main;

    /**
     * {@code NLayerDiscriminator(input_nc, ndf, n_layers, use_actnorm).apply(weights_init)}.
     *
     * @param inputChannels input_nc, the image channels (plus condition channels for a conditional one)
     * @param ndf           the first conv's width (the reference's default is 64)
     * @param nLayers       n_layers, the number of stride-2 convs (the reference's default is 3; the LDM configs
     *                      often use 2)
     * @param norm          BatchNorm or ActNorm
     * @param rng           draws the default init and then {@code weights_init}
     */
    public PatchGanDiscriminator(int inputChannels, int ndf, int nLayers, Norm norm, Rng rng) {
        if (inputChannels < 1) {
            throw new IllegalArgumentException("inputChannels: expected a positive count, got " + inputChannels);
        }
        if (ndf < 1) {
            throw new IllegalArgumentException("ndf: expected a positive width, got " + ndf);
        }
        if (nLayers < 0) {
            throw new IllegalArgumentException("nLayers: expected a non-negative count, got " + nLayers);
        }
        if (norm == null) {
            throw new IllegalArgumentException("norm: expected BATCH_NORM or ACT_NORM, got null");
        }
        if (rng == null) {
            throw new IllegalArgumentException("rng: expected a generator for the initial weights, got null");
        }
        this.inputChannels = inputChannels;
        this.ndf = ndf;
        this.nLayers = nLayers;
        this.norm = norm;
        boolean useBias = norm != Norm.BATCH_NORM;
        Sequential seq = new Sequential();
        seq.add(new Conv2d(inputChannels, ndf, KERNEL, 2, PADDING, true, rng));
        seq.add(new LeakyReLU(SLOPE));
        int mult = 1;
        for (int n = 1; n < nLayers; n++) {
            int prev = mult;
            mult = multiplier(n);
            seq.add(new Conv2d((long) ndf * prev, (long) ndf * mult, KERNEL, 2, PADDING, useBias, rng));
            seq.add(normLayer((long) ndf * mult));
            seq.add(new LeakyReLU(SLOPE));
        }
        int prev = mult;
        mult = multiplier(nLayers);
        seq.add(new Conv2d((long) ndf * prev, (long) ndf * mult, KERNEL, 1, PADDING, useBias, rng));
        seq.add(normLayer((long) ndf * mult));
        seq.add(new LeakyReLU(SLOPE));
        seq.add(new Conv2d((long) ndf * mult, 1, KERNEL, 1, PADDING, true, rng));
        main = register("main", seq);
        weightsInit(rng);
    }

    /** {@code min(2^n, 8)}. */
    private static int multiplier(int n) {
        return n >= 3 ? 8 : 1 << n;
    }

    private Module normLayer(long channels) {
        return norm == Norm.BATCH_NORM ? new BatchNorm2d(channels) : new ActNorm(channels);
    }

    /** The reference's {@code weights_init}: conv weights N(0, 0.02); BatchNorm weight N(1, 0.02), bias 0. */
    private void weightsInit(Rng rng) {
        try (MemoryScope s = MemoryScope.open()) {
            for (Module m : main.modules()) {
                if (m instanceof Conv2d conv) {
                    Tensor w = conv.weight();
                    w.assign(rng.normal(w.dtype(), w.shape()).mul(INIT_STD));
                } else if (m instanceof BatchNorm2d bn) {
                    Tensor w = bn.parameter("weight");
                    w.assign(rng.normal(w.dtype(), w.shape()).mul(INIT_STD).add(1.0));
                    Tensor b = bn.parameter("bias");
                    b.assign(b.zerosLike());
                }
            }
        }
    }

    /** Patch logits: x [B, inputChannels, H, W] -> [B, 1, H', W'] (no sigmoid). */
    @Override
    public Tensor forward(Tensor x) {
        checkInput(x);
        return main.forward(x);
    }

    /**
     * The output of every {@code main.N}, in order (the last one is the logits): what the parity fixtures trace.
     * Conv and norm outputs are taken before the following LeakyReLU.
     */
    public List<Tensor> forwardTrace(Tensor x) {
        checkInput(x);
        List<Tensor> out = new ArrayList<>(main.size());
        Tensor h = x;
        for (Module m : main.modules()) {
            h = ((Layer) m).forward(h);
            out.add(h);
        }
        return out;
    }

    /** The logits' height (or width) for an input of {@code size} pixels, or a value below 1 if it is too small. */
    public long outputSize(long size) {
        long s = size;
        for (int n = 0; n < Math.max(nLayers, 1); n++) {         // the first conv and n_layers - 1 more: stride 2
            if (s + 2L * PADDING < KERNEL) {
                return 0;
            }
            s = (s + 2L * PADDING - KERNEL) / 2 + 1;
        }
        return s - 2;                                            // two stride-1 4x4 convs with padding 1
    }

    private void checkInput(Tensor x) {
        if (x == null) {
            throw new IllegalArgumentException("x: expected images [B, " + inputChannels + ", H, W], got null");
        }
        Shapes.checkRank("x", x, 4);
        Shapes.checkDim("x", x, 1, inputChannels, "input channels");
        long h = x.size(2);
        long w = x.size(3);
        if (outputSize(h) < 1 || outputSize(w) < 1) {
            throw new IllegalArgumentException("x: too small for " + nLayers + " stride-2 layers and two 4x4 convs; "
                    + "expected at least " + minSize() + "x" + minSize() + " pixels, got " + Shapes.str(x.shape()));
        }
        Tensor w0 = ((Conv2d) main.get(0)).weight();
        if (x.dtype() != w0.dtype()) {
            throw new IllegalArgumentException("x: expected " + w0.dtype() + " (the weights' dtype), got "
                    + x.dtype());
        }
    }

    private long minSize() {
        long s = KERNEL;
        while (outputSize(s) < 1) {
            s++;
        }
        return s;
    }

    /** The layers {@code main.0 ... main.N}. */
    public Sequential main() {
        return main;
    }

    public int inputChannels() {
        return inputChannels;
    }

    public int ndf() {
        return ndf;
    }

    public int nLayers() {
        return nLayers;
    }

    public Norm norm() {
        return norm;
    }

    @Override
    protected String typeName() {
        return "NLayerDiscriminator";
    }

    @Override
    protected String extraRepr() {
        return "input_nc=" + inputChannels + ", ndf=" + ndf + ", n_layers=" + nLayers + ", norm=" + norm;
    }
}
