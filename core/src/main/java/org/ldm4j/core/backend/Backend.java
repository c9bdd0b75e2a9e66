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
            Nd4j.getBackend();
            initialized = true;
            checkAllocator();
            if (isCpu() && !hasOneDnn()) {
                LOG.warn("ND4J's CPU library without oneDNN was loaded ({}): convolutions run 20-50x slower. "
                        + "Build ldm4j with its default profile to get the oneDNN builds.", library());
            }
        }
    }

    /**
     * glibc and ND4J's allocation pattern do not mix: buffers that ND4J frees stay in glibc's heap and are not
     * reused, so a process that allocates and frees large arrays in a loop grows without bound (measured: 1000
     * steps of a 4 MB array grew the process by 7 GB). Setting {@code MALLOC_MMAP_THRESHOLD_=131072} (or any of
     * glibc's {@code MALLOC_TOP_PAD_}, {@code MALLOC_TRIM_THRESHOLD_}) in the environment before the JVM
     * starts fixes it; the {@code ldm4j} launcher, the tests and CI do. Where it is not set, the outermost
     * {@link org.ldm4j.core.tensor.MemoryScope} returns freed memory to the system at most once a second.
     */
    private static void checkAllocator() {
        Map<String, String> env = System.getenv();
        boolean tuned = env.containsKey("MALLOC_MMAP_THRESHOLD_") || env.containsKey("MALLOC_TOP_PAD_")
                || env.containsKey("MALLOC_TRIM_THRESHOLD_");
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        needsTrim = !tuned && os.contains("linux");
        if (needsTrim) {
            LOG.info("MALLOC_MMAP_THRESHOLD_ is not set: freed ND4J memory is returned to the system once a second "
                    + "(set MALLOC_MMAP_THRESHOLD_=131072 before starting the JVM to return it at once)");
        }
    }

    private static volatile boolean needsTrim;
    private static volatile long lastTrimNanos;
    private static volatile java.lang.reflect.Method trimMethod;

    /**
     * Returns freed native memory to the system where glibc keeps it (see {@link #checkAllocator}), at most once
     * per second; a no-op where the allocator is configured. Called when the outermost memory scope closes.
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
        boolean avx2 = cpuFlags().contains(" avx2 ") && cpuFlags().contains(" fma ");
        String ext = avx2 ? "-onednn-avx2" : "-onednn";
        if (Backend.class.getClassLoader().getResource(String.format(CPU_BINDINGS, ext)) != null) {
            System.setProperty(EXTENSION_PROPERTY, ext);
            chosenExtension = ext;
        }
    }

    private static String cpuFlags() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    return " " + line.substring(line.indexOf(':') + 1).trim() + " ";
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot read /proc/cpuinfo", e);
        }
        return " ";
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
        return m;
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot read /proc/cpuinfo", e);
        }
        return System.getProperty("os.arch");
    }
}
