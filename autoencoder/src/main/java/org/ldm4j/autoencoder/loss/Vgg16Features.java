package org.ldm4j.autoencoder.loss;

import java.util.ArrayList;
import java.util.List;
import org.ldm4j.core.nn.Conv2d;
import org.ldm4j.core.nn.F;
import org.ldm4j.core.nn.Layer;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.nn.ReLU;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;

/**
 * torchvision's {@code vgg16().features[0..29]} cut into LPIPS's five slices (taming's {@code vgg16} class): every
 * child keeps its index in {@code features}, so the keys are {@code slice1.0.weight}, {@code slice2.5.weight},
 * ..., {@code slice5.28.bias}. Each conv is 3x3, stride 1, padding 1, with bias, and followed by a ReLU;
 * {@code MaxPool2d(2, 2)} sits at indices 4, 9, 16 and 23 (the last pool, 30, is not used).
 *
 * <pre>{@code
 * Vgg16Features net = new Vgg16Features(rng);
 * List<Tensor> f = net.forward(x);   // relu1_2 [B,64,H,W], relu2_2 [B,128,H/2,W/2], ..., relu5_3 [B,512,H/16,W/16]
 * }</pre>
 */
final class Vgg16Features extends Module {
    /** Output widths of the convs of each slice (VGG16's configuration "D"). */
    private static final int[][] WIDTHS = {{64, 64}, {128, 128}, {256, 256, 256}, {512, 512, 512}, {512, 512, 512}};

    private final List<Slice> slices = new ArrayList<>();

    /** Random weights (PyTorch's default conv init), to be overwritten by loading a weights file. */
    Vgg16Features(Rng rng) {
        int index = 0;
        long in = 3;
        for (int s = 0; s < WIDTHS.length; s++) {
            Slice slice = new Slice();
            if (s > 0) {
                slice.add(index++, new MaxPool2x2());
            }
            for (int width : WIDTHS[s]) {
                slice.add(index++, new Conv2d(in, width, 3, 1, 1, true, rng));
                slice.add(index++, new ReLU());
                in = width;
            }
            slices.add(register("slice" + (s + 1), slice));
        }
    }

    /** x [B, 3, H, W] (already scaled) -> relu1_2, relu2_2, relu3_3, relu4_3, relu5_3. */
    List<Tensor> forward(Tensor x) {
        List<Tensor> out = new ArrayList<>(slices.size());
        Tensor h = x;
        for (Slice s : slices) {
            h = s.forward(h);
            out.add(h);
        }
        return out;
    }

    /** A run of {@code features} whose children are named by their index there (not 0, 1, ... as Sequential). */
    private static final class Slice extends Module implements Layer {
        private final List<Layer> layers = new ArrayList<>();

        <M extends Module & Layer> void add(int index, M layer) {
            register(Integer.toString(index), layer);
            layers.add(layer);
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor h = x;
            for (Layer l : layers) {
                h = l.forward(h);
            }
            return h;
        }
    }

    /** {@code nn.MaxPool2d(kernel_size=2, stride=2)}; no state. */
    private static final class MaxPool2x2 extends Module implements Layer {
        @Override
        public Tensor forward(Tensor x) {
            return F.maxPool2d(x, 2, 2, 0);
        }

        @Override
        protected String typeName() {
            return "MaxPool2d";
        }

        @Override
        protected String extraRepr() {
            return "kernel=2, stride=2";
        }
    }
}
