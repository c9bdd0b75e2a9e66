package org.ldm4j.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldm4j.core.tensor.Tensor;

/** The writer: the exact file layout of the reference, views, and the atomic replace. */
class SafeTensorsWriteTest {
    @TempDir
    Path dir;

    // ---------------------------------------------------------------- layout

    @Test
    void bytesEqualTheReferenceImplementationsOwnTestVector() throws IOException {
        // huggingface/safetensors tensor.rs test_serialization: "attn.0" F32 [1, 2, 3] = 0..5
        Path f = dir.resolve("ref.safetensors");
        SafeTensors.write(f, Map.of("attn.0", Tensor.of(new float[] {0, 1, 2, 3, 4, 5}, 1, 2, 3)));
        String json = "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}";
        assertEquals(64, json.length());
        assertArrayEquals(Crafted.file(json, Crafted.f32(0, 1, 2, 3, 4, 5)), Files.readAllBytes(f));
    }

    @Test
    void emptyFileAndMetadataOnlyFileMatchTheReference() throws IOException {
        // tensor.rs test_empty: {} padded to 8 bytes; with metadata {"framework": "pt"}
        Path empty = dir.resolve("empty.safetensors");
        SafeTensors.write(empty, Map.of());
        assertArrayEquals(Crafted.file("{}      "), Files.readAllBytes(empty));
        Path meta = dir.resolve("meta.safetensors");
        SafeTensors.write(meta, Map.of(), Map.of("framework", "pt"));
        assertArrayEquals(Crafted.file("{\"__metadata__\":{\"framework\":\"pt\"}}     "), Files.readAllBytes(meta));
        assertEquals(Map.of("framework", "pt"), SafeTensors.read(meta).metadata());
        assertEquals(0, SafeTensors.read(empty).size());
    }

