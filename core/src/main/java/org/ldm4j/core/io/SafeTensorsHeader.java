package org.ldm4j.core.io;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Shapes;

/**
 * The JSON header of a safetensors file: parsing with full validation, and encoding.
 *
 * <p>Layout: an 8-byte little-endian u64 {@code N}, then {@code N} bytes of UTF-8 JSON, padded with spaces so
 * that {@code 8 + N} is a multiple of 8, then the data buffer. The JSON maps each tensor name to
 * {@code {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}} (offsets relative to the data
 * buffer), plus an optional {@code "__metadata__"} object of string values. Validation follows the reference
 * (huggingface/safetensors {@code Metadata::validate}): sorted by offsets, every tensor starts where the
 * previous one ends, its byte size is {@code numel * dtype size}, and the last one ends at the end of the file.
 *
 * <pre>{@code
 * SafeTensorsHeader h = SafeTensorsHeader.parse(path, jsonBytes, fileSize - 8 - jsonBytes.length);
 * byte[] padded = SafeTensorsHeader.encode(h.tensors(), h.metadata());
 * }</pre>
 */
final class SafeTensorsHeader {
    static final String METADATA_KEY = "__metadata__";
    private static final Comparator<TensorInfo> BY_OFFSET = Comparator.comparingLong(TensorInfo::begin)
            .thenComparingLong(TensorInfo::end).thenComparing(TensorInfo::name);

    private final Map<String, String> metadata;
    private final List<TensorInfo> tensors;
    private final Map<String, TensorInfo> byName;

    private SafeTensorsHeader(Map<String, String> metadata, List<TensorInfo> tensors) {
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = List.copyOf(tensors);
        Map<String, TensorInfo> m = new LinkedHashMap<>();
        for (TensorInfo t : tensors) {
            m.put(t.name(), t);
        }
        this.byName = Collections.unmodifiableMap(m);
    }

    /** The {@code __metadata__} entries in file order (empty when absent). */
    Map<String, String> metadata() {
        return metadata;
    }

    /** The tensor entries in the order of their data in the file. */
    List<TensorInfo> tensors() {
        return tensors;
    }

    /** The entry of {@code name}, or null. */
    TensorInfo get(String name) {
        return byName.get(name);
    }

    // ---------------------------------------------------------------- parsing

    /**
     * Parses and validates a header whose JSON is {@code json} and whose data buffer (the rest of the file) has
     * {@code dataSize} bytes.
     */
    static SafeTensorsHeader parse(Path file, byte[] json, long dataSize) throws SafeTensorsFormatException {
        Object root;
        try {
            root = Json.parse(decodeUtf8(file, json));
        } catch (Json.ParseException e) {
            throw new SafeTensorsFormatException(file, "header is not valid JSON: " + e.getMessage());
        }
        if (!(root instanceof Map<?, ?> entries)) {
            throw new SafeTensorsFormatException(file, "header: expected a JSON object, found " + Json.typeName(root));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        List<TensorInfo> tensors = new ArrayList<>();
        for (Map.Entry<?, ?> e : entries.entrySet()) {
            String name = (String) e.getKey();
            if (name.equals(METADATA_KEY)) {
                metadata = parseMetadata(file, e.getValue());
            } else {
                tensors.add(parseEntry(file, name, e.getValue()));
            }
        }
        tensors.sort(BY_OFFSET);
        checkCoverage(file, tensors, dataSize);
        return new SafeTensorsHeader(metadata, tensors);
    }

    private static String decodeUtf8(Path file, byte[] json) throws SafeTensorsFormatException {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(json);
        CharBuffer out = CharBuffer.allocate(json.length);
        CoderResult r = d.decode(in, out, true);
        if (!r.isError()) {
            r = d.flush(out);
        }
        if (r.isError()) {
            throw new SafeTensorsFormatException(file, "header is not valid UTF-8: malformed byte sequence at byte "
                    + (8 + in.position()) + " of the file");
        }
        return out.flip().toString();
    }

    private static Map<String, String> parseMetadata(Path file, Object value) throws SafeTensorsFormatException {
        if (!(value instanceof Map<?, ?> map)) {
            throw new SafeTensorsFormatException(file, METADATA_KEY + ": expected an object of strings, found "
                    + Json.typeName(value));
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw new SafeTensorsFormatException(file, METADATA_KEY + ": expected string values, found "
                        + Json.typeName(e.getValue()) + " " + Json.render(e.getValue()) + " for key \"" + e.getKey()
                        + "\"");
            }
            out.put((String) e.getKey(), s);
        }
        return out;
    }

