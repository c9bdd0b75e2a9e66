package org.ldm4j.training.image;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.FileImageOutputStream;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;
import org.w3c.dom.Node;

/** PNG files: atomic writing with text chunks (iTXt, UTF-8), and reading those chunks back. */
final class PngFiles {
    private static final String FORMAT = "javax_imageio_png_1.0";

    private PngFiles() {
    }

    /** Writes {@code img} to a temporary file beside {@code file}, then renames it over {@code file}. */
    static void writeAtomically(BufferedImage img, Path file, Map<String, String> text) throws IOException {
        Path target = file.toAbsolutePath();
        if (Files.isDirectory(target)) {
            throw new IOException("cannot write image " + file + ": it is a directory");
        }
        Path dir = target.getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IOException("cannot write image " + file + ": cannot create its directory " + dir + " (" + e
                    + ")", e);
        }
        Path tmp = createTemp(file, dir, target.getFileName().toString());
        try {
            writePng(img, tmp, text);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw new IOException("cannot write image " + file + ": " + e, e);
        }
    }

    /**
     * A new empty file {@code .<name>.<random>.tmp} in {@code dir}. Not {@link Files#createTempFile}: its files are
     * readable by their owner only, and the rename would pass that on to the image.
     */
    private static Path createTemp(Path file, Path dir, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path tmp = dir.resolve("." + name + "." + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36)
                    + ".tmp");
            try {
                return Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                if (attempt == 100) {
                    throw new IOException("cannot write image " + file + ": cannot create a temporary file in " + dir
                            + " (" + e + ")", e);
                }
            } catch (IOException e) {
                throw new IOException("cannot write image " + file + ": cannot create a temporary file in " + dir
                        + " (" + e + ")", e);
            }
        }
    }

    private static void writePng(BufferedImage img, Path tmp, Map<String, String> text) throws IOException {
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("png");
        if (!writers.hasNext()) {
            throw new IOException("no PNG writer in this Java runtime (javax.imageio)");
        }
        ImageWriter writer = writers.next();
        try (ImageOutputStream out = new FileImageOutputStream(tmp.toFile())) {
            ImageWriteParam param = writer.getDefaultWriteParam();
            IIOMetadata meta = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(img), param);
            if (!text.isEmpty()) {
                IIOMetadataNode root = new IIOMetadataNode(FORMAT);
                IIOMetadataNode itxt = new IIOMetadataNode("iTXt");
                text.forEach((k, v) -> {
                    IIOMetadataNode e = new IIOMetadataNode("iTXtEntry");
                    e.setAttribute("keyword", k);
                    e.setAttribute("compressionFlag", "FALSE");
                    e.setAttribute("compressionMethod", "0");
                    e.setAttribute("languageTag", "");
                    e.setAttribute("translatedKeyword", "");
                    e.setAttribute("text", v);
                    itxt.appendChild(e);
                });
                root.appendChild(itxt);
                meta.mergeTree(FORMAT, root);
            }
            writer.setOutput(out);
            writer.write(null, new IIOImage(img, null, meta), param);
        } finally {
            writer.dispose();
        }
    }

    /** Checks a text chunk's keyword: 1 to 79 printable Latin-1 characters, no leading or trailing space. */
    static void checkKeyword(String keyword) {
        boolean ok = keyword != null && !keyword.isEmpty() && keyword.length() <= 79 && !keyword.startsWith(" ")
                && !keyword.endsWith(" ") && !keyword.contains("  ");
        for (int i = 0; ok && i < keyword.length(); i++) {
            char c = keyword.charAt(i);
            ok = (c >= 32 && c <= 126) || (c >= 161 && c <= 255);
        }
        if (!ok) {
            throw new IllegalArgumentException("text: expected a PNG keyword of 1 to 79 printable Latin-1 characters "
                    + "without leading, trailing or double spaces, got \"" + keyword + "\"");
        }
    }

    /** The text chunks (tEXt, zTXt, iTXt) of a PNG file, in file order. */
    static Map<String, String> readText(Path file) throws IOException {
        Images.checkReadable(file);
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("png");
        if (!readers.hasNext()) {
            throw new IOException("cannot read the text of " + file + ": no PNG reader in this Java runtime");
        }
        ImageReader reader = readers.next();
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            reader.setInput(in, true, false);
            Node root = reader.getImageMetadata(0).getAsTree(FORMAT);
            Map<String, String> out = new LinkedHashMap<>();
            for (Node chunk = root.getFirstChild(); chunk != null; chunk = chunk.getNextSibling()) {
                String name = chunk.getNodeName();
                if (!name.equals("tEXt") && !name.equals("zTXt") && !name.equals("iTXt")) {
                    continue;
                }
                for (Node e = chunk.getFirstChild(); e != null; e = e.getNextSibling()) {
                    IIOMetadataNode entry = (IIOMetadataNode) e;
                    String value = name.equals("iTXt") ? entry.getAttribute("text") : entry.getAttribute("value");
                    out.put(entry.getAttribute("keyword"), value);
                }
            }
            return out;
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot read the text of " + file + ": not a readable PNG file (" + e + ")", e);
        } finally {
            reader.dispose();
        }
    }
}
