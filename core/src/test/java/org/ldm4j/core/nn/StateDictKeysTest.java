package org.ldm4j.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;

/** State-dict keys and order against the reference's (PyTorch's) names. */
class StateDictKeysTest {
    private final Rng rng = new Rng(7);

    @Test
    void resBlockKeysAreThePyTorchOnesInOrder() {
        ResBlockLike block = new ResBlockLike(32, 128, 64, rng);
        assertEquals(List.of(
                "in_layers.0.weight", "in_layers.0.bias", "in_layers.2.weight", "in_layers.2.bias",
                "emb_layers.1.weight", "emb_layers.1.bias",
                "out_layers.0.weight", "out_layers.0.bias", "out_layers.3.weight", "out_layers.3.bias",
                "skip_connection.weight", "skip_connection.bias"), List.copyOf(block.stateDict().keySet()));
        assertEquals(List.copyOf(block.stateDict().keySet()), List.copyOf(block.namedParameters().keySet()));
        assertArrayEquals(new long[] {64, 32, 3, 3}, block.stateDict().get("in_layers.2.weight").shape());
        assertArrayEquals(new long[] {64, 128}, block.stateDict().get("emb_layers.1.weight").shape());
        assertArrayEquals(new long[] {64, 32, 1, 1}, block.stateDict().get("skip_connection.weight").shape());
        // 32*2 + (64*32*9 + 64) + (64*128 + 64) + 64*2 + (64*64*9 + 64) + (64*32 + 64)
        assertEquals(64 + 18496 + 8256 + 128 + 36928 + 2112, block.parameterCount());

        ResBlockLike same = new ResBlockLike(32, 128, 32, rng);   // identity skip: no skip_connection keys
        assertTrue(same.stateDict().keySet().stream().noneMatch(k -> k.startsWith("skip_connection")));
        Tensor y = block.forward(rng.normal(2, 32, 4, 4), rng.normal(2, 128));
        assertArrayEquals(new long[] {2, 64, 4, 4}, y.shape());
    }

    @Test
    void namedModulesListTheTreeDepthFirst() {
        ResBlockLike block = new ResBlockLike(32, 16, 32, rng);
        assertEquals(List.of("", "in_layers", "in_layers.0", "in_layers.1", "in_layers.2", "h_upd", "x_upd",
                "emb_layers", "emb_layers.0", "emb_layers.1", "out_layers", "out_layers.0", "out_layers.1",
                "out_layers.2", "out_layers.3", "skip_connection"), List.copyOf(block.namedModules().keySet()));
        assertEquals(List.of("in_layers", "h_upd", "x_upd", "emb_layers", "out_layers", "skip_connection"),
                List.copyOf(block.namedChildren().keySet()));
    }