    private static TensorInfo parseEntry(Path file, String name, Object value) throws SafeTensorsFormatException {
        if (!(value instanceof Map<?, ?> m)) {
            throw new SafeTensorsFormatException(file, name, "expected an object with dtype, shape and "
                    + "data_offsets, found " + Json.typeName(value));
        }
        Object dt = required(file, name, m, "dtype");
        if (!(dt instanceof String dtName)) {
            throw new SafeTensorsFormatException(file, name, "dtype: expected a string, found " + Json.render(dt));
        }
        DType dtype = dtypeOf(file, name, dtName);
        long[] shape = longs(file, name, "shape", required(file, name, m, "shape"), -1);
        long[] offsets = longs(file, name, "data_offsets", required(file, name, m, "data_offsets"), 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (end < begin) {
            throw new SafeTensorsFormatException(file, name, "data_offsets [" + begin + ", " + end
                    + "]: expected begin <= end");
        }
        long nbytes;
        try {
            nbytes = Math.multiplyExact(dtype.bytes(), numelExact(shape));
        } catch (ArithmeticException overflow) {
            throw new SafeTensorsFormatException(file, name, "shape " + Shapes.str(shape) + " with dtype "
                    + dtName + " has more than 2^63 bytes");
        }
        if (end - begin != nbytes) {
            throw new SafeTensorsFormatException(file, name, "data_offsets [" + begin + ", " + end + "] span "
                    + (end - begin) + " bytes, but dtype " + dtName + " and shape " + Shapes.str(shape) + " need "
                    + nbytes);
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static Object required(Path file, String name, Map<?, ?> m, String key)
            throws SafeTensorsFormatException {
        Object v = m.get(key);
        if (v == null) {
            throw new SafeTensorsFormatException(file, name, "missing \"" + key + "\" (an entry needs dtype, "
                    + "shape and data_offsets), found keys " + m.keySet());
        }
        return v;
    }

    private static DType dtypeOf(Path file, String name, String dt) throws SafeTensorsFormatException {
        for (DType t : DType.values()) {
            if (t.safetensorsName().equals(dt)) {
                return t;
            }
        }
        StringBuilder known = new StringBuilder();
        for (DType t : DType.values()) {
            known.append(known.length() == 0 ? "" : ", ").append(t.safetensorsName());
        }
        throw new SafeTensorsFormatException(file, name, "unsupported dtype \"" + dt + "\": expected one of "
                + known);
    }

    /** A JSON array of non-negative integers; {@code length} < 0 accepts any length. */
    private static long[] longs(Path file, String name, String key, Object v, int length)
            throws SafeTensorsFormatException {
        String expected = length < 0 ? "an array of non-negative integers" : "an array of " + length
                + " non-negative integers";
        if (!(v instanceof List<?> list) || (length >= 0 && list.size() != length)) {
            throw new SafeTensorsFormatException(file, name, key + ": expected " + expected + ", found "
                    + Json.render(v));
        }
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Long x) || x < 0) {
                throw new SafeTensorsFormatException(file, name, key + ": expected " + expected + ", found "
                        + Json.render(list.get(i)) + " in " + Json.render(v));
            }
            out[i] = x;
        }
        return out;
    }

    private static long numelExact(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** The sorted tensors must lie inside the data buffer and cover it exactly, back to back. */
    private static void checkCoverage(Path file, List<TensorInfo> sorted, long dataSize)
            throws SafeTensorsFormatException {
        for (TensorInfo t : sorted) {
            if (t.end() > dataSize) {
                throw new SafeTensorsFormatException(file, t.name(), "data_offsets [" + t.begin() + ", " + t.end()
                        + "] reach past the end of the data buffer, which has " + dataSize + " bytes: the file is "
                        + "truncated or the offsets are wrong");
            }
        }
        long expected = 0;
        TensorInfo prev = null;
        for (TensorInfo t : sorted) {
            String at = "data_offsets [" + t.begin() + ", " + t.end() + "]";
            if (t.begin() < expected) {
                throw new SafeTensorsFormatException(file, t.name(), at + " overlap tensor '" + prev.name() + "' at ["
                        + prev.begin() + ", " + prev.end() + "]; tensors must be stored back to back");
            }
            if (t.begin() > expected) {
                throw new SafeTensorsFormatException(file, t.name(), at + " leave a gap of " + (t.begin() - expected)
                        + " bytes " + (prev == null ? "at the start of the data buffer" : "after tensor '"
                        + prev.name() + "' (which ends at " + prev.end() + ")") + "; tensors must be stored back to "
                        + "back from offset 0");
            }
            expected = t.end();
            prev = t;
        }
        if (expected != dataSize) {
            throw new SafeTensorsFormatException(file, "the data buffer has " + dataSize + " bytes but the tensors "
                    + "cover " + expected + (prev == null ? "" : " (the last, '" + prev.name() + "', ends there)")
                    + ": " + (dataSize - expected) + " unexpected bytes at the end of the file");
        }
    }

    // ---------------------------------------------------------------- encoding

    /**
     * The header JSON for {@code tensors} (written in the given order) and {@code metadata} (omitted when
     * empty), padded with spaces to a multiple of 8 bytes, as the reference writer does.
     */
    static byte[] encode(List<TensorInfo> tensors, Map<String, String> metadata) {
        StringBuilder b = new StringBuilder("{");
        if (!metadata.isEmpty()) {
            Json.writeString(b, METADATA_KEY);
            b.append(":{");
            boolean first = true;
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                b.append(first ? "" : ",");
                Json.writeString(b, e.getKey());
                b.append(':');
                Json.writeString(b, e.getValue());
                first = false;
            }
            b.append('}');
        }
        for (TensorInfo t : tensors) {
            b.append(b.length() == 1 ? "" : ",");
            Json.writeString(b, t.name());
            b.append(":{\"dtype\":\"").append(t.dtype().safetensorsName()).append("\",\"shape\":[");
            long[] shape = t.shape();
            for (int i = 0; i < shape.length; i++) {
                b.append(i == 0 ? "" : ",").append(shape[i]);
            }
            b.append("],\"data_offsets\":[").append(t.begin()).append(',').append(t.end()).append("]}");
        }
        byte[] utf8 = b.append('}').toString().getBytes(StandardCharsets.UTF_8);
        int pad = (8 - utf8.length % 8) % 8;
        byte[] out = Arrays.copyOf(utf8, utf8.length + pad);
        Arrays.fill(out, utf8.length, out.length, (byte) ' ');
        return out;
    }
}
