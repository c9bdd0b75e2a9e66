package org.ldm4j.conditioning.text.tokenize;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Malformed vocab.json and merges.txt files: each an IOException naming the file and the line or token. */
class ClipFilesTest {
    @TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    private Path goodVocab() throws IOException {
        return TokenizerFixtures.writeClipVocab(dir, TokenizerFixtures.clipVocab(TokenizerFixtures.CLIP_MERGES));
    }

    private Path goodMerges() throws IOException {
        return TokenizerFixtures.writeMerges(dir, TokenizerFixtures.CLIP_MERGES);
    }

    private static void assertMessage(IOException e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "expected \"" + p + "\" in: " + e.getMessage());
        }
    }

    @Test
    void mergesNeedAVersionHeader() throws IOException {
        Path merges = write("noheader.txt", "l o\nlo w</w>\n");
        IOException e = assertThrows(IOException.class, () -> ClipTokenizer.load(goodVocab(), merges));
        assertMessage(e, "noheader.txt line 1", "#version", "\"l o\"");
        Path empty = write("empty.txt", "\n\n");
        e = assertThrows(IOException.class, () -> ClipTokenizer.load(goodVocab(), empty));
        assertMessage(e, "empty.txt line 1", "empty file");
    }

    @Test
    void mergeLinesAreTwoSymbols() throws IOException {
        Path merges = write("bad.txt", "#version: 0.2\nl o\nlow\n");
        IOException e = assertThrows(IOException.class, () -> ClipTokenizer.load(goodVocab(), merges));
        assertMessage(e, "bad.txt line 3", "two symbols", "\"low\"");
        Path blank = write("blank.txt", "#version: 0.2\nl o\n\nlo w</w>\n");
        e = assertThrows(IOException.class, () -> ClipTokenizer.load(goodVocab(), blank));
        assertMessage(e, "blank.txt line 3");
    }

    @Test
    void mergesMustProduceVocabularyTokensOnce() throws IOException {
        Path unknown = write("unknown.txt", "#version: 0.2\nl o\nz q\n");
        IOException e = assertThrows(IOException.class, () -> ClipTokenizer.load(goodVocab(), unknown));
        assertMessage(e, "unknown.txt line 3", "\"zq\"");
        Path dup = write("dup.txt", "#version: 0.2\nl o\nlo w</w>\nl o\n");
        e = assertThrows(IOException.class, () -> ClipTokenizer.load(goodVocab(), dup));
        assertMessage(e, "dup.txt line 4", "line 2");
    }

    @Test
    void vocabIsAJsonObjectOfDistinctIds() throws IOException {
        Path syntax = write("syntax.json", "{\n  \"a\": 0,\n  \"b\": 1,,\n}");
        IOException e = assertThrows(IOException.class, () -> ClipTokenizer.load(syntax, goodMerges()));
        assertMessage(e, "syntax.json line 3", "malformed JSON");
        Path array = write("array.json", "[\"a\", \"b\"]");
        e = assertThrows(IOException.class, () -> ClipTokenizer.load(array, goodMerges()));
        assertMessage(e, "array.json", "JSON object", "array");
        Path dupId = write("dupid.json", "{\"a\": 0, \"b\": 0}");
        e = assertThrows(IOException.class, () -> ClipTokenizer.load(dupId, goodMerges()));
        assertMessage(e, "dupid.json", "\"b\"", "\"a\"");
        Path notInt = write("notint.json", "{\"a\": 0, \"b\": 1.5}");
        e = assertThrows(IOException.class, () -> ClipTokenizer.load(notInt, goodMerges()));
        assertMessage(e, "notint.json", "\"b\"", "1.5");
        Path negative = write("negative.json", "{\"a\": -1}");
        e = assertThrows(IOException.class, () -> ClipTokenizer.load(negative, goodMerges()));
        assertMessage(e, "negative.json", "\"a\"", "-1");
    }

    @Test
    void vocabNeedsTheSpecialTokens() throws IOException {
        Path vocab = write("nospecials.json", "{\"l\": 0, \"o\": 1, \"lo\": 2, \"<|startoftext|>\": 3}");
        Path merges = TokenizerFixtures.writeMerges(dir, List.of("l o"));
        IOException e = assertThrows(IOException.class, () -> ClipTokenizer.load(vocab, merges));
        assertMessage(e, "nospecials.json", "<|endoftext|>");
    }
}
