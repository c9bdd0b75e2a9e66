package org.ldm4j.autoencoder;

import java.util.ArrayList;
import java.util.List;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/**
 * Decodes latents too large to decode at once (memory grows with the image: the decoder's activations at full
 * resolution, and its mid-block attention over every latent position) in overlapping tiles. Each tile of at most
 * {@code tile x tile} latents is decoded on its own, and the tiles are blended with linear ramps across
 * {@code overlap} latents (times the downsampling factor in pixels), so no seam shows where tiles meet. The
 * decoder's GroupNorm and attention then see one tile at a time, so the result differs slightly from a whole
 * decode (as every tiled VAE decode does); a latent that fits in one tile is decoded whole, exactly as
 * {@link FirstStage#decode}.
 *
 * <pre>{@code
 * Tensor image = TiledDecoding.decode(vae, z, 64, 8);   // [1, 3, 1024, 1024] from z [1, 4, 128, 128]
 * }</pre>
 */
public final class TiledDecoding {
    private TiledDecoding() {
    }

    /**
     * Images [B, outCh, f*h, f*w] from latents z [B, C, h, w], decoded in tiles of {@code tile} latents that
     * overlap by {@code overlap} (0 <= overlap < tile).
     */
    @SuppressWarnings("try")
    public static Tensor decode(FirstStage stage, Tensor z, int tile, int overlap) {
        if (stage == null || z == null || z.rank() != 4) {
            throw new IllegalArgumentException("stage, z: expected a first stage and latents [B, C, h, w], got "
                    + stage + " and " + (z == null ? null : java.util.Arrays.toString(z.shape())));
        }
        if (tile < 1 || overlap < 0 || overlap >= tile) {
            throw new IllegalArgumentException("tile, overlap: expected tile >= 1 and 0 <= overlap < tile, got " + tile
                    + " and " + overlap);
        }
        int b = (int) z.size(0);
        int h = (int) z.size(2);
        int w = (int) z.size(3);
        if (h <= tile && w <= tile) {
            return stage.decode(z);
        }
        List<Integer> ys = starts(h, tile, overlap);
        List<Integer> xs = starts(w, tile, overlap);
        int f = 0;
        int ch = 0;
        float[] acc = null;
        float[] weight = null;
        try (GradMode.Scope g = GradMode.disabled()) {
            for (int y0 : ys) {
                for (int x0 : xs) {
                    int th = Math.min(tile, h - y0);
                    int tw = Math.min(tile, w - x0);
                    float[] out;
                    long[] shape;
                    try (MemoryScope s = MemoryScope.open()) {
                        Tensor piece = stage.decode(z.slice(2, y0, y0 + th).slice(3, x0, x0 + tw));
                        shape = piece.shape();
                        out = piece.to(DType.FLOAT32).toFloatArray();
                    }
                    if (acc == null) {
                        f = (int) (shape[2] / th);
                        ch = (int) shape[1];
                        acc = new float[b * ch * (f * h) * (f * w)];
                        weight = new float[(f * h) * (f * w)];
                    }
                    float[] wy = ramp(f * th, y0 > 0 ? f * overlap : 0, y0 + th < h ? f * overlap : 0);
                    float[] wx = ramp(f * tw, x0 > 0 ? f * overlap : 0, x0 + tw < w ? f * overlap : 0);
                    int height = f * h;
                    int width = f * w;
                    for (int py = 0; py < f * th; py++) {
                        int row = (f * y0 + py) * width + f * x0;
                        for (int px = 0; px < f * tw; px++) {
                            weight[row + px] += wy[py] * wx[px];
                        }
                    }
                    for (int n = 0; n < b * ch; n++) {
                        int src = n * (f * th) * (f * tw);
                        int dst = n * height * width;
                        for (int py = 0; py < f * th; py++) {
                            int row = dst + (f * y0 + py) * width + f * x0;
                            int in = src + py * (f * tw);
                            for (int px = 0; px < f * tw; px++) {
                                acc[row + px] += out[in + px] * (wy[py] * wx[px]);
                            }
                        }
                    }
                }
            }
        }
        int plane = (f * h) * (f * w);
        for (int i = 0; i < acc.length; i++) {
            acc[i] /= weight[i % plane];
        }
        Tensor image = Tensor.of(acc, b, ch, (long) f * h, (long) f * w);
        return z.dtype() == DType.FLOAT32 ? image : image.to(z.dtype());
    }

    /** Tile starts along an axis of {@code len}: every {@code tile - overlap}, the last one ending at the edge. */
    static List<Integer> starts(int len, int tile, int overlap) {
        List<Integer> out = new ArrayList<>();
        if (len <= tile) {
            out.add(0);
            return out;
        }
        for (int s = 0; ; s += tile - overlap) {
            if (s + tile >= len) {
                out.add(len - tile);
                return out;
            }
            out.add(s);
        }
    }

    /** Weights over {@code n} pixels rising across the first {@code up} and falling across the last {@code down}. */
    private static float[] ramp(int n, int up, int down) {
        float[] r = new float[n];
        for (int i = 0; i < n; i++) {
            float v = 1f;
            if (i < up) {
                v = Math.min(v, (i + 0.5f) / up);
            }
            if (i >= n - down) {
                v = Math.min(v, (n - i - 0.5f) / down);
            }
            r[i] = v;
        }
        return r;
    }
}
