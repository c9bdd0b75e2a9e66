package org.ldm4j.training.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/** A run's directory of checkpoints: crash safety, keep-last-k, ordering by step, falling back past damage. */
@SuppressWarnings("try")   // a scope used for its effect: freeing a tensor
class CheckpointStoreTest {

    private static Checkpoint at(long step) {
        return Checkpoint.builder(step)
                .model(Map.of("model.diffusion_model.out.2.weight", Tensor.full(DType.FLOAT32, step, 2, 3)))
                .ema(Map.of("decay", Tensor.scalar(0.9999)))
                .state("rng", new long[] {step, step + 1})
                .build();
    }

    private static List<Long> steps(CheckpointStore store) throws IOException {
        return store.list().stream().map(CheckpointStore.Entry::step).toList();
    }

    @Test
    void savesListsAndFindsTheLatest(@TempDir Path dir) throws IOException {
        CheckpointStore store = CheckpointStore.open(dir.resolve("run/checkpoints"), CheckpointStore.KEEP_ALL);
        for (long s : new long[] {100, 200, 300}) {
            assertEquals(store.fileFor(s), store.save(at(s)));
        }
        assertEquals(List.of(100L, 200L, 300L), steps(store));
        assertEquals("step-000000300.safetensors", store.fileFor(300).getFileName().toString());
        List<CheckpointStore.Skipped> skipped = new ArrayList<>();
        CheckpointStore.Loaded latest = store.latest(skipped::add, Checkpoint.MODEL).orElseThrow();
        assertEquals(300, latest.checkpoint().step());
        assertEquals(store.fileFor(300), latest.file());
        assertArrayEquals(new long[] {300, 301}, latest.checkpoint().state("rng"));
        assertEquals(List.of(), skipped);
        assertEquals(200, store.load(200).step());
        NoSuchFileException none = assertThrows(NoSuchFileException.class, () -> store.load(250));
        assertTrue(none.getMessage().contains("step-000000250.safetensors")
                && none.getMessage().contains("[100, 200, 300]"), none.getMessage());
    }

    @Test
    void keepsOnlyTheLastK(@TempDir Path dir) throws IOException {
        CheckpointStore store = CheckpointStore.open(dir, 2);
        for (long s = 100; s <= 500; s += 100) {
            store.save(at(s));
            assertTrue(store.list().size() <= 2);
        }
        assertEquals(List.of(400L, 500L), steps(store));
        for (CheckpointStore.Entry e : store.list()) {
            assertEquals(e.step(), Checkpoint.read(e.file()).step());
        }
        assertThrows(IllegalArgumentException.class, () -> CheckpointStore.open(dir, 0));
    }

    @Test
    void ordersByStepNotByNameOrModificationTime(@TempDir Path dir) throws IOException {
        CheckpointStore store = CheckpointStore.open(dir, 2);
        store.save(at(5));
        store.save(at(999_999_999));
        store.save(at(1_000_000_000));     // "step-1000000000" sorts before "step-999999999" by name
        Files.setLastModifiedTime(store.fileFor(999_999_999), FileTime.from(Instant.now().plusSeconds(3600)));
        assertEquals(List.of(999_999_999L, 1_000_000_000L), steps(store), "step 5 was pruned, not the others");
        assertEquals(1_000_000_000L, store.latest(s -> { }).orElseThrow().checkpoint().step());
    }

    @Test
    void aFailedWriteLeavesEarlierCheckpointsIntactAndNoPartialFile(@TempDir Path dir) throws IOException {
        CheckpointStore store = CheckpointStore.open(dir, 2);
        store.save(at(100));
        store.save(at(200));
        Map<Path, byte[]> before = contents(dir);

        Tensor alive = Tensor.zeros(1000);
        Checkpoint broken;
        try (MemoryScope scope = MemoryScope.open()) {
            // "w" is freed when the scope closes, "a" is not: writing fails after the header and a's data
            broken = Checkpoint.builder(300).model(Map.of("a", alive, "w", Tensor.zeros(1000))).build();
        }
        Checkpoint doomed = broken;
        assertThrows(IllegalStateException.class, () -> store.save(doomed));

        assertEquals(List.of(100L, 200L), steps(store), "nothing pruned, nothing under the new name");
        assertFalse(Files.exists(store.fileFor(300)));
        Map<Path, byte[]> after = contents(dir);
        assertEquals(before.keySet(), after.keySet(), "no temporary file left either");
        before.forEach((p, b) -> assertArrayEquals(b, after.get(p), p.toString()));
        assertEquals(200, store.latest(s -> { }).orElseThrow().checkpoint().step());
    }

