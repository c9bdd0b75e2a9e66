package org.ldm4j.training.sd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.ldm4j.core.io.PickleWriter;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;

/**
 * Test helper: what {@code torch.save({"state_dict": sd, "global_step": n}, "model.ckpt")} writes, for float32 and
 * int64 tensors: a zip of {@code archive/data.pkl} (protocol 2: each tensor
 * {@code torch._utils._rebuild_tensor_v2(<persistent id ('storage', torch.FloatStorage, key, 'cpu', numel)>, 0,
 * size, stride, False, OrderedDict())}), one stored entry {@code archive/data/<key>} per storage and
 * {@code archive/version}, written with core's test {@link PickleWriter}.
 *
 * <pre>{@code
 * TorchZip.write(Path.of("sd.ckpt"), stateDict, 470000);
 * }</pre>
 */
final class TorchZip {
    private TorchZip() {
    }

    static Path write(Path file, Map<String, Tensor> stateDict, long globalStep) throws IOException {
        PickleWriter p = new PickleWriter().proto(2).emptyDict().mark();
        p.str("state_dict").orderedDict().mark();
        Map<String, byte[]> storages = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : stateDict.entrySet()) {
            Tensor t = e.getValue();
            String key = Integer.toString(storages.size());
            String storage = switch (t.dtype()) {
                case FLOAT32 -> "FloatStorage";
                case INT64 -> "LongStorage";
                default -> throw new IllegalArgumentException(e.getKey() + ": only F32 and I64, got " + t.dtype());
            };
            storages.put(key, bytes(t));
            p.str(e.getKey()).tensor(storage, key, t.shape());
        }
        p.setitems();                                           // into the OrderedDict
        p.str("global_step").integer(globalStep).setitems().stop();
        Files.write(file, PickleWriter.zip("archive", p.toBytes(), storages, false));
        return file;
    }

    private static byte[] bytes(Tensor t) {
        if (t.dtype() == DType.INT64) {
            long[] v = t.toLongArray();
            ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
            b.asLongBuffer().put(v);
            return b.array();
        }
        float[] v = t.toFloatArray();
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }
}