    @Test
    void headerIsPaddedWithSpacesToAMultipleOf8AndTensorsAreSortedByName() throws IOException {
        for (int nameLength = 1; nameLength <= 9; nameLength++) {
            Path f = dir.resolve("pad" + nameLength + ".safetensors");
            Map<String, Tensor> m = new LinkedHashMap<>();
            m.put("z" + "n".repeat(nameLength), Tensor.of(new float[] {1}, 1));
            m.put("a", Tensor.of(new double[] {2}, 1));
            SafeTensors.write(f, m, Map.of("k", "v"));
            byte[] b = Files.readAllBytes(f);
            long n = java.nio.ByteBuffer.wrap(b, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(0, (8 + n) % 8, "8 + N must be a multiple of 8, N = " + n);
            String json = new String(b, 8, (int) n, StandardCharsets.UTF_8);
            String trimmed = json.stripTrailing();
            assertTrue(json.length() - trimmed.length() < 8, "at most 7 padding spaces: '" + json + "'");
            assertTrue(trimmed.endsWith("}"), json);
            assertTrue(json.indexOf("\"a\"") < json.indexOf("\"z"), "sorted names: " + json);
            assertEquals(8 + n + 8 + 4, b.length, "a (8 bytes) then z (4 bytes), nothing else");
        }
    }

    @Test
    void namesAreSortedByCodePointLikePython() throws IOException {
        // String.compareTo would put U+FF21 (fullwidth A) after U+1F600 (a surrogate pair); Python does not
        Path f = dir.resolve("order.safetensors");
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("\uD83D\uDE00", Tensor.of(new float[] {1}, 1));
        m.put("\uFF21", Tensor.of(new float[] {2}, 1));
        m.put("b", Tensor.of(new float[] {3}, 1));
        SafeTensors.write(f, m);
        try (SafeTensorsReader r = SafeTensors.open(f)) {
            assertEquals(List.of("b", "\uFF21", "\uD83D\uDE00"), r.names());
            assertEquals(3.0, r.get("b").item());
            assertEquals(1.0, r.get("\uD83D\uDE00").item());
        }
    }

    // ---------------------------------------------------------------- views

    @Test
    void viewsAndNonContiguousTensorsAreWrittenInCOrder() throws IOException {
        float[] v = new float[24];
        for (int i = 0; i < 24; i++) {
            v[i] = i;
        }
        Tensor m = Tensor.of(v, 2, 3, 4);                           // m[a, b, c] = 12a + 4b + c
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("permuted", m.permute(2, 0, 1));                    // [4, 2, 3]: p[i, j, k] = m[j, k, i]
        in.put("transposed", m.transpose(1, 2));                   // [2, 4, 3]: t[a, c, b] = m[a, b, c]
        in.put("second_half", m.slice(0, 1, 2));                   // [1, 3, 4], starts at element 12
        in.put("middle_rows", m.slice(1, 1, 3));                   // [2, 2, 4], not contiguous
        in.put("reshaped", m.reshape(6, 4));
        Path f = dir.resolve("views.safetensors");
        SafeTensors.write(f, in);
        StateDict out = SafeTensors.read(f);

        float[] permuted = new float[24];
        float[] transposed = new float[24];
        int p = 0;
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 2; j++) {
                for (int k = 0; k < 3; k++) {
                    permuted[p++] = 12 * j + 4 * k + i;
                }
            }
        }
        p = 0;
        for (int a = 0; a < 2; a++) {
            for (int c = 0; c < 4; c++) {
                for (int b = 0; b < 3; b++) {
                    transposed[p++] = 12 * a + 4 * b + c;
                }
            }
        }
        float[] secondHalf = new float[12];
        for (int i = 0; i < 12; i++) {
            secondHalf[i] = 12 + i;
        }
        float[] middle = new float[16];
        p = 0;
        for (int a = 0; a < 2; a++) {
            for (int b = 1; b < 3; b++) {
                for (int c = 0; c < 4; c++) {
                    middle[p++] = 12 * a + 4 * b + c;
                }
            }
        }
        assertArrayEquals(permuted, out.get("permuted").toFloatArray());
        assertArrayEquals(new long[] {4, 2, 3}, out.get("permuted").shape());
        assertArrayEquals(transposed, out.get("transposed").toFloatArray());
        assertArrayEquals(secondHalf, out.get("second_half").toFloatArray());
        assertArrayEquals(middle, out.get("middle_rows").toFloatArray());
        assertArrayEquals(v, out.get("reshaped").toFloatArray());
        assertArrayEquals(new long[] {6, 4}, out.get("reshaped").shape());
    }

    // ---------------------------------------------------------------- atomic replace

    @Test
    void writeLeavesOnlyTheTargetFileAndReplacesAnExistingOne() throws IOException {
        Path f = dir.resolve("model.safetensors");
        SafeTensors.write(f, Map.of("w", Tensor.of(new float[] {1, 2}, 2)), Map.of("version", "1"));
        SafeTensors.write(f, Map.of("w", Tensor.of(new float[] {3, 4, 5}, 3)), Map.of("version", "2"));
        assertEquals(List.of(f), listDir(), "no temporary files left behind");
        StateDict sd = SafeTensors.read(f);
        assertEquals(Map.of("version", "2"), sd.metadata());
        assertArrayEquals(new float[] {3, 4, 5}, sd.get("w").toFloatArray());
    }

    @Test
    void aFailureDuringTheDataLeavesTheOldFileAndNoTemporaryFile() throws IOException {
        Path f = dir.resolve("model.safetensors");
        SafeTensors.write(f, Map.of("w", Tensor.of(new float[] {1, 2}, 2)));
        byte[] before = Files.readAllBytes(f);

        Tensor released = Tensor.of(new float[] {9, 9}, 2);
        released.array().close();                                   // its data cannot be read any more
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("a_written_first", Tensor.of(new float[] {7}, 1));
        m.put("z_fails", released);
        assertThrows(IllegalStateException.class, () -> SafeTensors.write(f, m));

        assertArrayEquals(before, Files.readAllBytes(f), "the old file is untouched");
        assertEquals(List.of(f), listDir(), "the temporary file was deleted");
    }

    @Test
    void aFailedRenameDeletesTheTemporaryFile() throws IOException {
        Path target = Files.createDirectory(dir.resolve("occupied"));
        Files.writeString(target.resolve("keep.txt"), "x");          // a non-empty directory cannot be replaced
        assertThrows(IOException.class, () -> SafeTensors.write(target, Map.of("w", Tensor.of(new float[] {1}, 1))));
        assertEquals(List.of(target), listDir());
        assertEquals("x", Files.readString(target.resolve("keep.txt")));
    }

    @Test
    void theFileGetsOrdinaryPermissionsNotThoseOfATempFile() throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(dir, PosixFileAttributeView.class);
        assumeTrue(view != null, "POSIX permissions only");
        Path plain = Files.createFile(dir.resolve("plain"));
        Path f = dir.resolve("model.safetensors");
        SafeTensors.write(f, Map.of("w", Tensor.of(new float[] {1}, 1)));
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(f));
    }

    // ---------------------------------------------------------------- arguments

    @Test
    void badArgumentsAreRejectedBeforeAnythingIsWritten() throws IOException {
        Path f = dir.resolve("bad.safetensors");
        IllegalArgumentException reserved = assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.write(f, Map.of("__metadata__", Tensor.of(new float[] {1}, 1))));
        assertTrue(reserved.getMessage().contains("reserved"), reserved.getMessage());
        IllegalArgumentException surrogate = assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.write(f, Map.of("bad\uD800name", Tensor.of(new float[] {1}, 1))));
        assertTrue(surrogate.getMessage().contains("lone surrogate U+D800"), surrogate.getMessage());
        Map<String, Tensor> withNull = new LinkedHashMap<>();
        withNull.put("w", null);
        IllegalArgumentException nullTensor = assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.write(f, withNull));
        assertTrue(nullTensor.getMessage().contains("'w'"), nullTensor.getMessage());
        assertEquals(List.of(), listDir());
    }

    private List<Path> listDir() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
