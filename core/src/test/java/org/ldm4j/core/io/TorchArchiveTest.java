package org.ldm4j.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldm4j.core.tensor.DType;

/**
 * {@link TorchArchive}: the state dict of {@link TorchCheckpoint}, listed without reading storages and read one tensor
 * at a time, with the same refusals.
 */
class TorchArchiveTest {
    @TempDir
    Path dir;

    /** {"state_dict": {"model.w": f32 [2, 3], "model.h": f16 [2], "view": w's storage from element 2}, "step": 7}. */
    private Path lightning() {
        PickleWriter p = new PickleWriter().proto(2).emptyDict().mark()
                .str("state_dict").orderedDict().mark()
                .str("model.w").tensor("FloatStorage", "0", 2, 3)
                .str("model.h").tensor("HalfStorage", "1", 2)
                .str("view").tensor("FloatStorage", "0", 6, 2, new long[] {2, 2}, new long[] {1, 2})
                .setitems()
                .str("global_step").integer(7)
                .setitems().stop();
        Map<String, byte[]> s = new LinkedHashMap<>();
        s.put("0", Crafted.f32(0, 1, 2, 3, 4, 5));
        s.put("1", Crafted.u16(0x3C00, 0xC000));
        return PickleWriter.writeCkpt(dir, "lightning.ckpt", p.toBytes(), s);
    }

    @Test
    void listsTheStateDictAndReadsEachTensorAsTorchCheckpointDoes() throws IOException {
        Path f = lightning();
        StateDict whole = TorchCheckpoint.readStateDict(f);
        try (TorchArchive a = TorchArchive.open(f, TorchCheckpoint.Options.strict())) {
            assertEquals(List.of("model.w", "model.h", "view"), a.names());
            assertEquals(List.copyOf(whole.names()), a.names());
            assertEquals(DType.FLOAT16, a.dtype("model.h"));
            assertArrayEquals(new long[] {2, 3}, a.shape("model.w"));
            assertEquals("7", a.values().get("global_step"));
            for (String n : a.names()) {
                assertArrayEquals(whole.get(n).toDoubleArray(), a.read(n).toDoubleArray(), 0, n);
            }
            assertArrayEquals(new float[] {2, 4, 3, 5}, a.read("view").toFloatArray(), 0f, "a strided view, gathered");
            assertNotSame(a.read("model.w"), a.read("model.w"), "each read is a fresh copy");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.read("w"));
            assertTrue(e.getMessage().contains("'w' is not in"), e.getMessage());
            a.close();
            assertThrows(IllegalStateException.class, () -> a.read("model.w"));
        }
    }

    @Test
    void refusesWhatTorchCheckpointRefusesWhenItOpens() {
        Path marker = dir.resolve("pwned");
        byte[] evil = new PickleWriter().proto(2).emptyDict().str("w").global("os", "system").str("touch " + marker)
                .tuple(1).reduce().setitem().stop().toBytes();
        Path f = PickleWriter.writeCkpt(dir, "evil.ckpt", evil, Map.of());
        UnsafePickleException e = assertThrows(UnsafePickleException.class,
                () -> TorchArchive.open(f, TorchCheckpoint.Options.strict()));
        assertEquals("os.system", e.global());
        assertFalse(Files.exists(marker), "nothing was executed");

        byte[] int8 = new PickleWriter().proto(2).emptyDict().str("q").tensor("CharStorage", "0", 2).setitem().stop()
                .toBytes();
        Path q = PickleWriter.writeCkpt(dir, "int8.ckpt", int8, Map.of("0", Crafted.bytes(1, 2)));
        TorchCheckpoint.FormatException fe = assertThrows(TorchCheckpoint.FormatException.class,
                () -> TorchArchive.open(q, TorchCheckpoint.Options.lenient()));
        assertTrue(fe.getMessage().contains("int8") && fe.getMessage().contains("'q'"), fe.getMessage());
    }
}
