package org.ldm4j.training.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.ldm4j.training.config.ConfigNode.Origin;
import org.ldm4j.training.config.ConfigNode.ScalarNode;
import org.ldm4j.training.config.ConfigNode.ScalarType;

/** Written scalars read back as what was written. */
class YamlProperties {
    private static final Origin O = new Origin("property", 0, 0);

    @Property(tries = 400)
    void everyDoubleIsWrittenAsAFloatThatReadsBackExactly(@ForAll double v) {
        String text = YamlTrees.number(v);
        ConfigNode n = YamlTrees.parseValue(text, "x", O);
        assertEquals(ScalarType.FLOAT, ((ScalarNode) n).type(), text);
        assertEquals(Double.doubleToLongBits(v), Double.doubleToLongBits(MapReader.toDouble(n)), text);
        if (Double.isFinite(v)) {
            // PyYAML (YAML 1.1) reads a float only with a point, and an exponent only with a sign
            assertEquals(true, text.matches("[-+]?[0-9][0-9_]*\\.[0-9_]*([eE][-+][0-9]+)?"), text);
        }
    }

    @Property(tries = 400)
    void everyStringIsWrittenSoThatItReadsBackAsThatString(@ForAll String s) {
        String text = "k: " + YamlTrees.string(s) + "\n";
        ScalarNode n = (ScalarNode) YamlTrees.parse(text, "property").find("k");
        assertEquals(ScalarType.STRING, n.type(), text);
        assertEquals(s, n.text(), text);
    }

    @Property(tries = 200)
    void everyLongReadsBack(@ForAll long v) {
        ConfigNode n = YamlTrees.parseValue(Long.toString(v), "x", O);
        assertEquals(v, MapReader.toLong(n));
    }
}
