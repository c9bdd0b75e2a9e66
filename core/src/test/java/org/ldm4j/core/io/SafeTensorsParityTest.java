package org.ldm4j.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.core.testing.Fixtures;

/**
 * The CompVis parity fixtures (written by the Python generator, see fixtures/ldm-parity/README.md) read
 * correctly: counts, shapes, dtypes, metadata, and values checked against relations that hold independently of
 * how they were read (chunk = slice, schedules = their formulas, the stated f32-vs-f64 error).
 */
class SafeTensorsParityTest {
    @TempDir
    Path dir;

    @Test
    void unetTinyWeights() throws Exception {
        StateDict w = Fixtures.parity("unet_tiny.safetensors");
        assertEquals(208, w.size());
        assertEquals(985_444, w.numel());
        assertShape(w, "input_blocks.0.0.weight", DType.FLOAT32, 32, 4, 3, 3);
        assertShape(w, "out.2.weight", DType.FLOAT32, 4, 32, 3, 3);
        assertShape(w, "time_embed.0.weight", DType.FLOAT32, 128, 32);
        assertShape(w, "input_blocks.3.1.transformer_blocks.0.attn2.to_k.weight", DType.FLOAT32, 64, 32);
        for (Tensor t : w.tensors().values()) {
            assertEquals(DType.FLOAT32, t.dtype());
        }
        assertEquals("1001", w.metadata().get("seed"));
        Map<?, ?> config = (Map<?, ?>) Json.parse(w.metadata().get("config"));
        assertEquals(32L, config.get("model_channels"));
        // weights are 0.05 * N(0, 1): 32768 samples pin the mean and std (garbled bytes would not)
        double[] ff = w.get("input_blocks.3.1.transformer_blocks.0.ff.net.0.proj.weight").toDoubleArray();
        assertEquals(0.0, mean(ff), 0.002);
        assertEquals(0.05, std(ff), 0.002);
        // GroupNorm weights are 1 + 0.05 * N(0, 1)
        assertEquals(1.0, mean(w.get("out.0.weight").toDoubleArray()), 0.04);
    }

    @Test
    void unetTinyIo() throws Exception {
        StateDict io = Fixtures.parity("unet_tiny_io.safetensors");
        assertEquals(16, io.size());
        assertShape(io, "x", DType.FLOAT32, 2, 4, 8, 8);
        assertShape(io, "context", DType.FLOAT32, 2, 5, 32);
        assertShape(io, "eps_f64", DType.FLOAT64, 2, 4, 8, 8);
        assertShape(io, "t", DType.FLOAT32, 2);
        assertArrayEquals(new double[] {10, 900}, io.get("t").toDoubleArray());
        // the metadata states the f32-vs-f64 max error; recompute it from the two tensors
        Map<?, ?> stated = (Map<?, ?>) Json.parse(io.metadata().get("f32_vs_f64"));
        double maxAbs = ((java.math.BigDecimal) stated.get("max_abs")).doubleValue();
        double[] eps = io.get("eps").toDoubleArray();
        double[] ref = io.get("eps_f64").toDoubleArray();
        double max = 0;
        for (int i = 0; i < eps.length; i++) {
            max = Math.max(max, Math.abs(eps[i] - ref[i]));
        }
        assertEquals(maxAbs, max, 1e-20);
    }

    @Test
    void vaeTinyWeights() {
        StateDict w = Fixtures.parity("vae_tiny.safetensors");
        assertEquals(154, w.size());
        assertEquals(708_679, w.numel());
        assertShape(w, "encoder.conv_in.weight", DType.FLOAT32, 32, 3, 3, 3);
        assertShape(w, "quant_conv.weight", DType.FLOAT32, 8, 8, 1, 1);
        assertShape(w, "decoder.conv_out.weight", DType.FLOAT32, 3, 32, 3, 3);
        assertEquals("3001", w.metadata().get("seed"));
        assertEquals("4", w.metadata().get("embed_dim"));
    }

    @Test
    void vaeTinyIoRelationsHoldExactly() {
        StateDict io = Fixtures.parity("vae_tiny_io.safetensors");
        assertEquals(37, io.size());
        assertShape(io, "moments", DType.FLOAT32, 2, 8, 8, 8);
        assertShape(io, "mean_f64", DType.FLOAT64, 2, 4, 8, 8);
        float[] moments = io.get("moments").toFloatArray();     // [2, 8, 8, 8]
        float[] mean = io.get("mean").toFloatArray();           // [2, 4, 8, 8]
        float[] logvar = io.get("logvar").toFloatArray();
        float[] std = io.get("std").toFloatArray();
        float[] noise = io.get("noise").toFloatArray();
        float[] zSample = io.get("z_sample").toFloatArray();
        double[] kl = new double[2];
        for (int b = 0; b < 2; b++) {
            for (int c = 0; c < 4; c++) {
                for (int hw = 0; hw < 64; hw++) {
                    int i = b * 256 + c * 64 + hw;
                    // mean, logvar = chunk(moments, 2, dim=1); logvar = clamp(logvar, -30, 20)
                    assertEquals(moments[b * 512 + c * 64 + hw], mean[i], "mean" + i);
                    assertEquals(Math.min(20f, Math.max(-30f, moments[b * 512 + (c + 4) * 64 + hw])), logvar[i]);
                    // std = exp(0.5 logvar) in float32: within an ulp of the double value
                    assertEquals(Math.exp(0.5 * logvar[i]), std[i], 2.5e-7 * std[i]);
                    // z_sample = mean + std * noise, in float32
                    float prod = std[i] * noise[i];
                    assertEquals(mean[i] + prod, zSample[i], 0f);
                    kl[b] += 0.5 * ((double) mean[i] * mean[i] + Math.exp(logvar[i]) - 1 - logvar[i]);
                }
            }
        }
        double[] storedKl = io.get("kl").toDoubleArray();
        assertEquals(storedKl[0], kl[0], 1e-6 * kl[0]);
        assertEquals(storedKl[1], kl[1], 1e-6 * kl[1]);
    }

