package org.ldm4j.core.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Test helper (public: other modules' tests write torch files with it through core's test-jar): pickles emitted
 * opcode by opcode (the byte values of the pickle protocol, independent of the
 * reader), and {@code torch.save}-style zip archives around them. The torch helpers write what
 * {@code torch.save} writes for a tensor:
 * {@code _rebuild_tensor_v2(<persistent id ('storage', torch.FloatStorage, key, 'cpu', numel)>, offset, size,
 * stride, False, OrderedDict())}.
 *
 * <pre>{@code
 * byte[] pkl = new PickleWriter().proto(2).emptyDict()
 *         .str("w").tensor("FloatStorage", "0", 6, 0, new long[] {2, 3}, new long[] {3, 1}).setitem()
 *         .stop().toBytes();
 * Path f = PickleWriter.writeCkpt(dir, "x.ckpt", pkl, Map.of("0", Crafted.f32(1, 2, 3, 4, 5, 6)));
 * }</pre>
 */
public final class PickleWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** Raw bytes (an opcode and its arguments, or garbage). */
    public PickleWriter raw(int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
        return this;
    }

    /** ASCII text as raw bytes (the line arguments of GLOBAL and INST). */
    public PickleWriter text(String s) {
        out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
        return this;
    }

    public PickleWriter proto(int v) {
        return raw(0x80, v);
    }

    /** FRAME with the length of the bytes that follow up to {@code frameLength}. */
    public PickleWriter frame(long frameLength) {
        raw(0x95);
        return le(frameLength, 8);
    }

    public PickleWriter mark() {
        return raw('(');
    }

    public PickleWriter stop() {
        return raw('.');
    }

    public PickleWriter emptyDict() {
        return raw('}');
    }

    public PickleWriter emptyList() {
        return raw(']');
    }

    public PickleWriter emptyTuple() {
        return raw(')');
    }

    /** TUPLE (from the last MARK). */
    public PickleWriter tuple() {
        return raw('t');
    }

    /** TUPLE1, TUPLE2 or TUPLE3. */
    public PickleWriter tuple(int n) {
        if (n < 1 || n > 3) {
            throw new IllegalArgumentException("n: expected 1..3, got " + n);
        }
        return raw(0x84 + n);
    }

    public PickleWriter setitem() {
        return raw('s');
    }

    public PickleWriter setitems() {
        return raw('u');
    }

    public PickleWriter append() {
        return raw('a');
    }

    public PickleWriter appends() {
        return raw('e');
    }

    public PickleWriter none() {
        return raw('N');
    }

    public PickleWriter bool(boolean b) {
        return raw(b ? 0x88 : 0x89);
    }

    /** The shortest of BININT1, BININT2, BININT, LONG1, as CPython's pickler chooses. */
    public PickleWriter integer(long v) {
        if (v >= 0 && v <= 0xFF) {
            return raw('K', (int) v);
        }
        if (v >= 0 && v <= 0xFFFF) {
            return raw('M', (int) (v & 0xFF), (int) (v >> 8));
        }
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            raw('J');
            return le(v, 4);
        }
        return bigInteger(BigInteger.valueOf(v));
    }

    /** LONG1: little-endian two's complement. */
    public PickleWriter bigInteger(BigInteger v) {
        byte[] be = v.toByteArray();
        raw(0x8a, be.length);
        for (int i = be.length - 1; i >= 0; i--) {
            out.write(be[i]);
        }
        return this;
    }

    /** BINFLOAT: 8 bytes, big-endian. */
    public PickleWriter binfloat(double v) {
        raw('G');
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putDouble(v).array());
        return this;
    }

    /** SHORT_BINUNICODE up to 255 UTF-8 bytes, else BINUNICODE. */
    public PickleWriter str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length <= 0xFF) {
            raw(0x8c, b.length);
        } else {
            raw('X');
            le(b.length, 4);
        }
        out.writeBytes(b);
        return this;
    }

    /** BINUNICODE8. */
    public PickleWriter str8(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        raw(0x8d);
        le(b.length, 8);
        out.writeBytes(b);
        return this;
    }

    /** SHORT_BINBYTES or BINBYTES. */
    public PickleWriter bytes(byte[] b) {
        if (b.length <= 0xFF) {
            raw('C', b.length);
        } else {
            raw('B');
            le(b.length, 4);
        }
        out.writeBytes(b);
        return this;
    }

    /** BINPUT or LONG_BINPUT. */
    public PickleWriter put(int index) {
        if (index <= 0xFF) {
            return raw('q', index);
        }
        raw('r');
        return le(index, 4);
    }

    /** BINGET or LONG_BINGET. */
    public PickleWriter get(int index) {
        if (index <= 0xFF) {
            return raw('h', index);
        }
        raw('j');
        return le(index, 4);
    }

    /** LONG_BINGET even for a small index. */
    public PickleWriter longGet(int index) {
        raw('j');
        return le(index, 4);
    }

    public PickleWriter memoize() {
        return raw(0x94);
    }

    /** GLOBAL: module and name as newline-terminated lines. */
    public PickleWriter global(String module, String name) {
        raw('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** STACK_GLOBAL, protocol 4: the two strings are pushed first. */
    public PickleWriter stackGlobal(String module, String name) {
        return str(module).str(name).raw(0x93);
    }

    public PickleWriter reduce() {
        return raw('R');
    }

    public PickleWriter build() {
        return raw('b');
    }

    public PickleWriter newobj() {
        return raw(0x81);
    }

    public PickleWriter binpersid() {
        return raw('Q');
    }

    // ---------------------------------------------------------------- what torch.save writes

    /** {@code collections.OrderedDict()}: GLOBAL, EMPTY_TUPLE, REDUCE. */
    public PickleWriter orderedDict() {
        return global("collections", "OrderedDict").emptyTuple().reduce();
    }

    /** A tuple of ints ({@code torch.Size} and strides are pickled as plain tuples). */
    public PickleWriter longs(long... v) {
        if (v.length == 0) {
            return emptyTuple();
        }
        mark();
        for (long x : v) {
            integer(x);
        }
        return tuple();
    }

    /** The persistent id {@code ('storage', torch.<storageClass>, key, 'cpu', numel)} and BINPERSID. */
    public PickleWriter storage(String storageClass, String key, long numel) {
        return mark().str("storage").global("torch", storageClass).str(key).str("cpu").integer(numel).tuple()
                .binpersid();
    }

    /** {@code _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())}. */
    public PickleWriter tensor(String storageClass, String key, long storageNumel, long offset, long[] size,
            long[] stride) {
        global("torch._utils", "_rebuild_tensor_v2").mark();
        storage(storageClass, key, storageNumel).integer(offset).longs(size).longs(stride).bool(false)
                .orderedDict();
        return tuple().reduce();
    }

    /** A contiguous tensor over a whole storage of its size. */
    public PickleWriter tensor(String storageClass, String key, long... size) {
        long[] stride = new long[size.length];
        long n = 1;
        for (int d = size.length - 1; d >= 0; d--) {
            stride[d] = n;
            n *= size[d];
        }
        return tensor(storageClass, key, n, 0, size, stride);
    }

    public byte[] toBytes() {
        return out.toByteArray();
    }

    private PickleWriter le(long v, int n) {
        for (int i = 0; i < n; i++) {
            out.write((int) (v >>> (8 * i)) & 0xFF);
        }
        return this;
    }

    // ---------------------------------------------------------------- the archive

    /**
     * A torch.save zip: {@code <top>/data.pkl}, {@code <top>/data/<key>} for each storage (in map order) and
     * {@code <top>/version} = "3\n"; entries stored (as torch writes them) or deflated.
     */
    public static byte[] zip(String top, byte[] pkl, Map<String, byte[]> storages, boolean deflate) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bytes)) {
            entry(z, top + "/data.pkl", pkl, deflate);
            for (Map.Entry<String, byte[]> s : storages.entrySet()) {
                entry(z, top + "/data/" + s.getKey(), s.getValue(), deflate);
            }
            entry(z, top + "/version", "3\n".getBytes(StandardCharsets.UTF_8), deflate);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void entry(ZipOutputStream z, String name, byte[] data, boolean deflate) throws IOException {
        ZipEntry e = new ZipEntry(name);
        if (!deflate) {
            CRC32 crc = new CRC32();
            crc.update(data);
            e.setMethod(ZipEntry.STORED);
            e.setSize(data.length);
            e.setCompressedSize(data.length);
            e.setCrc(crc.getValue());
        }
        z.putNextEntry(e);
        z.write(data);
        z.closeEntry();
    }

    /** Writes a stored archive with top folder {@code archive} to {@code dir/name}. */
    public static Path writeCkpt(Path dir, String name, byte[] pkl, Map<String, byte[]> storages) {
        return Crafted.write(dir, name, zip("archive", pkl, storages, false));
    }
}