    @Test
    void aCrashBeforeTheRenameLeavesOnlyAHiddenTemporaryFile(@TempDir Path dir) throws IOException {
        CheckpointStore store = CheckpointStore.open(dir, 3);
        store.save(at(100));
        store.save(at(200));
        // what a process killed between writing and renaming leaves behind
        Path complete = dir.resolve("scratch.bin");
        at(300).write(complete);
        byte[] bytes = Files.readAllBytes(complete);
        Files.delete(complete);
        Path tmp = dir.resolve(".step-000000300.safetensors.k3j9x.tmp");
        Files.write(tmp, Arrays.copyOf(bytes, bytes.length / 2));

        assertEquals(List.of(100L, 200L), steps(store));
        List<CheckpointStore.Skipped> skipped = new ArrayList<>();
        assertEquals(200, store.latest(skipped::add).orElseThrow().checkpoint().step());
        assertEquals(List.of(), skipped, "the temporary file is not a checkpoint");
        assertEquals(List.of(tmp), store.removeStrayTemporaryFiles());
        assertFalse(Files.exists(tmp));

        store.save(at(300));
        assertEquals(List.of(100L, 200L, 300L), steps(store));
    }

    @Test
    void aDamagedLatestIsSkippedAndReported(@TempDir Path dir) throws IOException {
        CheckpointStore store = CheckpointStore.open(dir, 3);
        store.save(at(100));
        store.save(at(200));
        store.save(at(300));
        CheckpointTest.truncate(store.fileFor(300), Files.size(store.fileFor(300)) / 2);

        List<CheckpointStore.Skipped> skipped = new ArrayList<>();
        CheckpointStore.Loaded latest = store.latest(skipped::add).orElseThrow();
        assertEquals(200, latest.checkpoint().step());
        assertEquals(1, skipped.size());
        assertEquals(store.fileFor(300), skipped.get(0).file());
        assertTrue(skipped.get(0).reason().contains("truncated"), skipped.get(0).reason());

        // resuming from 200 and saving 250 moves the damaged 300 aside instead of deleting it
        store.save(at(250));
        assertEquals(List.of(100L, 200L, 250L), steps(store));
        Path aside = dir.resolve("step-000000300.safetensors.corrupt");
        assertTrue(Files.exists(aside), "the damaged file is kept for a post-mortem");
        assertEquals(250, store.latest(skipped::add).orElseThrow().checkpoint().step());
    }

    @Test
    void latestFallsBackPastMissingGroupsAndMislabelledFiles(@TempDir Path dir) throws IOException {
        CheckpointStore store = CheckpointStore.open(dir, CheckpointStore.KEEP_ALL);
        store.save(at(100));
        store.save(Checkpoint.builder(200).model(Map.of("w", Tensor.zeros(1))).build());      // no EMA
        Files.copy(store.fileFor(100), store.fileFor(400));                                  // says step 100
        List<CheckpointStore.Skipped> skipped = new ArrayList<>();
        assertEquals(100, store.latest(skipped::add, Checkpoint.EMA).orElseThrow().checkpoint().step());
        assertEquals(List.of(store.fileFor(400), store.fileFor(200)),
                skipped.stream().map(CheckpointStore.Skipped::file).toList());
        assertTrue(skipped.get(0).reason().contains("metadata says step 100, its name step 400"),
                skipped.get(0).reason());
        assertTrue(skipped.get(1).reason().contains("missing group 'ema'"), skipped.get(1).reason());
    }

    @Test
    void emptyOrAllDamagedGivesNothing(@TempDir Path dir) throws IOException {
        CheckpointStore store = CheckpointStore.open(dir, 3);
        assertTrue(store.latest(s -> { }).isEmpty());
        store.save(at(100));
        Files.write(store.fileFor(100), new byte[] {1, 2, 3});
        List<CheckpointStore.Skipped> skipped = new ArrayList<>();
        assertTrue(store.latest(skipped::add).isEmpty());
        assertEquals(1, skipped.size());
    }

    @Test
    void refusesToSaveBehindAReadableLaterCheckpoint(@TempDir Path dir) throws IOException {
        CheckpointStore store = CheckpointStore.open(dir, 3);
        store.save(at(100));
        store.save(at(200));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> store.save(at(150)));
        assertTrue(e.getMessage().contains("step-000000200.safetensors")
                && e.getMessage().contains("new directory"), e.getMessage());
        assertEquals(List.of(100L, 200L), steps(store));
        store.save(at(200));          // the same step again replaces it
        assertEquals(List.of(100L, 200L), steps(store));
    }

    private static Map<Path, byte[]> contents(Path dir) throws IOException {
        Map<Path, byte[]> out = new HashMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                out.put(p, Files.readAllBytes(p));
            }
        }
        return out;
    }
}
