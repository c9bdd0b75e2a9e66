package org.ldm4j.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;

/**
 * {@link TorchCheckpoint} against {@code torch.save}-style archives built opcode by opcode with
 * {@link PickleWriter}: tensors of several dtypes, nesting, shared storages, strided views, parameters and the
 * memo; and the refusals: globals outside the allow-list (nothing is executed), unknown opcodes, truncated and
 * inconsistent files. When python3 is installed, pickles written by CPython's own pickler are read as well.
 */
class TorchCheckpointTest {
    @TempDir
    Path dir;

    private static final float[] SIX = {0, 1, 2, 3, 4, 5};

    private Path ckpt(String name, PickleWriter pkl, Map<String, byte[]> storages) {
        return PickleWriter.writeCkpt(dir, name, pkl.toBytes(), storages);
    }

    private static void assertMentions(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "expected '" + p + "' in: " + e.getMessage());
        }
    }

    private static void assertValues(float[] expected, Tensor t) {
        assertArrayEquals(expected, t.toFloatArray(), 0f);
    }

    // ---------------------------------------------------------------- tensors

    @Test
    void float32AndFloat16Tensors() throws IOException {
        PickleWriter p = new PickleWriter().proto(2).emptyDict().mark()
                .str("w").tensor("FloatStorage", "0", 2, 3)
                .str("h").tensor("HalfStorage", "1", 4)
                .setitems().stop();
        Path f = ckpt("plain.pt", p, Map.of("0", Crafted.f32(SIX), "1", Crafted.u16(0x3C00, 0xC000, 0x3800, 0x7BFF)));
        StateDict sd = TorchCheckpoint.read(f);
        assertEquals(List.of("w", "h"), List.copyOf(sd.names()));
        assertEquals(DType.FLOAT32, sd.get("w").dtype());
        assertArrayEquals(new long[] {2, 3}, sd.get("w").shape());
        assertValues(SIX, sd.get("w"));
        assertEquals(DType.FLOAT16, sd.get("h").dtype());
        assertValues(new float[] {1, -2, 0.5f, 65504}, sd.get("h"));
        // a file that is itself a state dict: stateDict() is everything
        assertEquals(sd.names(), TorchCheckpoint.readStateDict(f).names());
    }

    @Test
    void otherDtypes() throws IOException {
        PickleWriter p = new PickleWriter().proto(2).emptyDict().mark()
                .str("bf16").tensor("BFloat16Storage", "0", 2)
                .str("f64").tensor("DoubleStorage", "1", 2)
                .str("i64").tensor("LongStorage", "2", 2)
                .str("i32").tensor("IntStorage", "3", 2)
                .str("u8").tensor("ByteStorage", "4", 3)
                .str("bool").tensor("BoolStorage", "5", 3)
                .str("scalar").tensor("FloatStorage", "6")
                .str("empty").tensor("FloatStorage", "7", 0, 3)
                .setitems().stop();
        Map<String, byte[]> s = new LinkedHashMap<>();
        s.put("0", Crafted.u16(0x3F80, 0xC000));
        s.put("1", Crafted.f64(0.1, -2.5e-300));
        s.put("2", Crafted.i64(Long.MIN_VALUE, 7));
        s.put("3", Crafted.i32(-1, Integer.MAX_VALUE));
        s.put("4", Crafted.bytes(0, 128, 255));
        s.put("5", Crafted.bytes(1, 0, 1));
        s.put("6", Crafted.f32(2.5f));
        s.put("7", new byte[0]);
        StateDict sd = TorchCheckpoint.read(ckpt("dtypes.pt", p, s));
        assertEquals(DType.BFLOAT16, sd.get("bf16").dtype());
        assertValues(new float[] {1, -2}, sd.get("bf16"));
        assertArrayEquals(new double[] {0.1, -2.5e-300}, sd.get("f64").toDoubleArray(), 0);
        assertArrayEquals(new long[] {Long.MIN_VALUE, 7}, sd.get("i64").toLongArray());
        assertArrayEquals(new long[] {-1, Integer.MAX_VALUE}, sd.get("i32").toLongArray());
        assertEquals(DType.UINT8, sd.get("u8").dtype());
        assertArrayEquals(new long[] {0, 128, 255}, sd.get("u8").toLongArray());
        assertEquals(DType.BOOL, sd.get("bool").dtype());
        assertArrayEquals(new double[] {1, 0, 1}, sd.get("bool").toDoubleArray(), 0);
        assertEquals(0, sd.get("scalar").rank());
        assertEquals(2.5, sd.get("scalar").item(), 0);
        assertArrayEquals(new long[] {0, 3}, sd.get("empty").shape());
    }

    @Test
    void int8HasNoDTypeAndIsNamed() {
        PickleWriter p = new PickleWriter().proto(2).emptyDict().str("q").tensor("CharStorage", "0", 2).setitem()
                .stop();
        TorchCheckpoint.FormatException e = assertThrows(TorchCheckpoint.FormatException.class,
                () -> TorchCheckpoint.read(ckpt("int8.pt", p, Map.of("0", Crafted.bytes(1, 2)))));
        assertEquals("q", e.tensor());
        assertMentions(e, "int8", "torch.CharStorage");
    }

    /** {"state_dict": OrderedDict(...), "global_step": 7, ...} as Lightning/CompVis save it. */
    @Test
    void nestedStateDictAndPlainValues() throws IOException {
        PickleWriter p = new PickleWriter().proto(2).emptyDict().mark()
                .str("state_dict").orderedDict().mark()
                .str("model.diffusion_model.w").tensor("FloatStorage", "0", 2, 3)
                .str("first_stage_model.b").tensor("FloatStorage", "1", 2)
                .setitems()
                .emptyDict().str("_metadata").orderedDict().str("").emptyDict().str("version").integer(1).setitem()
                .setitem().setitem().build()                     // the OrderedDict's _metadata attribute
                .str("global_step").integer(7)
                .str("epoch").integer(70000)
                .str("lr").binfloat(1e-4)
                .str("pytorch-lightning_version").str("1.4.2")
                .str("big").bigInteger(BigInteger.TWO.pow(70))
                .str("neg").integer(-5)
                .str("flag").bool(true)
                .str("nothing").none()
                .str("optimizer_states").emptyList().emptyDict().str("state").emptyDict()
                .integer(0).emptyDict().str("exp_avg").tensor("FloatStorage", "2", 2).setitem()
                .setitem().setitem().append()
                .setitems().stop();
        Map<String, byte[]> s = new LinkedHashMap<>();
        s.put("0", Crafted.f32(SIX));
        s.put("1", Crafted.f32(-1, -2));
        s.put("2", Crafted.f32(9, 8));
        TorchCheckpoint ckpt = TorchCheckpoint.load(ckpt("nested.ckpt", p, s));

        StateDict all = ckpt.all();
        assertEquals(List.of("state_dict.model.diffusion_model.w", "state_dict.first_stage_model.b",
                "optimizer_states.0.state.0.exp_avg"), List.copyOf(all.names()));
        assertValues(new float[] {9, 8}, all.get("optimizer_states.0.state.0.exp_avg"));
        assertEquals(7L, ckpt.values().get("global_step"));
        assertEquals(1e-4, ckpt.values().get("lr"));
        assertEquals("1.4.2", ckpt.values().get("pytorch-lightning_version"));
        assertEquals(BigInteger.TWO.pow(70), ckpt.values().get("big"));
        assertEquals(-5L, ckpt.values().get("neg"));
        assertEquals(Boolean.TRUE, ckpt.values().get("flag"));
        assertFalse(ckpt.values().containsKey("nothing"));
        assertEquals("7", all.metadata().get("global_step"));

        StateDict sd = ckpt.stateDict();
        assertEquals(List.of("model.diffusion_model.w", "first_stage_model.b"), List.copyOf(sd.names()));
        assertValues(SIX, sd.get("model.diffusion_model.w"));
        assertSame(all.get("state_dict.first_stage_model.b"), sd.get("first_stage_model.b"));
        assertEquals("7", sd.metadata().get("global_step"));
        assertEquals("70000", sd.metadata().get("epoch"));
        assertFalse(sd.metadata().containsKey("optimizer_states"));
        assertEquals(List.of(), ckpt.placeholders());
        assertEquals(sd.names(), TorchCheckpoint.readStateDict(ckpt.file()).names());
    }

    @Test
    void sharedStorageWithOffsets() throws IOException {
        // one storage of 10 floats: a = [0:4], b = [4:10] as 2x3, c = the element 9 alone
        PickleWriter p = new PickleWriter().proto(2).emptyDict().mark()
                .str("a").tensor("FloatStorage", "0", 10, 0, new long[] {4}, new long[] {1})
                .str("b").tensor("FloatStorage", "0", 10, 4, new long[] {2, 3}, new long[] {3, 1})
                .str("c").tensor("FloatStorage", "0", 10, 9, new long[] {}, new long[] {})
                .setitems().stop();
        StateDict sd = TorchCheckpoint.read(ckpt("shared.pt", p,
                Map.of("0", Crafted.f32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9))));
        assertValues(new float[] {0, 1, 2, 3}, sd.get("a"));
        assertValues(new float[] {4, 5, 6, 7, 8, 9}, sd.get("b"));
        assertArrayEquals(new long[] {2, 3}, sd.get("b").shape());
        assertEquals(9, sd.get("c").item(), 0);
    }

    @Test
    void stridedViewsAreCopiedInCOrder() throws IOException {
        PickleWriter p = new PickleWriter().proto(2).emptyDict().mark()
                // the transpose of a row-major 2x3: element (i, j) at j * 3 + i
                .str("t").tensor("FloatStorage", "0", 6, 0, new long[] {3, 2}, new long[] {1, 3})
                // an expand of [0, 1, 2] to 2x3 (stride 0)
                .str("e").tensor("FloatStorage", "0", 6, 0, new long[] {2, 3}, new long[] {0, 1})
                // columns 1..2 of a 3x4 held in a 12-element storage (rows of stride 4, runs of 2)
                .str("cols").tensor("FloatStorage", "1", 12, 1, new long[] {3, 2}, new long[] {4, 1})
                // a 3-d permute (2, 0, 1) of a 2x2x3 C-order array: shape [3, 2, 2], stride [1, 6, 3]
                .str("perm").tensor("FloatStorage", "1", 12, 0, new long[] {3, 2, 2}, new long[] {1, 6, 3})
                .setitems().stop();
        float[] twelve = new float[12];
        for (int i = 0; i < 12; i++) {
            twelve[i] = i;
        }
        StateDict sd = TorchCheckpoint.read(ckpt("strided.pt", p,
                Map.of("0", Crafted.f32(SIX), "1", Crafted.f32(twelve))));
        assertValues(new float[] {0, 3, 1, 4, 2, 5}, sd.get("t"));
        assertArrayEquals(new long[] {3, 2}, sd.get("t").shape());
        assertValues(new float[] {0, 1, 2, 0, 1, 2}, sd.get("e"));
        assertValues(new float[] {1, 2, 5, 6, 9, 10}, sd.get("cols"));
        assertValues(new float[] {0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11}, sd.get("perm"));
        assertEquals(2.0, sd.get("perm").get(2, 0, 0), 0);
    }

    @Test
    void parametersAndTheMemo() throws IOException {
        // protocol 4 layout: FRAME, STACK_GLOBAL, MEMOIZE; a Parameter wraps a tensor; the tensor is memoised
        // and used again under a second name (tied weights), the storage class fetched with LONG_BINGET
        PickleWriter p = new PickleWriter().proto(4).frame(0).emptyDict().memoize().mark()       // memo 0: dict
                .str("p").memoize()                                                              // memo 1: "p"
                .stackGlobal("torch._utils", "_rebuild_parameter").memoize()                    // memo 2
                .global("torch._utils", "_rebuild_tensor_v2").put(300)                          // memo 300
                .mark().mark().str("storage").global("torch", "FloatStorage").put(3).str("0").str("cpu").integer(6)
                .tuple().binpersid().integer(0).longs(2, 3).longs(3, 1).bool(false).orderedDict().tuple()
                .reduce().memoize()                         // memo 5: MEMOIZE uses the memo's size, {0, 1, 2, 300, 3}
                .bool(true).orderedDict().tuple(3).reduce()
                .str("tied").get(5)
                .str("q").longGet(2).get(300).mark().mark().str("storage").longGet(3).str("1").str("cpu")
                .integer(2).tuple().binpersid().integer(0).longs(2).longs(1).bool(false).orderedDict().tuple()
                .reduce().bool(false).orderedDict().tuple(3).reduce()
                .str("with_state").global("torch._utils", "_rebuild_parameter_with_state").mark()
                .get(5).bool(true).orderedDict().emptyDict().str("x").integer(1).setitem().tuple().reduce()
                .str8("again").get(1)                                                            // a memoised str
                .setitems().stop();
        StateDict sd = TorchCheckpoint.read(ckpt("params.pt", p,
                Map.of("0", Crafted.f32(SIX), "1", Crafted.f32(7, 8))));
        assertEquals(List.of("p", "tied", "q", "with_state"), List.copyOf(sd.names()));
        assertValues(SIX, sd.get("p"));
        assertSame(sd.get("p"), sd.get("tied"), "one tensor under two names");
        assertSame(sd.get("p"), sd.get("with_state"));
        assertValues(new float[] {7, 8}, sd.get("q"));
        assertEquals("p", sd.metadata().get("again"));
        assertFalse(sd.get("p").requiresGrad());
    }

    @Test
    void deflatedEntriesAndAnyTopFolder() throws IOException {
        byte[] pkl = new PickleWriter().proto(2).emptyDict().str("w").tensor("FloatStorage", "0", 6).setitem().stop()
                .toBytes();
        Path f = Crafted.write(dir, "deflated.ckpt", PickleWriter.zip("sd-v1-4", pkl, Map.of("0", Crafted.f32(SIX)),
                true));
        assertValues(SIX, TorchCheckpoint.read(f).get("w"));
    }

    // ---------------------------------------------------------------- refusals

    /** {@code os.system("touch <marker>")} pickled as protocol 2 (GLOBAL) or 4 (STACK_GLOBAL). */
    private byte[] osSystem(Path marker, boolean stackGlobal) {
        PickleWriter p = new PickleWriter().proto(stackGlobal ? 4 : 2).emptyDict().str("w");
        (stackGlobal ? p.stackGlobal("os", "system") : p.global("os", "system"))
                .str("touch " + marker).tuple(1).reduce().setitem().stop();
        return p.toBytes();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void osSystemIsRefusedAndNotRun(boolean stackGlobal) throws IOException {
        Path marker = dir.resolve("pwned");
        Path f = PickleWriter.writeCkpt(dir, "evil.ckpt", osSystem(marker, stackGlobal), Map.of());
        UnsafePickleException e = assertThrows(UnsafePickleException.class, () -> TorchCheckpoint.read(f));
        assertEquals("os.system", e.global());
        assertEquals(-1, e.opcode());
        assertEquals(f, e.file());
        assertMentions(e, "evil.ckpt", "archive/data.pkl byte ", "refused global os.system", "lenient");
        assertFalse(Files.exists(marker), "nothing was executed");

        // lenient: a placeholder that is never called
        TorchCheckpoint ckpt = TorchCheckpoint.load(f, TorchCheckpoint.Options.lenient());
        assertEquals(List.of("os.system"), ckpt.placeholders());
        assertEquals(0, ckpt.all().size());
        assertFalse(Files.exists(marker), "nothing was executed");
    }

    @Test
    void builtinsEvalIsRefused() {
        PickleWriter p = new PickleWriter().proto(2).global("builtins", "eval").str("__import__('os')").tuple(1)
                .reduce().stop();
        UnsafePickleException e = assertThrows(UnsafePickleException.class,
                () -> TorchCheckpoint.read(ckpt("eval.ckpt", p, Map.of())));
        assertEquals("builtins.eval", e.global());
        assertMentions(e, "eval.ckpt", "archive/data.pkl byte 2", "builtins.eval");
    }

    @Test
    void unknownAndImportingOpcodesAreRefusedEvenWhenLenient() {
        for (TorchCheckpoint.Options o : List.of(TorchCheckpoint.Options.strict(), TorchCheckpoint.Options.lenient())) {
            PickleWriter unknown = new PickleWriter().proto(2).emptyDict().raw(0xff).stop();
            UnsafePickleException e = assertThrows(UnsafePickleException.class,
                    () -> TorchCheckpoint.load(ckpt("unknown.ckpt", unknown, Map.of()), o));
            assertEquals(0xff, e.opcode());
            assertNull(e.global());
            assertMentions(e, "unknown.ckpt", "byte 3", "unknown opcode 0xff");

            // INST: "i" module "\n" name "\n", calls the class with the items since MARK
            PickleWriter inst = new PickleWriter().proto(2).mark().str("id").raw('i').text("os\nsystem\n").stop();
            e = assertThrows(UnsafePickleException.class,
                    () -> TorchCheckpoint.load(ckpt("inst.ckpt", inst, Map.of()), o));
            assertEquals('i', e.opcode());
            assertMentions(e, "opcode INST (0x69)", "refused");

            PickleWriter ext = new PickleWriter().proto(2).raw(0x82, 1).stop();
            assertMentions(assertThrows(UnsafePickleException.class,
                    () -> TorchCheckpoint.load(ckpt("ext.ckpt", ext, Map.of()), o)), "EXT1");
        }
    }

    @Test
    void everyTruncationOfAPickleIsAFormatError() throws IOException {
        byte[] full = new PickleWriter().proto(2).emptyDict().mark()
                .str("w").tensor("FloatStorage", "0", 2, 3).str("lr").binfloat(0.5).str("step").integer(70000)
                .str("big").integer(1L << 40).setitems().stop().toBytes();
        Map<String, byte[]> s = Map.of("0", Crafted.f32(SIX));
        assertValues(SIX, TorchCheckpoint.read(PickleWriter.writeCkpt(dir, "full.ckpt", full, s)).get("w"));
        for (int n = 0; n < full.length; n++) {
            Path f = PickleWriter.writeCkpt(dir, "cut" + n + ".ckpt", Arrays.copyOf(full, n), s);
            TorchCheckpoint.FormatException e = assertThrows(TorchCheckpoint.FormatException.class,
                    () -> TorchCheckpoint.read(f), "cut at " + n);
            assertMentions(e, "cut" + n + ".ckpt", "archive/data.pkl byte", "truncated");
        }
    }

    /** Structures a hostile pickle can build: each is a FormatException, never a hang or a StackOverflowError. */
    @Test
    void hostileStructuresAreFormatErrors() {
        PickleWriter cyclic = new PickleWriter().proto(2).emptyList().put(0).get(0).append().stop();
        assertMentions(assertThrows(TorchCheckpoint.FormatException.class,
                () -> TorchCheckpoint.read(ckpt("cyclic.ckpt", cyclic, Map.of()))), "nested deeper than 1000");

        PickleWriter deep = new PickleWriter().proto(2);
        for (int i = 0; i < 5000; i++) {
            deep.emptyList();
        }
        for (int i = 1; i < 5000; i++) {
            deep.append();
        }
        assertMentions(assertThrows(TorchCheckpoint.FormatException.class,
                () -> TorchCheckpoint.read(ckpt("deep.ckpt", deep.stop(), Map.of()))), "nested deeper");

        // L_i = [L_{i-1}, L_{i-1}]: 2^60 paths from a few hundred bytes
        PickleWriter shared = new PickleWriter().proto(2).emptyList().put(0);
        for (int i = 1; i <= 60; i++) {
            shared.emptyList().get(i - 1).append().get(i - 1).append().put(i);
        }
        assertMentions(assertThrows(TorchCheckpoint.FormatException.class,
                () -> TorchCheckpoint.read(ckpt("shared.ckpt", shared.stop(), Map.of()))), "shared too often");

        PickleWriter listKey = new PickleWriter().proto(2).emptyDict().emptyList().str("v").setitem().stop();
        assertMentions(assertThrows(TorchCheckpoint.FormatException.class,
                () -> TorchCheckpoint.read(ckpt("listkey.ckpt", listKey, Map.of()))), "unhashable dict key: a list");

        PickleWriter deepKey = new PickleWriter().proto(2).emptyDict().integer(1);
        for (int i = 0; i < 200; i++) {
            deepKey.tuple(1);
        }
        assertMentions(assertThrows(TorchCheckpoint.FormatException.class,
                () -> TorchCheckpoint.read(ckpt("deepkey.ckpt", deepKey.str("v").setitem().stop(), Map.of()))),
                "unhashable dict key: a tuple ((((...");

        PickleWriter unwritten = new PickleWriter().proto(2).get(7).stop();
        assertMentions(assertThrows(TorchCheckpoint.FormatException.class,
                () -> TorchCheckpoint.read(ckpt("memo.ckpt", unwritten, Map.of()))),
                "archive/data.pkl byte 2", "memo entry 7 is read before it is written");

        PickleWriter badPid = new PickleWriter().proto(2).mark().str("storage").str("not a class").str("0").str("cpu")
                .integer(1).tuple().binpersid().stop();
        assertMentions(assertThrows(TorchCheckpoint.FormatException.class,
                () -> TorchCheckpoint.read(ckpt("pid.ckpt", badPid, Map.of()))), "unknown storage type str");
        PickleWriter shortPid = new PickleWriter().proto(2).str("storage").emptyList().integer(1).append().tuple(2)
                .binpersid().stop();
        assertMentions(assertThrows(TorchCheckpoint.FormatException.class,
                () -> TorchCheckpoint.read(ckpt("pid2.ckpt", shortPid, Map.of()))),
                "persistent id ('storage', [1]): expected ('storage', <storage class>, key, location, numel)");
    }

    @Test
    void missingStorageEntry() {
        PickleWriter p = new PickleWriter().proto(2).emptyDict().str("state_dict").emptyDict()
                .str("w").tensor("FloatStorage", "5", 2).setitem().setitem().stop();
        TorchCheckpoint.FormatException e = assertThrows(TorchCheckpoint.FormatException.class,
                () -> TorchCheckpoint.read(ckpt("missing.ckpt", p, Map.of("0", Crafted.f32(1, 2)))));
        assertEquals("state_dict.w", e.tensor());
        assertMentions(e, "missing.ckpt", "storage '5'", "archive/data/5", "missing");
    }

    @Test
    void storageTooShortForSizeAndStride() {
        // size [3, 4] with stride [4, 1] from offset 2 reaches element 13 of a 12-element storage
        PickleWriter p = new PickleWriter().proto(2).emptyDict().str("state_dict").emptyDict()
                .str("w").tensor("FloatStorage", "0", 12, 2, new long[] {3, 4}, new long[] {4, 1})
                .setitem().setitem().stop();
        TorchCheckpoint.FormatException e = assertThrows(TorchCheckpoint.FormatException.class,
                () -> TorchCheckpoint.read(ckpt("short.ckpt", p, Map.of("0", Crafted.f32(new float[12])))));
        assertEquals("state_dict.w", e.tensor());
        assertMentions(e, "short.ckpt", "tensor 'state_dict.w'", "reach element 13", "holds 12 elements");

        // the persistent id declares 12 floats, the entry holds 11
        PickleWriter q = new PickleWriter().proto(2).emptyDict().str("v").tensor("FloatStorage", "0", 3, 4)
                .setitem().stop();
        e = assertThrows(TorchCheckpoint.FormatException.class,
                () -> TorchCheckpoint.read(ckpt("short2.ckpt", q, Map.of("0", Crafted.f32(new float[11])))));
        assertEquals("v", e.tensor());
        assertMentions(e, "has 44 bytes", "declares 12 elements of float32 = 48 bytes");
    }

    @Test
    void notAZip() throws IOException {
        Path junk = Crafted.write(dir, "junk.ckpt", "hello, not a checkpoint".getBytes(StandardCharsets.UTF_8));
        TorchCheckpoint.FormatException e = assertThrows(TorchCheckpoint.FormatException.class,
                () -> TorchCheckpoint.read(junk));
        assertMentions(e, "junk.ckpt", "not a zip archive");
        assertNull(e.tensor());

        Path legacy = Crafted.write(dir, "legacy.pt", new PickleWriter().proto(2).integer(1).stop().toBytes());
        assertMentions(assertThrows(TorchCheckpoint.FormatException.class, () -> TorchCheckpoint.read(legacy)),
                "legacy torch.save format");

        Path empty = Crafted.write(dir, "empty.ckpt", new byte[0]);
        assertMentions(assertThrows(TorchCheckpoint.FormatException.class, () -> TorchCheckpoint.read(empty)),
                "not a zip archive");

        Path noPickle = dir.resolve("nopkl.ckpt");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(noPickle))) {
            z.putNextEntry(new ZipEntry("archive/version"));
            z.write('3');
            z.closeEntry();
        }
        assertMentions(assertThrows(TorchCheckpoint.FormatException.class, () -> TorchCheckpoint.read(noPickle)),
                "nopkl.ckpt", "expected one <folder>/data.pkl entry", "archive/version");

        Path cutZip = Crafted.write(dir, "cutzip.ckpt", Arrays.copyOf(
                PickleWriter.zip("archive", new byte[] {'.'}, Map.of("0", new byte[100]), false), 60));
        assertThrows(TorchCheckpoint.FormatException.class, () -> TorchCheckpoint.read(cutZip));
    }

    // ---------------------------------------------------------------- lenient mode

    /**
     * A Lightning checkpoint: the callbacks dict keyed by the ModelCheckpoint class, holding a numpy scalar and a
     * tensor; an instance made by NEWOBJ and BUILD; the weights under state_dict.
     */
    private PickleWriter lightning() {
        return new PickleWriter().proto(2).emptyDict().mark()
                .str("state_dict").orderedDict().str("model.w").tensor("FloatStorage", "0", 2, 3).setitem()
                .str("callbacks").emptyDict()
                .global("pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint").emptyDict().mark()
                .str("monitor").str("val/loss")
                .str("best_model_score").tensor("FloatStorage", "1")
                .str("best_k").global("numpy.core.multiarray", "scalar")
                .global("numpy", "dtype").str("f8").bool(false).bool(true).tuple(3).reduce()
                .mark().integer(3).str("<").none().none().none().integer(-1).integer(-1).integer(0).tuple().build()
                .bytes(Crafted.f64(0.25)).tuple(2).reduce()
                .setitems().setitem()
                .str("trainer").global("pytorch_lightning.trainer", "Trainer").emptyTuple().newobj()
                .emptyDict().str("max_steps").integer(100).setitem().build()
                .str("global_step").integer(470000)
                .setitems().stop();
    }

    @Test
    void lenientModeLoadsTheTensorsNextToUnknownGlobals() throws IOException {
        Map<String, byte[]> s = Map.of("0", Crafted.f32(SIX), "1", Crafted.f32(0.5f));
        Path f = ckpt("lightning.ckpt", lightning(), s);

        UnsafePickleException e = assertThrows(UnsafePickleException.class, () -> TorchCheckpoint.read(f));
        assertEquals("pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint", e.global());

        TorchCheckpoint ckpt = TorchCheckpoint.load(f, TorchCheckpoint.Options.lenient());
        assertEquals(List.of("pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint",
                "numpy.core.multiarray.scalar", "numpy.dtype", "pytorch_lightning.trainer.Trainer"),
                ckpt.placeholders());
        StateDict sd = ckpt.stateDict();
        assertEquals(List.of("model.w"), List.copyOf(sd.names()));
        assertValues(SIX, sd.get("model.w"));
        assertEquals("470000", sd.metadata().get("global_step"));
        String score = "callbacks.pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint.best_model_score";
        assertEquals(0.5, ckpt.all().get(score).item(), 0);
        assertEquals("val/loss", ckpt.values().get(
                "callbacks.pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint.monitor"));
        assertEquals(100L, ckpt.values().get("trainer.max_steps"), "a placeholder's BUILD state is walked");
        assertTrue(ckpt.toString().contains("placeholders"));
    }

    // ---------------------------------------------------------------- CPython's pickler

    /**
     * Fake {@code torch} modules for CPython's pickler: the same globals and persistent ids as torch.save, no
     * torch needed. Writes {@code argv[1]} as a zip with the pickle protocol {@code argv[2]}.
     */
    private static final String PYTHON = String.join("\n",
            "import collections, pickle, struct, sys, types, zipfile",
            "torch = types.ModuleType('torch'); utils = types.ModuleType('torch._utils')",
            "sys.modules['torch'] = torch; sys.modules['torch._utils'] = utils; torch._utils = utils",
            "class FloatStorage: pass",
            "FloatStorage.__module__ = 'torch'; torch.FloatStorage = FloatStorage",
            "def _rebuild_tensor_v2(*a): pass",
            "def _rebuild_parameter(*a): pass",
            "for fn in (_rebuild_tensor_v2, _rebuild_parameter):",
            "    fn.__module__ = 'torch._utils'; setattr(utils, fn.__name__, fn)",
            "class Storage:",
            "    def __init__(self, key, numel): self.key, self.numel = key, numel",
            "class Tensor:",
            "    def __init__(self, s, off, size, stride): self.a = (s, off, size, stride)",
            "    def __reduce_ex__(self, proto):",
            "        return (_rebuild_tensor_v2, self.a + (False, collections.OrderedDict()))",
            "class Param:",
            "    def __init__(self, t): self.t = t",
            "    def __reduce_ex__(self, proto):",
            "        return (_rebuild_parameter, (self.t, True, collections.OrderedDict()))",
            "class P(pickle.Pickler):",
            "    def persistent_id(self, o):",
            "        return ('storage', FloatStorage, o.key, 'cpu', o.numel) if isinstance(o, Storage) else None",
            "s = Storage('0', 6)",
            "w = Tensor(s, 0, (2, 3), (3, 1))",
            "sd = collections.OrderedDict([('w', w), ('wt', Tensor(s, 0, (3, 2), (1, 3))), ('tied', w),",
            "                              ('p', Param(Tensor(s, 4, (2,), (1,))))])",
            "proto = int(sys.argv[2])",
            "obj = {'state_dict': sd, 'global_step': 7, 'lr': 0.5, 'name': 'caf\\u00e9 ' * 100, 'big': 2**70,",
            "       'neg': -70000, 'nested': [1, (2, 3), None, True, {'k': 'v'}], 'long_list': list(range(2000))}",
            "if proto >= 3: obj['raw'] = b'xy'",
            "buf = __import__('io').BytesIO(); P(buf, protocol=proto).dump(obj)",
            "with zipfile.ZipFile(sys.argv[1], 'w') as z:",
            "    z.writestr('archive/data.pkl', buf.getvalue())",
            "    z.writestr('archive/data/0', struct.pack('<6f', 0, 1, 2, 3, 4, 5))",
            "    z.writestr('archive/version', '3\\n')");

    private static boolean python(String... args) {
        try {
            Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            boolean ok = p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
            if (!ok && args.length > 3) {
                throw new AssertionError("python3 failed: " + out);
            }
            return ok;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 4, 5})
    void readsWhatCPythonsPicklerWrites(int protocol) throws IOException {
        assumeTrue(python("python3", "-c", "import pickle"), "python3 is not installed");
        Path f = dir.resolve("py" + protocol + ".ckpt");
        python("python3", "-c", PYTHON, f.toString(), Integer.toString(protocol));
        TorchCheckpoint ckpt = TorchCheckpoint.load(f);
        StateDict sd = ckpt.stateDict();
        assertEquals(List.of("w", "wt", "tied", "p"), List.copyOf(sd.names()));
        assertValues(SIX, sd.get("w"));
        assertValues(new float[] {0, 3, 1, 4, 2, 5}, sd.get("wt"));
        assertSame(sd.get("w"), sd.get("tied"));
        assertValues(new float[] {4, 5}, sd.get("p"));
        Map<String, Object> v = ckpt.values();
        assertEquals(7L, v.get("global_step"));
        assertEquals(0.5, v.get("lr"));
        assertEquals("café ".repeat(100), v.get("name"));
        assertEquals(BigInteger.TWO.pow(70), v.get("big"));
        assertEquals(-70000L, v.get("neg"));
        assertEquals(3L, v.get("nested.1.1"));
        assertEquals(Boolean.TRUE, v.get("nested.3"));
        assertEquals("v", v.get("nested.4.k"));
        assertEquals(1999L, v.get("long_list.1999"));
        assertEquals(List.of(), ckpt.placeholders());
    }
}
