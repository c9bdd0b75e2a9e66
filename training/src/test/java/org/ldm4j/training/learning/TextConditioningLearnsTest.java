package org.ldm4j.training.learning;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.ldm4j.conditioning.text.EmptyPrompt;
import org.ldm4j.conditioning.text.TransformerEmbedder;
import org.ldm4j.conditioning.text.TransformerEmbedderConfig;
import org.ldm4j.conditioning.text.tokenize.BasicTokenizer;
import org.ldm4j.conditioning.text.tokenize.WordPieceTokenizer;
import org.ldm4j.conditioning.text.tokenize.WordPieceVocabulary;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.optim.AdamW;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.Conditioning;
import org.ldm4j.diffusion.DiffusionLoss;
import org.ldm4j.diffusion.DiffusionLossConfig;
import org.ldm4j.diffusion.DiffusionProcess;
import org.ldm4j.diffusion.NoiseSchedule;
import org.ldm4j.diffusion.Prediction;
import org.ldm4j.training.data.Batch;
import org.ldm4j.training.data.Batches;
import org.ldm4j.training.data.Dataset;
import org.ldm4j.training.data.ShapesDataset;
import org.ldm4j.training.models.UNetDenoiser;
import org.ldm4j.unet.UNetConfig;
import org.ldm4j.unet.UNetModel;

/**
 * Issue 6's learning check: a tiny text encoder (WordPiece vocabulary built from the captions, the reference's
 * TransformerEmbedder) trained jointly with a tiny cross-attention U-Net on the built-in shapes must tell
 * captions apart: on held-back examples the U-Net's loss is lower with the true caption than with another
 * example's caption, for the same images, timesteps and noise. The U-Net predicts x0 (the reference's
 * {@code parameterization: x0}), whose loss at high noise depends most on what the caption says (colour, shape,
 * place); an eps-predicting U-Net learns the same, more slowly, because its loss there is mostly the noise.
 */
class TextConditioningLearnsTest {
    private static final int SIZE = 16;
    private static final int TRAIN_EXAMPLES = 4_000;
    private static final long HELD_BACK_START = 1_000_000;
    private static final int STEPS = 180;
    private static final int BATCH = 16;
    private static final int MAX_LEN = 16;

    @Test
    void jointlyTrainedTextEncoderMakesTheTrueCaptionTheBetterOne() {
        Dataset shapes = ShapesDataset.of(SIZE, 21);
        List<String> corpus = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            corpus.add(shapes.get(i).caption());
        }
        WordPieceTokenizer tok = WordPieceTokenizer.of(WordPieceVocabulary.build(corpus, 200),
                BasicTokenizer.uncased());

        Rng rng = new Rng(8);
        TransformerEmbedder text = new TransformerEmbedder(
                new TransformerEmbedderConfig(32, 1, tok.vocabSize(), MAX_LEN, 2, 16, 2, 0.0),
                EmptyPrompt.ofIds(tok.padId(), tok.encode("")), rng.split());
        UNetModel unet = new UNetModel(UNetConfig.builder().imageSize(SIZE).inChannels(3).outChannels(3)
                .modelChannels(32).channelMult(1, 2).numResBlocks(1).attentionResolutions(2).numHeads(2)
                .useSpatialTransformer(true).contextDim(32).build(), rng.split());
        DiffusionLoss loss = new DiffusionLoss(
                new DiffusionProcess(NoiseSchedule.linear(1000, 0.0015, 0.0195), Prediction.SAMPLE),
                DiffusionLossConfig.reference());
        UNetDenoiser denoiser = new UNetDenoiser(unet);
        Map<String, Tensor> params = new LinkedHashMap<>();
        unet.trainableParameters().forEach((k, v) -> params.put("model.diffusion_model." + k, v));
        text.trainableParameters().forEach((k, v) -> params.put("cond_stage_model." + k, v));
        AdamW opt = AdamW.builder(params).lr(2e-3).weightDecay(0).build();

        Dataset training = shapes.limit(TRAIN_EXAMPLES);
        Rng order = rng.split();
        Rng noise = rng.split();
        for (int step = 0; step < STEPS; step++) {
            Batch b = Batches.random(training, BATCH, order);
            try (MemoryScope s = MemoryScope.open()) {
                Tensor context = text.encode(tok.encode(b.captions(), MAX_LEN).ids());
                Tensor l = loss.compute(denoiser, b.images(), Conditioning.ofContext(context), noise).loss();
                opt.zeroGrad();
                l.backward();
                opt.step();
            }
        }

        // Held back: the same images, timesteps and noise; only the captions differ (each example gets the next
        // example's caption). A paired comparison, example by example: the mean gain must stand well above its noise.
        DiffusionProcess process = loss.process();
        List<Double> gains = new ArrayList<>();
        Rng eval = new Rng(99);
        try (GradMode.Scope g = GradMode.disabled()) {
            for (int round = 0; round < 8; round++) {
                Batch b = Batches.range(shapes, HELD_BACK_START + round * 32L, 32);
                List<String> shuffled = new ArrayList<>(b.captions());
                shuffled.add(shuffled.remove(0));
                try (MemoryScope s = MemoryScope.open()) {
                    Tensor t = eval.randint(500, 950, 32);
                    Tensor eps = eval.normal(b.images().shape());
                    Tensor xt = process.qSample(b.images(), t, eps);
                    double[] right = perExampleError(denoiser, text, tok, xt, t, b.images(), b.captions());
                    double[] wrong = perExampleError(denoiser, text, tok, xt, t, b.images(), shuffled);
                    for (int i = 0; i < right.length; i++) {
                        if (!b.captions().get(i).equals(shuffled.get(i))) {
                            gains.add(wrong[i] - right[i]);
                        }
                    }
                }
            }
        }
        double mean = gains.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double var = gains.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum() / (gains.size() - 1);
        double stderr = Math.sqrt(var / gains.size());
        System.out.printf("text conditioning: held-back x0 error lower by %.4g with the true captions (standard error "
                + "%.3g, %d examples)%n", mean, stderr, gains.size());
        assertTrue(mean > 3 * stderr, "held-back error with another example's caption minus with the true one: mean "
                + mean + " over " + gains.size() + " examples, standard error " + stderr
                + ": expected the true captions to give a clearly lower error");
    }

    private static double[] perExampleError(UNetDenoiser denoiser, TransformerEmbedder text, WordPieceTokenizer tok,
            Tensor xt, Tensor t, Tensor x0, List<String> captions) {
        Tensor context = text.encode(tok.encode(captions, MAX_LEN).ids());
        Tensor out = denoiser.apply(xt, t, Conditioning.ofContext(context));
        return out.sub(x0).square().mean(1, 2, 3).toDoubleArray();
    }
}
