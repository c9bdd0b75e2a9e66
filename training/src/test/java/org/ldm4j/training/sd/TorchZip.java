package org.ldm4j.training.sd;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;

/**
 * Test helper: what {@code torch.save({"state_dict": sd, "global_step": n}, "model.ckpt")} writes, for float32 and
 * int64 tensors: a zip of {@code archive/data.pkl} (protocol 2: each tensor
 * {@code torch._utils._rebuild_tensor_v2(<persistent id ('storage', torch.FloatStorage, key, 'cpu', numel)>, 0,
 * size, stride, False, OrderedDict())}), one stored entry {@code archive/data/<key>} per storage and
 * {@code archive/version}.
 *
 * <pre>{@code
 * TorchZip.write(Path.of("sd.ckpt"), stateDict, 470000);
 * }</pre>
 */
final class TorchZip {
    private final ByteArrayOutputStream pkl = new ByteArrayOutputStream();

    private TorchZip() {
    }

    static Path write(Path file, Map<String, Tensor> stateDict, long globalStep) throws IOException {
        TorchZip p = new TorchZip();
        Map<String, Tensor> storages = new LinkedHashMap<>();
        p.op(0x80, 2).op('}').op('(');
        p.str("state_dict").global("collections", "OrderedDict").op(')').op('R').op('(');
        for (Map.Entry<String, Tensor> e : stateDict.entrySet()) {
            Tensor t = e.getValue();
            String key = Integer.toString(storages.size());
            String storage = switch (t.dtype()) {
                case FLOAT32 -> "FloatStorage";
                case INT64 -> "LongStorage";
                default -> throw new IllegalArgumentException(e.getKey() + ": only F32 and I64, got " + t.dtype());
            };
            storages.put(key, t);
            p.str(e.getKey());
            p.global("torch._utils", "_rebuild_tensor_v2").op('(');
            p.op('(').str("storage").global("torch", storage).str(key).str("cpu").integer(t.numel()).op('t').op('Q');
            p.integer(0).longs(t.shape()).longs(strides(t.shape())).op(0x89);
            p.global("collections", "OrderedDict").op(')').op('R');
            p.op('t').op('R');
        }
        p.op('u');                                              // SETITEMS into the OrderedDict
        p.str("global_step").integer(globalStep);
        p.op('u').op('.');                                      // SETITEMS into the top dict, STOP
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream z = new ZipOutputStream(out)) {
            entry(z, "archive/data.pkl", p.pkl.toByteArray());
            for (Map.Entry<String, Tensor> s : storages.entrySet()) {
                entry(z, "archive/data/" + s.getKey(), bytes(s.getValue()));     // one tensor's bytes at a time
            }
            entry(z, "archive/version", "3\n".getBytes(StandardCharsets.UTF_8));
        }
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

    private static long[] strides(long[] shape) {
        long[] s = new long[shape.length];
        long n = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            s[d] = n;
            n *= shape[d];
        }
        return s;
    }

    private TorchZip op(int... bytes) {
        for (int b : bytes) {
            pkl.write(b);
        }
        return this;
    }

    private TorchZip str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length < 256) {
            op(0x8c, b.length);
        } else {
            op('X');
            le(b.length, 4);
        }
        pkl.writeBytes(b);
        return this;
    }

    private TorchZip global(String module, String name) {
        op('c');
        pkl.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
        return this;
    }

    private TorchZip integer(long v) {
        if (v >= 0 && v < 256) {
            return op('K', (int) v);
        }
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            op('J');
            return le(v, 4);
        }
        throw new IllegalArgumentException("integer: only 32-bit values, got " + v);
    }

    private TorchZip longs(long[] v) {
        if (v.length == 0) {
            return op(')');
        }
        op('(');
        for (long x : v) {
            integer(x);
        }
        return op('t');
    }

    private TorchZip le(long v, int n) {
        for (int i = 0; i < n; i++) {
            pkl.write((int) (v >>> (8 * i)) & 0xFF);
        }
        return this;
    }

    private static void entry(ZipOutputStream z, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        e.setCrc(crc.getValue());
        z.putNextEntry(e);
        z.write(data);
        z.closeEntry();
    }
}