    @Test
    void batchNormKeysIncludeRunningStatisticsAndTheBatchCounter() {
        // taming's NLayerDiscriminator with n_layers=1: conv, lrelu, conv (no bias), BN, lrelu, conv
        Sequential main = new Sequential(new Conv2d(3, 8, 4, 2, 1, true, rng), new LeakyReLU(0.2),
                new Conv2d(8, 16, 4, 1, 1, false, rng), new BatchNorm2d(16), new LeakyReLU(0.2),
                new Conv2d(16, 1, 4, 1, 1, true, rng));
        Map<String, Tensor> sd = main.stateDict();
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "3.weight", "3.bias", "3.running_mean",
                "3.running_var", "3.num_batches_tracked", "5.weight", "5.bias"), List.copyOf(sd.keySet()));
        assertEquals(DType.INT64, sd.get("3.num_batches_tracked").dtype());
        assertEquals(0, sd.get("3.num_batches_tracked").rank());
        assertEquals(List.of("3.running_mean", "3.running_var", "3.num_batches_tracked"),
                List.copyOf(main.namedBuffers().keySet()));
        assertTrue(!main.namedParameters().containsKey("3.running_mean"));
    }

    @Test
    void timeEmbedSequentialSkipsTheActivationIndex() {
        Sequential timeEmbed = new Sequential(
                new Linear(32, 128, true, rng), new SiLU(), new Linear(128, 128, true, rng));
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias"), List.copyOf(timeEmbed.stateDict().keySet()));
        assertTrue(timeEmbed.toString().contains("(0): Linear(in=32, out=128, bias=true)"), timeEmbed.toString());
    }

    /** The first U-Net levels of the fixture's config A, built from our layers. */
    private static final class UNetHead extends Module {
        UNetHead(Rng rng) {
            register("time_embed", new Sequential(new Linear(32, 128, true, rng), new SiLU(),
                    new Linear(128, 128, true, rng)));
            ModuleList<ModuleList<Module>> in = register("input_blocks", new ModuleList<>());
            in.add(new ModuleList<>(List.of(new Conv2d(4, 32, 3, 1, 1, true, rng))));
            in.add(new ModuleList<>(List.of(new ResBlockLike(32, 128, 32, rng))));
            in.add(new ModuleList<>(List.of(new Downsample(32, rng))));
            in.add(new ModuleList<>(List.of(new ResBlockLike(32, 128, 64, rng))));
        }
    }

    /** openaimodel.Downsample with use_conv: {@code op} = conv3x3 stride 2. */
    private static final class Downsample extends Module {
        Downsample(long channels, Rng rng) {
            register("op", new Conv2d(channels, channels, 3, 2, 1, true, rng));
        }
    }

    @Test
    void nestedKeysAndShapesMatchTheReferenceCheckpointAndItLoadsStrictly() throws IOException {
        UNetHead head = new UNetHead(rng);
        Map<String, Tensor> fixture = readF32Fixture("/fixtures/ldm-parity/unet_tiny.safetensors");
        Map<String, Tensor> subset = new TreeMap<>();
        fixture.forEach((k, v) -> {
            if (k.startsWith("time_embed.") || k.matches("input_blocks\\.[0-3]\\.0\\..*")) {
                subset.put(k, v);
            }
        });
        Map<String, Tensor> ours = head.stateDict();
        assertEquals(subset.keySet(), new TreeMap<>(ours).keySet());
        for (String k : ours.keySet()) {
            assertArrayEquals(subset.get(k).shape(), ours.get(k).shape(), k);
        }
        assertEquals("time_embed.0.weight", ours.keySet().iterator().next());
        LoadReport report = head.load(subset, true);
        assertTrue(report.isClean(), report::toString);
        assertEquals(0.0, head.stateDict().get("input_blocks.3.0.skip_connection.weight")
                .maxAbsDiff(subset.get("input_blocks.3.0.skip_connection.weight")));
    }

    /** A minimal safetensors reader for F32 tensors (the io package is tested on its own). */
    static Map<String, Tensor> readF32Fixture(String resource) throws IOException {
        byte[] bytes;
        try (InputStream in = StateDictKeysTest.class.getResourceAsStream(resource)) {
            assertNotNull(in, resource);
            bytes = in.readAllBytes();
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) buf.getLong(0);
        String header = new String(bytes, 8, n, StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("\"([^\"]+)\":\\{\"dtype\":\"F32\",\"shape\":\\[([0-9, ]*)\\],"
                + "\"data_offsets\":\\[(\\d+), ?(\\d+)\\]\\}").matcher(header.replace(" ", ""));
        Map<String, Tensor> out = new LinkedHashMap<>();
        while (m.find()) {
            List<Long> dims = new ArrayList<>();
            for (String d : m.group(2).split(",")) {
                if (!d.isEmpty()) {
                    dims.add(Long.parseLong(d));
                }
            }
            long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
            int begin = 8 + n + Integer.parseInt(m.group(3));
            float[] values = new float[(Integer.parseInt(m.group(4)) - Integer.parseInt(m.group(3))) / 4];
            for (int i = 0; i < values.length; i++) {
                values[i] = buf.getFloat(begin + 4 * i);
            }
            out.put(m.group(1), Tensor.of(values, shape));
        }
        assertTrue(out.size() > 100, "parsed only " + out.size() + " tensors from " + resource);
        return out;
    }
}
