package org.ldm4j.core.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Test helper: safetensors files built byte by byte, independently of {@link SafeTensors#write}, so that the
 * reader is checked against the format itself and not against our own writer.
 *
 * <pre>{@code
 * Path f = Crafted.write(dir, "x.safetensors",
 *         Crafted.file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", Crafted.f32(1f)));
 * }</pre>
 */
final class Crafted {
    private Crafted() {
    }

    /** The length field (u64 LE of the JSON's UTF-8 length), the JSON as given (no padding added), the data. */
    static byte[] file(String json, byte[]... data) {
        byte[] j = json.getBytes(StandardCharsets.UTF_8);
        return concat(u64(j.length), j, concat(data));
    }

    /** The JSON padded with spaces to a multiple of 8, as a conforming writer produces it. */
    static byte[] padded(String json, byte[]... data) {
        int len = json.getBytes(StandardCharsets.UTF_8).length;
        return file(json + " ".repeat((8 - len % 8) % 8), data);
    }

    static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    static byte[] f32(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    static byte[] f64(double... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : v) {
            b.putDouble(x);
        }
        return b.array();
    }

    static byte[] i64(long... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) {
            b.putLong(x);
        }
        return b.array();
    }

    static byte[] i32(int... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : v) {
            b.putInt(x);
        }
        return b.array();
    }

    /** 16-bit patterns (F16, BF16) as little-endian bytes. */
    static byte[] u16(int... bits) {
        ByteBuffer b = ByteBuffer.allocate(2 * bits.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : bits) {
            b.putShort((short) x);
        }
        return b.array();
    }

    static byte[] bytes(int... v) {
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (byte) v[i];
        }
        return out;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static Path write(Path dir, String name, byte[] content) {
        try {
            return Files.write(dir.resolve(name), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A header entry: {@code "name":{"dtype":...,"shape":[...],"data_offsets":[b,e]}}. */
    static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin
                + "," + end + "]}";
    }
}
