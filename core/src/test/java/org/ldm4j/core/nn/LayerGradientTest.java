package org.ldm4j.core.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.ldm4j.core.testing.GradCheck.check;
import static org.ldm4j.core.testing.GradCheck.input;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;

/**
 * Finite-difference gradient checks of every layer in float64, with respect to the input and every parameter:
 * each layer is built in float32, converted with {@code to(FLOAT64)}, then checked.
 */
class LayerGradientTest {
    private final Rng rng = new Rng(11);

    /** Converts {@code layer} to float64 and checks d/dx and d/dparam for every parameter. */
    private static void checkLayer(Module layer, Tensor x) {
        layer.to(DType.FLOAT64);
        List<Tensor> inputs = new ArrayList<>();
        inputs.add(x);
        inputs.addAll(layer.parameters());
        for (Tensor p : layer.parameters()) {
            assertEquals(DType.FLOAT64, p.dtype());
        }
        check(in -> ((Layer) layer).forward(in[0]), inputs.toArray(new Tensor[0]));
    }

    @Test
    void linear() {
        checkLayer(new Linear(4, 3, true, rng), input(rng, 2, 5, 4));
        checkLayer(new Linear(4, 3, false, rng), input(rng, 3, 4));
    }

    @Test
    void conv2d() {
        checkLayer(new Conv2d(3, 4, 3, 1, 1, true, rng), input(rng, 2, 3, 3, 4));
        checkLayer(new Conv2d(2, 3, 3, 2, 0, false, rng), input(rng, 1, 2, 5, 4));
        checkLayer(new Conv2d(2, 2, 1, 3, 1, 1, 0, 1, true, rng), input(rng, 1, 2, 4, 3));
    }

    @Test
    void conv1d() {
        checkLayer(new Conv1d(3, 4, 1, true, rng), input(rng, 2, 3, 5));
    }

    @Test
    void groupNorm() {
        GroupNorm gn = new GroupNorm(2, 4, 1e-5);
        gn.to(DType.FLOAT64);
        // move weight and bias away from 1 and 0 so that their gradients are exercised generally
        gn.weight().assign(rng.normal(DType.FLOAT64, 4));
        gn.bias().assign(rng.normal(DType.FLOAT64, 4));
        checkLayer(gn, input(rng, 2, 4, 3, 3));
        checkLayer(new GroupNorm(2, 4, 1e-6, false), input(rng, 2, 4, 5));
    }

    @Test
    void layerNorm() {
        LayerNorm ln = new LayerNorm(6, 1e-5, true);
        ln.to(DType.FLOAT64);
        ln.weight().assign(rng.normal(DType.FLOAT64, 6));
        checkLayer(ln, input(rng, 2, 3, 6));
        checkLayer(new LayerNorm(5, 1e-5, false), input(rng, 4, 5));
    }

    @Test
    void batchNormInTrainingMode() {
        BatchNorm2d bn = new BatchNorm2d(3);
        bn.to(DType.FLOAT64);
        bn.parameter("weight").assign(rng.normal(DType.FLOAT64, 3));
        checkLayer(bn, input(rng, 3, 3, 2, 2));
    }

    @Test
    void batchNormInEvalMode() {
        BatchNorm2d bn = new BatchNorm2d(3);
        bn.to(DType.FLOAT64);
        bn.runningMean().assign(rng.normal(DType.FLOAT64, 3));
        bn.runningVar().assign(rng.uniform(DType.FLOAT64, 0.5, 2.0, 3));
        bn.eval();
        checkLayer(bn, input(rng, 2, 3, 2, 2));
    }

    @Test
    void embeddingWithRespectToItsTable() {
        Embedding emb = new Embedding(5, 3, rng);
        emb.to(DType.FLOAT64);
        Tensor indices = Tensor.of(new long[] {0, 3, 3, 4, 1, 0}, 2, 3);   // repeats accumulate
        check(in -> emb.forward(indices), emb.weight());
    }

    @Test
    void sequential() {
        Sequential seq = new Sequential(new Linear(4, 6, true, rng), new SiLU(), new Linear(6, 5, true, rng),
                new GELU(), new LeakyReLU(0.2), new Linear(5, 3, true, rng), new Tanh(), new Identity());
        checkLayer(seq, input(rng, 2, 4));
    }

    @Test
    void resBlockShapedModule() {
        ResBlockLike block = new ResBlockLike(32, 4, 32, rng);
        block.to(DType.FLOAT64);
        Tensor x = new Rng(2).normal(DType.FLOAT64, 1, 32, 2, 2);
        Tensor emb = input(rng, 1, 4);
        // through every sublayer: d/d emb and d/d the last conv's bias (x and the rest are covered above)
        check(in -> block.forward(x, in[0]), emb, block.namedParameters().get("out_layers.3.bias"));
    }
}
