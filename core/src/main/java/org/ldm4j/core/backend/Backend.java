package org.ldm4j.core.backend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.javacpp.Loader;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that knows which array backend runs. The choice is made by the build (CPU by default,
 * {@code -Pcuda} for ND4J's CUDA backend); at start-up this class picks the fastest CPU library the machine
 * can execute, so that nobody gets an illegal-instruction crash or, silently, the slow path.
 *
 * <pre>{@code
 * System.out.println(Backend.describe());   // {backend=cpu, library=linux-x86_64-onednn-avx2, onednn=true, threads=2}
 * }</pre>
 */
public final class Backend {
    private static final Logger LOG = LoggerFactory.getLogger(Backend.class);
    private static final String EXTENSION_PROPERTY = "org.bytedeco.javacpp.platform.extension";
    private static final String CPU_BINDINGS = "org/nd4j/linalg/cpu/nativecpu/bindings/linux-x86_64%s/libnd4jcpu.so";
    private static volatile boolean initialized;
    private static String chosenExtension = "";

    private Backend() {
    }

    /** Loads the backend once (idempotent, thread-safe). Every entry point into core calls it first. */
    public static void init() {
        if (initialized) {
            return;
        }
        synchronized (Backend.class) {
            if (initialized) {
                return;
            }
            chooseCpuLibrary();
            tuneAllocator();
            tuneOpenBlas();
            tuneOpenMp();
            Nd4j.getBackend();
            initialized = true;
            if (isCpu() && !hasOneDnn()) {
                LOG.warn("ND4J's CPU library without oneDNN was loaded ({}): convolutions run 20-50x slower. "
                        + "Build ldm4j with its default profile to get the oneDNN builds.", library());
            }
        }
    }

    /**
     * glibc and ND4J's allocation pattern do not mix: buffers that ND4J frees stay in glibc's heap and are not
     * reused, so a process that allocates and frees large arrays in a loop grows without bound (measured: 1000
     * steps of two 4 MB arrays grew the process by 4 GB). jemalloc does not have the problem and is the fastest
     * (the {@code ldm4j} launcher, the tests and CI preload it where it is installed: Debian's libjemalloc2).
     * Without it, glibc is told to map every allocation of 128 KB or more ({@code mallopt(M_MMAP_THRESHOLD)}),
     * which returns freed memory at once at the price of page faults; where even that is impossible, the
     * outermost {@link org.ldm4j.core.tensor.MemoryScope} trims the heap at most once a second.
     */
    private static void tuneAllocator() {
        if (!isLinuxX86()) {
            return;
        }
        if (jemallocLoaded()) {
            allocator = "jemalloc";
            return;
        }
        Map<String, String> env = System.getenv();
        if (env.containsKey("MALLOC_MMAP_THRESHOLD_") || env.containsKey("MALLOC_TOP_PAD_")
                || env.containsKey("MALLOC_TRIM_THRESHOLD_")) {
            allocator = "glibc (MALLOC_* from the environment)";
            return;
        }
        if (LibC.mallopt(-3 /* M_MMAP_THRESHOLD */, 128 * 1024)) {
            allocator = "glibc (mmap threshold 128 KB)";
            return;
        }
        needsTrim = true;
        allocator = "glibc (trimmed once a second)";
        LOG.warn("cannot tune glibc's allocator: freed ND4J memory is returned to the system once a second; preload "
                + "jemalloc (LD_PRELOAD=.../libjemalloc.so.2) to avoid it");
    }

    private static boolean jemallocLoaded() {
        try {
            return Files.readString(Path.of("/proc/self/maps")).contains("libjemalloc");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * ND4J's OpenBLAS 0.3.19 (batched matmul, used by attention) does not know Intel CPU models newer than its
     * release and falls back to its slowest kernels (measured: attention 2x, batched matmul 3.5x slower on a
     * recent Xeon). Names the right kernels for Intel CPUs unless {@code OPENBLAS_CORETYPE} is set already.
     */
    private static void tuneOpenBlas() {
        if (!isLinuxX86() || LibC.getenv("OPENBLAS_CORETYPE") != null || !cpuField("vendor_id").equals("GenuineIntel")) {
            return;
        }
        String flags = cpuFlags();
        boolean avx512 = true;
        for (String f : new String[] {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"}) {
            avx512 &= flags.contains(" " + f + " ");
        }
        String core = avx512 ? "SkylakeX" : flags.contains(" avx2 ") ? "Haswell" : null;
        if (core != null && LibC.setenv("OPENBLAS_CORETYPE", core)) {
            openBlasCore = core;
        }
    }

    /**
     * OpenMP threads that spin while they wait turn a busy machine into a crawl: with another process on the two
     * cores, a small autoencoder's training step took 2.6 s instead of 0.23 s. Passive waiting (threads sleep at
     * once) costs little on an idle machine. Applied unless {@code OMP_WAIT_POLICY} is set already.
     */
    private static void tuneOpenMp() {
        if (isLinuxX86() && LibC.getenv("OMP_WAIT_POLICY") == null && LibC.setenv("OMP_WAIT_POLICY", "PASSIVE")) {
            openMpWait = "PASSIVE";
        }
    }

    private static boolean isLinuxX86() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        return os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64"));
    }

    private static volatile boolean needsTrim;
    private static volatile long lastTrimNanos;
    private static volatile java.lang.reflect.Method trimMethod;
    private static String allocator = "system";
    private static String openBlasCore;
    private static String openMpWait;

    /** How native memory is allocated (for reports): jemalloc, or glibc and how it was tuned. */
    public static String allocator() {
        init();
        return allocator;
    }

    /** Whether freed native memory goes back to the system at once (so resident memory measures live arrays). */
    public static boolean returnsFreedMemoryPromptly() {
        init();
        return !needsTrim && !"system".equals(allocator);
    }

    /**
     * Returns freed native memory to the system where the allocator could not be tuned (see
     * {@link #tuneAllocator}), at most once per second; a no-op otherwise. Called when the outermost memory scope
     * closes.
     */
    public static void trimFreedMemory() {
        if (!needsTrim) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastTrimNanos < 1_000_000_000L) {
            return;
        }
        lastTrimNanos = now;
        try {
            if (trimMethod == null) {
                java.lang.reflect.Method m = org.bytedeco.javacpp.Pointer.class.getDeclaredMethod("trimMemory");
                m.setAccessible(true);
                trimMethod = m;
            }
            trimMethod.invoke(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            needsTrim = false;
            LOG.warn("cannot return freed memory to the system (JavaCPP's trimMemory is unavailable): {}", e.toString());
        }
    }

    /**
     * On x86-64 Linux, picks the oneDNN AVX2 build where the CPU has AVX2 and FMA, and the plain oneDNN build
     * otherwise (both are on the default classpath). oneDNN chooses its AVX-512 kernels at run time, so the
     * AVX2 build is as fast as the AVX-512 one on AVX-512 machines. A user's own choice of
     * {@code -Dorg.bytedeco.javacpp.platform.extension} is left alone.
     */
    private static void chooseCpuLibrary() {
        if (System.getProperty(EXTENSION_PROPERTY) != null) {
            chosenExtension = System.getProperty(EXTENSION_PROPERTY);
            return;
        }
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return;
        }
        String ext = cpuLibraryFor(cpuFlags());
        if (Backend.class.getClassLoader().getResource(String.format(CPU_BINDINGS, ext)) != null) {
            System.setProperty(EXTENSION_PROPERTY, ext);
            chosenExtension = ext;
        }
    }

    /**
     * The ND4J library extension for a CPU with these /proc/cpuinfo flags: the oneDNN AVX2 build where AVX2 and
     * FMA are present (oneDNN still picks AVX-512 kernels at run time), the plain oneDNN build elsewhere.
     */
    static String cpuLibraryFor(String flags) {
        String f = " " + flags.trim() + " ";
        return f.contains(" avx2 ") && f.contains(" fma ") ? "-onednn-avx2" : "-onednn";
    }

    private static String cpuFlags() {
        return " " + cpuField("flags") + " ";
    }

    /** A field of the first processor in /proc/cpuinfo, or "" where there is none. */
    private static String cpuField(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith(name) && line.indexOf(':') > 0
                        && line.substring(0, line.indexOf(':')).trim().equals(name)) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot read /proc/cpuinfo", e);
        }
        return "";
    }

    /** "cpu" or "cuda". */
    public static String name() {
        init();
        return Nd4j.getEnvironment().isCPU() ? "cpu" : "cuda";
    }

    public static boolean isCpu() {
        return "cpu".equals(name());
    }

    /** The native library that was loaded, e.g. {@code linux-x86_64-onednn-avx2}. */
    public static String library() {
        init();
        for (Map.Entry<String, String> e : Loader.getLoadedLibraries().entrySet()) {
            String path = e.getValue();
            if (path != null && (path.contains("libnd4jcpu") || path.contains("libnd4jcuda"))) {
                Path p = Path.of(path).getParent();
                return p == null ? path : p.getFileName().toString();
            }
        }
        return "linux-x86_64" + chosenExtension;
    }

    /** Whether the loaded library carries oneDNN (conv, matmul and softmax kernels). */
    public static boolean hasOneDnn() {
        init();
        String info = Nd4j.getBackend().buildInfo();
        return info != null && info.contains("HAVE_ONEDNN");
    }

    /** The process's resident memory in bytes (Java heap and native arrays together), for reports. */
    public static long residentBytes() {
        init();
        return org.bytedeco.javacpp.Pointer.physicalBytes();
    }

    /** Threads the backend's kernels use. */
    public static int threads() {
        init();
        return Nd4j.getEnvironment().maxMasterThreads();
    }

    /** What runs, for logs and benchmark reports. */
    public static Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("backend", name());
        m.put("library", library());
        m.put("onednn", hasOneDnn());
        m.put("threads", threads());
        m.put("cpu", cpuModel());
        m.put("allocator", allocator);
        if (openBlasCore != null) {
            m.put("openblas_coretype", openBlasCore);
        }
        if (openMpWait != null) {
            m.put("omp_wait_policy", openMpWait);
        }
        return m;
    }

    private static String cpuModel() {
        String m = cpuField("model name");
        return m.isEmpty() ? System.getProperty("os.arch") : m;
    }
}
