package org.ldm4j.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ldm4j.core.tensor.Tensor;

/**
 * Malformed files, built byte by byte: each gives a {@link SafeTensorsFormatException} whose message names the
 * file, the tensor at fault (where there is one), and what was wrong. Never a crash or a wrong tensor.
 */
class SafeTensorsCorruptionTest {
    @TempDir
    Path dir;

    /** Opens {@code content} (written to {@code name}) and returns the error, checking that it names the file. */
    private SafeTensorsFormatException error(String name, byte[] content) {
        Path f = Crafted.write(dir, name, content);
        SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> {
            try (SafeTensorsReader r = SafeTensors.open(f)) {
                r.loadAll();
            }
        });
        assertTrue(e.getMessage().contains(name), "names the file: " + e.getMessage());
        assertEquals(f, e.file());
        return e;
    }

    private static void assertMentions(SafeTensorsFormatException e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "expected '" + p + "' in: " + e.getMessage());
        }
    }

    private static void assertTensor(SafeTensorsFormatException e, String tensor) {
        assertEquals(tensor, e.tensor());
        assertMentions(e, "tensor '" + tensor + "'");
    }

    // ---------------------------------------------------------------- the length field and the header bytes

    @ParameterizedTest
    @CsvSource({"0", "5", "7"})
    void fileShorterThan8Bytes(int length) {
        SafeTensorsFormatException e = error("short" + length + ".safetensors", new byte[length]);
        assertMentions(e, "at least 8 bytes", "found " + length);
        assertNull(e.tensor());
    }

    @Test
    void headerLengthOverTheCap() {
        assertMentions(error("huge.safetensors", Crafted.concat(Crafted.u64(200_000_000L), new byte[16])),
                "header length 200000000", "limit of 100000000");
        // a u64 with the top bit set is not a negative length
        assertMentions(error("top.safetensors", Crafted.concat(Crafted.u64(-1L), new byte[16])),
                "header length 18446744073709551615");
    }

    @Test
    void headerLengthLargerThanTheFile() {
        assertMentions(error("long.safetensors", Crafted.concat(Crafted.u64(100), "{}      ".getBytes())),
                "header length 100", "exceeds the 8 bytes");
    }

    @Test
    void headerThatIsNotUtf8() {
        assertMentions(error("latin1.safetensors", Crafted.concat(Crafted.u64(8), Crafted.bytes('{', '"', 0xE9,
                '"', ':', '1', '}', ' '))), "not valid UTF-8", "byte 10");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "'{\"a\":'              | expected a value",
        "'{\"a\":1,}'           | expected a string key",
        "'{''a'':1}'            | expected a string key",
        "'{} {}'                | expected the end",
        "'{\"a\":01}'           | leading zeros",
        "''                     | expected a value, found the end"})
    void headerThatIsNotJson(String json, String detail) {
        assertMentions(error("json.safetensors", Crafted.padded(json)), "not valid JSON", detail);
    }

    @Test
    void headerThatIsJsonButNotAnObject() {
        assertMentions(error("array.safetensors", Crafted.padded("[1,2]")), "expected a JSON object, found an array");
    }

    @Test
    void deeplyNestedHeaderIsAnErrorNotAStackOverflow() {
        String deep = "{\"x\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
        assertMentions(error("deep.safetensors", Crafted.padded(deep)), "nesting deeper than 64");
    }

    @Test
    void duplicateTensorName() {
        String e1 = Crafted.entry("w", "F32", "[1]", 0, 4);
        assertMentions(error("dup.safetensors", Crafted.padded("{" + e1 + "," + e1 + "}", Crafted.f32(1))),
                "duplicate key \"w\"");
    }

    @Test
    void metadataThatIsNotAStringMap() {
        assertMentions(error("meta1.safetensors", Crafted.padded("{\"__metadata__\":[1]}")),
                "__metadata__: expected an object of strings, found an array");
        assertMentions(error("meta2.safetensors", Crafted.padded("{\"__metadata__\":{\"seed\":1001}}")),
                "expected string values, found a number 1001 for key \"seed\"");
    }

    // ---------------------------------------------------------------- tensor entries

    @Test
    void entryThatIsNotAnObject() {
        SafeTensorsFormatException e = error("entry.safetensors", Crafted.padded("{\"w\":5}"));
        assertTensor(e, "w");
        assertMentions(e, "expected an object with dtype, shape and data_offsets, found a number");
    }

    @ParameterizedTest
    @CsvSource({"dtype", "shape", "data_offsets"})
    void entryMissingAField(String field) {
        String full = "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
        String without = full.replaceAll("\"" + field + "\":(\"F32\"|\\[[0-9,]*\\]),?", "").replace(",}", "}");
        SafeTensorsFormatException e = error("missing.safetensors",
                Crafted.padded("{\"layer.weight\":" + without + "}", Crafted.f32(1, 2)));
        assertTensor(e, "layer.weight");
        assertMentions(e, "missing \"" + field + "\"");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "'\"F8_E4M3\"' | unsupported dtype \"F8_E4M3\": expected one of F32, F64, F16, BF16, I64, I32, U8, BOOL",
        "'\"f32\"'     | unsupported dtype \"f32\"",
        "'32'          | dtype: expected a string, found 32"})
    void badDtype(String dtype, String detail) {
        String json = "{\"w\":{\"dtype\":" + dtype + ",\"shape\":[1],\"data_offsets\":[0,4]}}";
        SafeTensorsFormatException e = error("dtype.safetensors", Crafted.padded(json, Crafted.f32(1)));
        assertTensor(e, "w");
        assertMentions(e, detail);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "[2,-3]   | shape: expected an array of non-negative integers, found -3 in [2, -3]",
        "[2,1.5]  | found 1.5 in [2, 1.5]",
        "'\"2\"'  | shape: expected an array of non-negative integers, found \"2\"",
        "[1e2]    | found 1E+2 in"})
    void badShape(String shape, String detail) {
        String json = "{\"w\":{\"dtype\":\"U8\",\"shape\":" + shape + ",\"data_offsets\":[0,4]}}";
        SafeTensorsFormatException e = error("shape.safetensors", Crafted.padded(json, new byte[4]));
        assertTensor(e, "w");
        assertMentions(e, detail);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "[0]       | data_offsets: expected an array of 2 non-negative integers, found [0]",
        "[0,4,8]   | found [0, 4, 8]",
        "[-4,0]    | found -4 in [-4, 0]",
        "[8,4]     | data_offsets [8, 4]: expected begin <= end"})
    void badOffsets(String offsets, String detail) {
        String json = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":" + offsets + "}}";
        SafeTensorsFormatException e = error("offsets.safetensors", Crafted.padded(json, new byte[8]));
        assertTensor(e, "w");
        assertMentions(e, detail);
    }

    @Test
    void offsetsThatDisagreeWithShapeAndDtype() {
        SafeTensorsFormatException e = error("size.safetensors",
                Crafted.padded("{" + Crafted.entry("conv.weight", "F32", "[2,3]", 0, 20) + "}", new byte[20]));
        assertTensor(e, "conv.weight");
        assertMentions(e, "data_offsets [0, 20] span 20 bytes, but dtype F32 and shape [2, 3] need 24");
    }

    @Test
    void shapeWhoseByteSizeOverflows() {
        SafeTensorsFormatException e = error("overflow.safetensors",
                Crafted.padded("{" + Crafted.entry("w", "F64", "[4611686018427387904,4]", 0, 8) + "}", new byte[8]));
        assertTensor(e, "w");
        assertMentions(e, "more than 2^63 bytes");
    }

    // ---------------------------------------------------------------- coverage of the data buffer

    @Test
    void offsetsBeyondTheDataBuffer() {
        SafeTensorsFormatException e = error("range.safetensors",
                Crafted.padded("{" + Crafted.entry("w", "F32", "[6]", 0, 24) + "}", new byte[16]));
        assertTensor(e, "w");
        assertMentions(e, "data_offsets [0, 24] reach past the end of the data buffer, which has 16 bytes");
    }

    @Test
    void overlappingTensors() {
        String json = "{" + Crafted.entry("a", "F32", "[2]", 0, 8) + "," + Crafted.entry("b", "F32", "[2]", 4, 12)
                + "}";
        SafeTensorsFormatException e = error("overlap.safetensors", Crafted.padded(json, new byte[12]));
        assertTensor(e, "b");
        assertMentions(e, "data_offsets [4, 12] overlap tensor 'a' at [0, 8]");
    }

    @Test
    void gapBetweenTensors() {
        String json = "{" + Crafted.entry("b", "F32", "[2]", 12, 20) + "," + Crafted.entry("a", "F32", "[2]", 0, 8)
                + "}";
        SafeTensorsFormatException e = error("gap.safetensors", Crafted.padded(json, new byte[20]));
        assertTensor(e, "b");
        assertMentions(e, "leave a gap of 4 bytes after tensor 'a' (which ends at 8)");
    }

    @Test
    void gapAtTheStartOfTheData() {
        SafeTensorsFormatException e = error("start.safetensors",
                Crafted.padded("{" + Crafted.entry("a", "F32", "[2]", 4, 12) + "}", new byte[12]));
        assertTensor(e, "a");
        assertMentions(e, "gap of 4 bytes at the start of the data buffer");
    }

    @Test
    void trailingBytesAfterTheLastTensor() {
        SafeTensorsFormatException e = error("trailing.safetensors",
                Crafted.padded("{" + Crafted.entry("a", "F32", "[2]", 0, 8) + "}", new byte[11]));
        assertNull(e.tensor());
        assertMentions(e, "the data buffer has 11 bytes but the tensors cover 8", "'a'", "3 unexpected bytes");
    }

    @Test
    void truncatedFileNamesTheFirstTensorThatIsCutOff() throws IOException {
        Path good = dir.resolve("good.safetensors");
        SafeTensors.write(good, Map.of("a", Tensor.of(new float[] {1, 2}, 2), "b", Tensor.of(new float[] {3, 4}, 2),
                "c", Tensor.of(new float[] {5, 6}, 2)));
        byte[] full = Files.readAllBytes(good);
        SafeTensorsFormatException e = error("cut.safetensors", Arrays.copyOf(full, full.length - 10));
        assertTensor(e, "b");
        assertMentions(e, "reach past the end of the data buffer, which has 14 bytes", "truncated");
        SafeTensorsFormatException inHeader = error("cut-header.safetensors", Arrays.copyOf(full, 20));
        assertMentions(inHeader, "exceeds the 12 bytes that follow the length field");
    }

    @Test
    void aFileThatShrinksAfterOpeningIsRefusedNotMapped() throws IOException {
        Path f = dir.resolve("shrinks.safetensors");
        SafeTensors.write(f, Map.of("w", Tensor.of(new float[] {1, 2, 3, 4}, 4)));
        try (SafeTensorsReader r = SafeTensors.open(f)) {
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                ch.truncate(Files.size(f) - 8);
            }
            SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> r.get("w"));
            assertTensor(e, "w");
            assertMentions(e, "shrinks.safetensors", "changed size since it was opened");
        }
    }
}
