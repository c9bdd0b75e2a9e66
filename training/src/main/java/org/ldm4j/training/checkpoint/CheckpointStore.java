package org.ldm4j.training.checkpoint;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The checkpoints of one run, in one directory: {@code step-000001000.safetensors}, ... Saving is crash-safe,
 * the last {@code k} are kept, and {@link #latest} finds the newest one that reads, skipping damaged files.
 *
 * <ul>
 *   <li>{@link #save} writes to a temporary name in the directory, flushes it to disk, renames it to its final
 *       name in one atomic step and flushes the directory; only then are checkpoints beyond the last
 *       {@code keepLast} deleted. A crash at any moment leaves every earlier checkpoint intact and no partial file
 *       under a final name (at most a hidden {@code .step-...tmp} file, which {@link #removeStrayTemporaryFiles}
 *       clears).</li>
 *   <li>Checkpoints are ordered by the step in their name, never by file name or modification time.</li>
 *   <li>A run resumed from an earlier checkpoint must not save over a later one: {@link #save} refuses while the
 *       directory holds a readable checkpoint of a later step, and moves an unreadable one aside
 *       ({@code .corrupt} appended to its name) instead of deleting it.</li>
 * </ul>
 *
 * <pre>{@code
 * CheckpointStore store = CheckpointStore.open(Path.of("runs/ldm-shapes/checkpoints"), 3);
 * Optional<CheckpointStore.Loaded> resume = store.latest(
 *         skipped -> System.err.println("skipping " + skipped.file() + ": " + skipped.reason()),
 *         Checkpoint.MODEL, Checkpoint.EMA);
 * long step = resume.map(l -> l.checkpoint().step()).orElse(0L);
 * ...
 * store.save(Checkpoint.builder(step).model(ldm.stateDict()).ema(ema.state()).build());
 * }</pre>
 *
 * <p>One process writes to a store at a time; readers may run alongside.
 */
public final class CheckpointStore {
    /** {@code keepLast} that keeps every checkpoint. */
    public static final int KEEP_ALL = Integer.MAX_VALUE;

    private static final Pattern NAME = Pattern.compile("step-(\\d{1,19})\\.safetensors");
    private static final Pattern TEMPORARY = Pattern.compile("\\.step-\\d{1,19}\\.safetensors\\..*\\.tmp");
    private static final String CORRUPT_SUFFIX = ".corrupt";

    private final Path dir;
    private final int keepLast;

    /** A checkpoint file of the store and the step its name gives. */
    public record Entry(long step, Path file) {
    }

    /** A file that {@link #latest} passed over, and why. */
    public record Skipped(Path file, String reason) {
    }

    /** A checkpoint that {@link #latest} loaded, and its file. */
    public record Loaded(Path file, Checkpoint checkpoint) {
    }

    private CheckpointStore(Path dir, int keepLast) {
        this.dir = dir;
        this.keepLast = keepLast;
    }

    /**
     * The store in {@code dir} (created if needed) that keeps the last {@code keepLast} checkpoints (>= 1, or
     * {@link #KEEP_ALL}).
     */
    public static CheckpointStore open(Path dir, int keepLast) throws IOException {
        if (dir == null) {
            throw new IllegalArgumentException("dir: expected a directory, got null");
        }
        if (keepLast < 1) {
            throw new IllegalArgumentException("keepLast: expected at least 1 checkpoint to keep (KEEP_ALL for all), "
                    + "got " + keepLast);
        }
        Files.createDirectories(dir);
        return new CheckpointStore(dir, keepLast);
    }

    public Path dir() {
        return dir;
    }

    public int keepLast() {
        return keepLast;
    }

    /** The file of the checkpoint at {@code step}: {@code step-000001000.safetensors} (at least nine digits). */
    public Path fileFor(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step: expected a step >= 0, got " + step);
        }
        return dir.resolve(String.format("step-%09d.safetensors", step));
    }

    // ---------------------------------------------------------------- saving

    /**
     * Saves {@code checkpoint} as {@link #fileFor}({@code step}) (replacing a checkpoint of the same step), then
     * deletes the oldest checkpoints beyond {@link #keepLast()}; returns the file. See the class comment for
     * the guarantees.
     *
     * @throws IllegalStateException if the store holds a readable checkpoint of a later step
     */
    public Path save(Checkpoint checkpoint) throws IOException {
        if (checkpoint == null) {
            throw new IllegalArgumentException("checkpoint: expected a checkpoint, got null");
        }
        long step = checkpoint.step();
        List<Path> later = new ArrayList<>();
        for (Entry e : list()) {
            if (e.step() > step) {
                if (unreadableReason(e.file()) == null) {
                    later.add(e.file());
                } else {
                    Files.move(e.file(), e.file().resolveSibling(e.file().getFileName() + CORRUPT_SUFFIX),
                            StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        if (!later.isEmpty()) {
            throw new IllegalStateException("save: " + dir + " already holds checkpoints of later steps than "
                    + step + ": " + later + "; a run resumed from an earlier checkpoint would mix two histories. "
                    + "Move the later checkpoints away, or save into a new directory");
        }
        Path file = fileFor(step);
        checkpoint.write(file);
        syncDirectory();
        prune(file);
        return file;
    }

    /** Deletes the checkpoints before the last {@code keepLast}, never {@code justSaved}. */
    private void prune(Path justSaved) throws IOException {
        List<Entry> entries = list();
        int excess = entries.size() - keepLast;
        boolean deleted = false;
        for (int i = 0; i < entries.size() && excess > 0; i++) {
            Entry e = entries.get(i);
            if (!e.file().equals(justSaved)) {
                Files.deleteIfExists(e.file());
                excess--;
                deleted = true;
            }
        }
        if (deleted) {
            syncDirectory();
        }
    }

    /** Flushes the directory entry changes (renames, deletions) to disk where the platform allows it. */
    private void syncDirectory() {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // not every platform can open or flush a directory (Windows cannot); the rename is still atomic
        }
    }

    /**
     * Deletes the hidden temporary files that a save interrupted by a crash left behind; returns them. Call it
     * only when no other process is saving into this directory.
     */
    public List<Path> removeStrayTemporaryFiles() throws IOException {
        List<Path> removed = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (TEMPORARY.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p)) {
                    Files.deleteIfExists(p);
                    removed.add(p);
                }
            }
        }
        return removed;
    }

    // ---------------------------------------------------------------- reading

    /**
     * The checkpoint files, by step ascending (names are parsed, files are not opened). Hidden temporary files
     * and other files are ignored.
     */
    public List<Entry> list() throws IOException {
        List<Entry> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches() && Files.isRegularFile(p)) {
                    try {
                        out.add(new Entry(Long.parseLong(m.group(1)), p));
                    } catch (NumberFormatException beyondLong) {
                        // step-99999999999999999999.safetensors: not one of ours
                    }
                }
            }
        }
        out.sort(Comparator.comparingLong(Entry::step).thenComparing(e -> e.file().getFileName().toString()));
        return out;
    }

    /**
     * The newest checkpoint that reads: tries them from the highest step down, loading each fully, and reports
     * every file it passes over to {@code onSkipped} (truncated, corrupt, a newer format, a missing required
     * group, a step in the metadata that differs from the name) instead of failing. Empty when no checkpoint
     * reads (or there is none).
     */
    public Optional<Loaded> latest(Consumer<? super Skipped> onSkipped, String... requiredGroups) throws IOException {
        if (onSkipped == null) {
            throw new IllegalArgumentException("onSkipped: expected a consumer of skipped files (to log them), got null");
        }
        List<Entry> entries = list();
        for (int i = entries.size() - 1; i >= 0; i--) {
            Entry e = entries.get(i);
            try {
                Checkpoint c = Checkpoint.read(e.file(), requiredGroups);
                if (c.step() != e.step()) {
                    onSkipped.accept(new Skipped(e.file(), "its metadata says step " + c.step() + ", its name step "
                            + e.step()));
                    continue;
                }
                return Optional.of(new Loaded(e.file(), c));
            } catch (NoSuchFileException gone) {
                onSkipped.accept(new Skipped(e.file(), "deleted while reading"));
            } catch (IOException | RuntimeException bad) {
                onSkipped.accept(new Skipped(e.file(), bad.getMessage()));
            }
        }
        return Optional.empty();
    }

    /** Loads the checkpoint of {@code step}, failing (naming the file) if it is absent or does not read. */
    public Checkpoint load(long step, String... requiredGroups) throws IOException {
        Path file = fileFor(step);
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no checkpoint of step " + step + " in " + dir
                    + " (steps present: " + list().stream().map(Entry::step).toList() + ")");
        }
        Checkpoint c = Checkpoint.read(file, requiredGroups);
        if (c.step() != step) {
            throw new CheckpointFormatException(file, "its metadata says step " + c.step() + ", its name step "
                    + step);
        }
        return c;
    }

    /** Why the header of {@code file} does not read as a checkpoint, or null if it does. */
    private static String unreadableReason(Path file) {
        try {
            CheckpointHeader.read(file);
            return null;
        } catch (IOException | RuntimeException e) {
            return e.getMessage();
        }
    }

    @Override
    public String toString() {
        return "CheckpointStore[" + dir + ", keep " + (keepLast == KEEP_ALL ? "all" : "last " + keepLast) + "]";
    }
}