    @Test
    void schedulesFollowTheirFormulas() throws IOException {
        StateDict s = Fixtures.parity("schedules.safetensors");
        assertEquals(26, s.size());
        assertShape(s, "sd_linear.betas", DType.FLOAT32, 1000);
        assertShape(s, "ddpm_linear.betas_f64", DType.FLOAT64, 1000);
        assertEquals("make_beta_schedule('linear', 1000, linear_start=1e-4, linear_end=2e-2)",
                s.metadata().get("ddpm_linear"));

        // ddim50.timesteps = range(0, 1000, 20) + 1
        double[] ts = s.get("ddim50.timesteps").toDoubleArray();
        assertEquals(50, ts.length);
        for (int i = 0; i < 50; i++) {
            assertEquals(1 + 20 * i, ts[i]);
        }

        // "linear": betas = linspace(sqrt(start), sqrt(end), 1000, float64) ** 2
        double[] betas = s.get("ddpm_linear.betas_f64").toDoubleArray();
        double lo = Math.sqrt(1e-4);
        double hi = Math.sqrt(2e-2);
        assertEquals(lo * lo, betas[0], 0.0);
        assertEquals(hi * hi, betas[999], 0.0);
        assertEquals(1e-4, betas[0], 1e-19);
        assertEquals(2e-2, betas[999], 1e-17);
        for (int i = 0; i < 1000; i++) {
            double x = lo + i * (hi - lo) / 999;
            assertEquals(x * x, betas[i], 2e-15 * betas[i], "betas[" + i + "]");
        }

        // sd_linear: alphas_cumprod = cumprod(1 - betas) in float64, then stored as float32 too
        double[] sdBetas = s.get("sd_linear.betas_f64").toDoubleArray();
        double[] ac64 = s.get("sd_linear.alphas_cumprod_f64").toDoubleArray();
        float[] ac32 = s.get("sd_linear.alphas_cumprod").toFloatArray();
        float[] acPrev = s.get("sd_linear.alphas_cumprod_prev").toFloatArray();
        float[] betas32 = s.get("sd_linear.betas").toFloatArray();
        double prod = 1;
        for (int i = 0; i < 1000; i++) {
            prod *= 1 - sdBetas[i];
            assertEquals(prod, ac64[i], 0.0, "alphas_cumprod_f64[" + i + "]");
            assertEquals((float) ac64[i], ac32[i], 0f, "alphas_cumprod[" + i + "]");
            assertEquals((float) sdBetas[i], betas32[i], 0f, "betas[" + i + "]");
            assertEquals(i == 0 ? 1f : ac32[i - 1], acPrev[i], 0f, "alphas_cumprod_prev[" + i + "]");
        }
        assertEquals(0.00085, sdBetas[0], 1e-18);
    }

    @Test
    void lazyReadingListsWithoutLoadingAndTheDataIsInSortedNameOrder() throws IOException {
        try (SafeTensorsReader r = SafeTensors.open(Fixtures.parityFile("unet_tiny.safetensors"))) {
            assertEquals(208, r.size());
            List<String> sorted = new ArrayList<>(r.names());
            sorted.sort(null);
            assertEquals(sorted, r.names());
            long numel = 0;
            for (TensorInfo t : r.infos()) {
                numel += t.numel();
                assertEquals(4 * t.numel(), t.byteSize(), t.name());
            }
            assertEquals(985_444, numel);
            assertArrayEquals(new long[] {4, 32, 3, 3}, r.shape("out.2.weight"));
            Tensor one = r.get("out.2.bias");
            assertArrayEquals(Fixtures.parity("unet_tiny.safetensors").get("out.2.bias").toFloatArray(),
                    one.toFloatArray());
        }
    }

    @Test
    void rewritingAFixtureReproducesItsDataBytes() throws IOException {
        Path original = Fixtures.parityFile("unet_tiny_io.safetensors");
        Path copy = dir.resolve("copy.safetensors");
        StateDict.read(original).write(copy);
        byte[] a = Files.readAllBytes(original);
        byte[] b = Files.readAllBytes(copy);
        assertEquals(139_352, a.length, "the fixture's size in its README");
        byte[] tailA = Arrays.copyOfRange(a, (int) dataStart(a), a.length);
        byte[] tailB = Arrays.copyOfRange(b, (int) dataStart(b), b.length);
        assertTrue(tailA.length > 100_000);
        assertArrayEquals(tailA, tailB, "same tensors, same sorted order, same bytes");
        assertEquals(StateDict.read(original).metadata(), StateDict.read(copy).metadata());
    }

    private static long dataStart(byte[] file) {
        return 8 + java.nio.ByteBuffer.wrap(file, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private static void assertShape(StateDict sd, String name, DType dtype, long... shape) {
        Tensor t = sd.get(name);
        assertEquals(dtype, t.dtype(), name);
        assertArrayEquals(shape, t.shape(), name);
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static double std(double[] v) {
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / v.length);
    }
}
