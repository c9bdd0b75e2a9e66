package org.ldm4j.training.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.ldm4j.training.config.ConfigNode.ListNode;
import org.ldm4j.training.config.ConfigNode.MapNode;
import org.ldm4j.training.config.ConfigNode.ScalarNode;
import org.ldm4j.training.config.ConfigNode.ScalarType;

class YamlTreesTest {

    @Test
    void nodesKnowTheirPathsAndLines() {
        String text = Resources.text("cin256-v2.yaml");
        ConfigNode root = YamlTrees.parse(text, "cin256-v2.yaml");
        ListNode mult = assertInstanceOf(ListNode.class, root.find("model.params.unet_config.params.channel_mult"));
        assertEquals("model.params.unet_config.params.channel_mult", mult.path());
        ConfigNode third = mult.items().get(2);
        assertEquals("model.params.unet_config.params.channel_mult[2]", third.path());
        assertEquals(third, root.find("model.params.unet_config.params.channel_mult.2"));
        assertEquals(new ConfigNode.Origin("cin256-v2.yaml", lineOf(text, "        - 3"), 11), third.origin());
        assertEquals("cin256-v2.yaml line " + lineOf(text, "        - 3") + ", column 11", third.origin().toString());
        assertNull(root.find("model.params.nothing.here"));
        assertNull(root.find("model.params.unet_config.params.channel_mult.9"));
    }

    @Test
    void scalarsResolveAsYaml12CoreSchema() {
        MapNode m = (MapNode) YamlTrees.parse("""
                a: True
                b: 1.0e-06
                c: 4.5e-6
                d: 1.e-6
                e: 0x10
                f: "val/rec_loss"
                g: ~
                h:
                i: '12'
                j: no
                k: -.inf
                l: 10000000000000
                """, "s.yaml");
        assertEquals(ScalarType.BOOL, type(m, "a"));
        assertEquals(ScalarType.FLOAT, type(m, "b"));
        assertEquals(ScalarType.FLOAT, type(m, "c"));
        assertEquals(ScalarType.FLOAT, type(m, "d"));
        assertEquals(ScalarType.INT, type(m, "e"));
        assertEquals(ScalarType.STRING, type(m, "f"));
        assertEquals(ScalarType.NULL, type(m, "g"));
        assertEquals(ScalarType.NULL, type(m, "h"));
        assertEquals(ScalarType.STRING, type(m, "i"));
        assertEquals(ScalarType.STRING, type(m, "j"));          // YAML 1.1's "no" is a string in 1.2
        assertEquals(true, MapReader.toBool(m.entries().get("a")));
        assertEquals(1e-6, MapReader.toDouble(m.entries().get("b")));
        assertEquals(4.5e-6, MapReader.toDouble(m.entries().get("c")));
        assertEquals(1e-6, MapReader.toDouble(m.entries().get("d")));
        assertEquals(16, MapReader.toInt(m.entries().get("e")));
        assertEquals(Double.NEGATIVE_INFINITY, MapReader.toDouble(m.entries().get("k")));
        assertEquals(10_000_000_000_000L, MapReader.toLong(m.entries().get("l")));
        ConfigException e = assertThrows(ConfigException.class, () -> MapReader.toInt(m.entries().get("l")));
        assertEquals("l: expected an integer in [-2147483648, 2147483647], got 10000000000000 (s.yaml line 12, "
                + "column 4)", e.getMessage());
    }

    @Test
    void emitsBlockMapsFlowListsAndReadableNumbers() {
        ConfigNode tree = YamlTrees.parse("""
                model:
                  base_learning_rate: 1.0e-06
                  target: ldm.models.diffusion.ddpm.LatentDiffusion
                  params:
                    channel_mult: [1, 2, 4]
                    attn_resolutions: []
                    monitor: "val/loss"
                    key: "true"
                    quoted: "a: b # c"
                    empty: {}
                    big: 1.0e+20
                """, "e.yaml");
        String text = YamlTrees.emit(tree);
        assertEquals("""
                model:
                  base_learning_rate: 1.0e-06
                  target: ldm.models.diffusion.ddpm.LatentDiffusion
                  params:
                    channel_mult: [1, 2, 4]
                    attn_resolutions: []
                    monitor: val/loss
                    key: "true"
                    quoted: "a: b # c"
                    empty: {}
                    big: 1.0e+20
                """, text);
        assertEquals(text, YamlTrees.emit(YamlTrees.parse(text, "again.yaml")));
    }

    @Test
    void numbersAreWrittenSoThatPyYamlReadsFloats() {
        assertEquals("0.0015", YamlTrees.number(0.0015));
        assertEquals("0.00085", YamlTrees.number(0.00085));
        assertEquals("0.0001", YamlTrees.number(1e-4));
        assertEquals("-0.00015", YamlTrees.number(-1.5e-4));
        assertEquals("1.0e-06", YamlTrees.number(1e-6));
        assertEquals("5.0e-05", YamlTrees.number(5e-5));
        assertEquals("0.18215", YamlTrees.number(0.18215));
        assertEquals("1.0e+13", YamlTrees.number(1e13));
        assertEquals("1.2345e+300", YamlTrees.number(1.2345e300));
        assertEquals("1.0", YamlTrees.number(1.0));
        assertEquals(".nan", YamlTrees.number(Double.NaN));
    }

    @Test
    void refusesWhatIsNotPlainData() {
        assertMessage("invalid YAML", () -> YamlTrees.parse("model: [1, 2\n", "bad.yaml"));
        assertMessage("model.a: duplicate key (dup.yaml line 3, column 3)",
                () -> YamlTrees.parse("model:\n  a: 1\n  a: 2\n", "dup.yaml"));
        assertMessage("unsupported YAML tag tag:yaml.org,2002:python/object:os.system",
                () -> YamlTrees.parse("model: !!python/object:os.system {}\n", "tag.yaml"));
        assertMessage("expected one YAML document, got several",
                () -> YamlTrees.parse("a: 1\n---\nb: 2\n", "two.yaml"));
        assertMessage("expected a YAML document, got an empty file (empty.yaml)",
                () -> YamlTrees.parse("# nothing\n", "empty.yaml"));
        assertMessage("invalid YAML: Non scalar key", () -> YamlTrees.parse("? [1, 2]\n: 3\n", "key.yaml"));
    }

    @Test
    void aliasesAndMergeKeysBecomePlainData() {
        ConfigNode root = YamlTrees.parse("a: &x {b: 1}\nc:\n  <<: *x\n  d: 2\ne: *x\n", "merge.yaml");
        assertEquals("1", ((ScalarNode) root.find("c.b")).text());
        assertEquals("c.b", root.find("c.b").path());
        assertEquals("e.b", root.find("e.b").path());
        assertEquals("2", ((ScalarNode) root.find("c.d")).text());
    }

    private static ScalarType type(MapNode m, String key) {
        return ((ScalarNode) m.entries().get(key)).type();
    }

    static int lineOf(String text, String line) {
        List<String> lines = text.lines().toList();
        int i = lines.indexOf(line);
        assertTrue(i >= 0, "no line \"" + line + "\"");
        return i + 1;
    }

    static void assertMessage(String fragment, org.junit.jupiter.api.function.Executable call) {
        ConfigException e = assertThrows(ConfigException.class, call);
        assertTrue(e.getMessage().contains(fragment), () -> "message \"" + e.getMessage() + "\" lacks \"" + fragment
                + "\"");
    }
}
