package org.ldm4j.autoencoder.loss;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ldm4j.core.io.SafeTensors;
import org.ldm4j.core.io.StateDict;
import org.ldm4j.core.nn.Conv2d;
import org.ldm4j.core.nn.Dropout;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.nn.Sequential;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * The LPIPS perceptual distance with VGG16 features (Zhang et al. 2018), as taming-transformers'
 * {@code taming.modules.losses.lpips.LPIPS} computes it for the autoencoder losses:
 * <ol>
 *   <li>ScalingLayer: {@code (x - shift) / scale} per RGB channel (a division; float32 buffers
 *       {@code scaling_layer.shift = [-.030, -.088, -.188]}, {@code scaling_layer.scale = [.458, .448, .450]});</li>
 *   <li>torchvision's VGG16 convolutions up to relu5_3, cut into the slices {@code net.slice1..5} whose children
 *       keep torchvision's indices ({@code net.slice1.0}, {@code net.slice1.2}, {@code net.slice2.5}, ...);</li>
 *   <li>per layer k, unit-normalised channels {@code n = f / (sqrt(sum_c f^2) + 1e-10)} (the eps outside the
 *       root), {@code d = (n_x - n_y)^2}, the 1x1 conv without bias {@code lin{k}.model.1.weight} [1, C, 1, 1] and
 *       the spatial mean: {@code res_k} [B, 1, 1, 1];</li>
 *   <li>{@code val = res0 + res1 + res2 + res3 + res4}, accumulated left to right.</li>
 * </ol>
 * The parameters are frozen ({@code requiresGrad} false, as the reference sets them), and gradients flow to both
 * inputs. A new instance is in evaluation mode.
 *
 * <h2>Dropout: the reference's surprise</h2>
 * Each {@code lin{k}.model} is {@code [Dropout(0.5), Conv2d]}, which is why the weight's key is
 * {@code model.1.weight}. The dropout is inactive in evaluation mode. The reference constructs
 * {@code LPIPS().eval()} inside the loss, but any later {@code train()} on a parent module (Lightning calls
 * {@code model.train()}) switches it back on, so CompVis training very probably ran LPIPS with random dropout.
 * This class behaves the same way: {@code train()} on an enclosing loss makes the LPIPS value random (drawn from the
 * {@link Rng} given at construction). Call {@code lpips.eval()} after {@code train()} for the deterministic metric.
 *
 * <h2>Weights</h2>
 * There is no download: a user brings a safetensors file with the reference's keys ({@code scaling_layer.*},
 * {@code net.slice*.*}, {@code lin*.model.1.weight}), produced once from the official LPIPS {@code vgg.pth} (the
 * linear heads) and torchvision's ImageNet VGG16 (the features) with this Python snippet (also in
 * {@code doc-files/lpips-weights.md}):
 * <pre>
 * import torch, torchvision
 * from safetensors.torch import save_file
 * vgg = torchvision.models.vgg16(weights="IMAGENET1K_V1").features
 * sd = {"scaling_layer.shift": torch.tensor([-.030, -.088, -.188])[None, :, None, None],
 *       "scaling_layer.scale": torch.tensor([.458, .448, .450])[None, :, None, None]}
 * for s, (lo, hi) in enumerate([(0, 4), (4, 9), (9, 16), (16, 23), (23, 30)], start=1):
 *     for i in range(lo, hi):
 *         if isinstance(vgg[i], torch.nn.Conv2d):
 *             sd[f"net.slice{s}.{i}.weight"], sd[f"net.slice{s}.{i}.bias"] = vgg[i].weight, vgg[i].bias
 * lin = torch.load("vgg.pth", map_location="cpu")       # LPIPS v0.1 heads: lin0.model.1.weight ... lin4
 * for k in range(5):
 *     sd[f"lin{k}.model.1.weight"] = lin[f"lin{k}.model.1.weight"]
 * save_file({k: v.detach().float().contiguous() for k, v in sd.items()}, "lpips_vgg16.safetensors")
 * </pre>
 *
 * <pre>{@code
 * Lpips lpips = Lpips.load(Path.of("lpips_vgg16.safetensors"));
 * try (GradMode.Scope g = GradMode.disabled()) {
 *     Tensor d = lpips.forward(x, y);          // x, y [B, 3, H, W] in [-1, 1], H, W >= 16 -> [B, 1, 1, 1]
 * }
 * }</pre>
 */
public final class Lpips extends Module {
    /** The widths of relu1_2 ... relu5_3. */
    private static final long[] CHANNELS = {64, 128, 256, 512, 512};
    /** Added to the channel norm, outside the square root ({@code normalize_tensor}). */
    private static final double NORM_EPS = 1e-10;
    /** Four 2x2 max-pools: the smallest input that leaves relu5_3 a pixel. */
    private static final long MIN_SIZE = 16;
    private static final String PROBE_KEY = "lin0.model.1.weight";

    private final ScalingLayer scalingLayer;
    private final Vgg16Features net;
    private final List<NetLinLayer> lins = new ArrayList<>();

    /**
     * Random weights (PyTorch's default init, meaningless until a weights file is loaded); {@code rng} draws them
     * and, split off, the dropout masks used in training mode.
     */
    public Lpips(Rng rng) {
        if (rng == null) {
            throw new IllegalArgumentException("rng: expected a generator for the initial weights, got null");
        }
        scalingLayer = register("scaling_layer", new ScalingLayer());
        net = register("net", new Vgg16Features(rng));
        Rng dropoutRng = rng.split();
        for (int k = 0; k < CHANNELS.length; k++) {
            lins.add(register("lin" + k, new NetLinLayer(CHANNELS[k], dropoutRng.split(), rng)));
        }
        freeze();
        eval();
    }

    /** {@link #load(Path, Rng)} with a fixed dropout generator ({@code new Rng(0)}). */
    public static Lpips load(Path file) throws IOException {
        return load(file, new Rng(0));
    }

    /** A new LPIPS with the weights of a safetensors file (see {@link #loadWeights(Path)}). */
    public static Lpips load(Path file, Rng rng) throws IOException {
        return new Lpips(rng).loadWeights(file);
    }

    /**
     * Loads the weights of a safetensors file into this instance, strictly (see {@link #loadWeights(Map)}).
     *
     * @throws IOException              if the file cannot be read or is no safetensors file
     * @throws IllegalArgumentException naming the file and the missing, unexpected or mis-shaped keys
     */
    public Lpips loadWeights(Path file) throws IOException {
        if (file == null) {
            throw new IllegalArgumentException("file: expected a safetensors file with the LPIPS weights, got null");
        }
        try (MemoryScope scope = MemoryScope.open()) {
            StateDict sd = SafeTensors.read(file);
            try {
                loadWeights(sd.tensors());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("file " + file + ": " + e.getMessage(), e);
            }
        }
        return this;
    }

    /**
     * Copies the weights under the reference's keys into this instance (strict: every key present, none extra,
     * shapes equal; converted to this module's dtype). The keys may also carry the prefix
     * {@code perceptual_loss.} (a loss state dict) or {@code loss.perceptual_loss.} (a full autoencoder
     * checkpoint); then only the entries under that prefix are taken.
     *
     * @throws IllegalArgumentException naming the missing, unexpected or mis-shaped keys; nothing is loaded then
     */
    public Lpips loadWeights(Map<String, Tensor> weights) {
        if (weights == null) {
            throw new IllegalArgumentException("weights: expected a map of tensors, got null");
        }
        Map<String, Tensor> own = weights;
        for (String prefix : new String[] {"perceptual_loss.", "loss.perceptual_loss."}) {
            if (!weights.containsKey(PROBE_KEY) && weights.containsKey(prefix + PROBE_KEY)) {
                own = new LinkedHashMap<>();
                for (Map.Entry<String, Tensor> e : weights.entrySet()) {
                    if (e.getKey().startsWith(prefix)) {
                        own.put(e.getKey().substring(prefix.length()), e.getValue());
                    }
                }
                break;
            }
        }
        try {
            load(own, true);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("weights: not the LPIPS weights under the reference's keys ("
                    + e.getMessage() + "). Produce the file from the official vgg.pth and torchvision's VGG16 as "
                    + "the Lpips class documentation shows", e);
        }
        return this;
    }

    /** The LPIPS distance, x and y [B, 3, H, W] (H, W >= 16, values in [-1, 1]) -> [B, 1, 1, 1]. */
    public Tensor forward(Tensor x, Tensor y) {
        return trace(x, y).value();
    }

    /** {@link #forward} keeping every intermediate result. */
    public Trace trace(Tensor x, Tensor y) {
        checkInputs(x, y);
        Tensor sx = scalingLayer.forward(x);                  // (B, 3, H, W)
        Tensor sy = scalingLayer.forward(y);
        List<Tensor> fx = net.forward(sx);
        List<Tensor> fy = net.forward(sy);
        List<Tensor> maps = new ArrayList<>();
        List<Tensor> res = new ArrayList<>();
        Tensor val = null;
        for (int k = 0; k < CHANNELS.length; k++) {
            Tensor d = normalize(fx.get(k)).sub(normalize(fy.get(k))).square();      // (B, C_k, H_k, W_k)
            Tensor map = lins.get(k).forward(d);                                     // (B, 1, H_k, W_k)
            Tensor r = spatialAverage(map);                                          // (B, 1, 1, 1)
            maps.add(map);
            res.add(r);
            val = val == null ? r : val.add(r);
        }
        return new Trace(sx, sy, fx, fy, maps, res, val);
    }

    /**
     * {@code spatial_average}: the mean over H and W, taken over W and then over H. The two short reductions keep
     * float32 rounding near PyTorch's (cascade summation): one reduction over both axes accumulates sequentially in
     * float32 and was measured ~7 ulp off on a 64x64 map, 25 times the reference's float32 error.
     */
    private static Tensor spatialAverage(Tensor map) {
        return map.mean(true, 3).mean(true, 2);
    }

    /** {@code normalize_tensor}: f / (sqrt(sum over channels of f^2) + 1e-10). */
    private static Tensor normalize(Tensor f) {
        return f.div(f.square().sum(true, 1).sqrt().add(NORM_EPS));
    }

    private void checkInputs(Tensor x, Tensor y) {
        if (x == null || y == null) {
            throw new IllegalArgumentException("x, y: expected two image batches [B, 3, H, W], got null");
        }
        Shapes.checkRank("x", x, 4);
        Shapes.checkDim("x", x, 1, 3, "RGB channels");
        if (x.size(2) < MIN_SIZE || x.size(3) < MIN_SIZE) {
            throw new IllegalArgumentException("x: expected at least " + MIN_SIZE + "x" + MIN_SIZE + " pixels (VGG16 "
                    + "pools four times before relu5_3), got " + Shapes.str(x.shape()));
        }
        Shapes.checkShape("y", y, x.shape());
        DType weights = scalingLayer.buffer("shift").dtype();
        if (x.dtype() != weights || y.dtype() != weights) {
            throw new IllegalArgumentException("x, y: expected " + weights + " tensors (the weights' dtype), got "
                    + x.dtype() + " and " + y.dtype());
        }
    }

    /**
     * The intermediate results of one LPIPS evaluation (what the parity fixtures trace).
     *
     * <pre>{@code
     * Lpips.Trace t = lpips.trace(x, y);
     * Tensor relu3x = t.featuresX().get(2);      // relu3_3 of x [B, 256, H/4, W/4]
     * Tensor res0 = t.layerDistances().get(0);    // [B, 1, 1, 1]
     * }</pre>
     *
     * @param scaledX        the ScalingLayer output for x [B, 3, H, W]
     * @param scaledY        the ScalingLayer output for y
     * @param featuresX      relu1_2, relu2_2, relu3_3, relu4_3, relu5_3 of x
     * @param featuresY      the same for y
     * @param linMaps        each {@code lin{k}} output before the spatial mean [B, 1, H_k, W_k]
     * @param layerDistances each {@code res_k} [B, 1, 1, 1]
     * @param value          their sum, the LPIPS distance [B, 1, 1, 1]
     */
    public record Trace(Tensor scaledX, Tensor scaledY, List<Tensor> featuresX, List<Tensor> featuresY,
                        List<Tensor> linMaps, List<Tensor> layerDistances, Tensor value) {
        /** Copies the lists (unmodifiable). */
        public Trace {
            featuresX = List.copyOf(featuresX);
            featuresY = List.copyOf(featuresY);
            linMaps = List.copyOf(linMaps);
            layerDistances = List.copyOf(layerDistances);
        }
    }

    /** {@code (x - shift) / scale} with the float32 constants as buffers {@code shift}, {@code scale} [1, 3, 1, 1]. */
    private static final class ScalingLayer extends Module {
        ScalingLayer() {
            try (MemoryScope s = MemoryScope.open()) {
                registerBuffer("shift", Tensor.of(new float[] {-.030f, -.088f, -.188f}, 1, 3, 1, 1));
                registerBuffer("scale", Tensor.of(new float[] {.458f, .448f, .450f}, 1, 3, 1, 1));
            }
        }

        Tensor forward(Tensor x) {
            return x.sub(buffer("shift")).div(buffer("scale"));
        }
    }

    /** {@code NetLinLayer(C, use_dropout=True)}: {@code model = [Dropout(0.5), Conv2d(C, 1, 1, bias=False)]}. */
    private static final class NetLinLayer extends Module {
        private final Sequential model;

        NetLinLayer(long channels, Rng dropoutRng, Rng rng) {
            model = register("model", new Sequential(new Dropout(0.5, dropoutRng),
                    new Conv2d(channels, 1, 1, 1, 0, false, rng)));
        }

        Tensor forward(Tensor d) {
            return model.forward(d);
        }
    }
}
