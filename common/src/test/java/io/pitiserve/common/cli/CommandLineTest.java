package io.pitiserve.common.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

class CommandLineTest {

    private static final Set<String> VALUES = Set.of("jobs", "seed", "scale", "out", CommandLine.SET);
    private static final Set<String> FLAGS = Set.of("quiet");

    private static CommandLine parse(String... args) {
        return new CommandLine(List.of(args), VALUES, FLAGS);
    }

    @Test
    void valuesComeSeparatedOrAfterAnEqualsSignAndFlagsStandAlone() {
        CommandLine line = parse("--jobs", "3", "--seed=12345678901", "--scale", "2.5", "--quiet");

        assertThat(line.integer("jobs", 1)).isEqualTo(3);
        assertThat(line.longValue("seed", 0)).isEqualTo(12_345_678_901L);
        assertThat(line.number("scale", 1.0)).isCloseTo(2.5, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(line.flag("quiet")).isTrue();
        assertThat(line.has("out")).isFalse();
        assertThat(line.string("out", "OUT")).isEqualTo("OUT");
    }

    @Test
    void setOptionsRepeatAndKeepTheirOrder() {
        CommandLine line = parse("--set", "b=2", "--set=a=1=one");

        assertThat(line.properties()).containsExactly(Map.entry("b", "2"), Map.entry("a", "1=one"));
    }

    @Test
    void badCommandLinesAreUsageErrorsThatNameTheOption() {
        assertThatThrownBy(() -> parse("--colour", "red")).isInstanceOf(CommandLine.UsageException.class)
                .hasMessage("unknown option --colour");
        assertThatThrownBy(() -> parse("--jobs")).hasMessage("option --jobs needs a value");
        assertThatThrownBy(() -> parse("jobs")).hasMessage("unexpected argument 'jobs'");
        assertThatThrownBy(() -> parse("--set", "novalue")).hasMessageContaining("--set needs key=value");
        assertThatThrownBy(() -> parse("--jobs", "x").integer("jobs", 1)).hasMessage("--jobs must be an integer, got 'x'");
        assertThatThrownBy(() -> parse("--scale", "NaN").number("scale", 1)).hasMessageContaining("must be a number");
        assertThatThrownBy(() -> parse("--jobs", "70000").port("jobs", 0)).hasMessageContaining("must be a port");
    }

    @Test
    void setIsRefusedWhereACommandDoesNotTakeIt() {
        assertThatThrownBy(() -> new CommandLine(List.of("--set", "a=1"), Set.of("jobs"), Set.of()))
                .hasMessage("unknown option --set");
    }

    @Test
    void helpIsAskedForByEitherSpelling() {
        assertThat(CommandLine.asksForHelp(List.of("serve", "--help"))).isTrue();
        assertThat(CommandLine.asksForHelp(List.of("-h"))).isTrue();
        assertThat(CommandLine.asksForHelp(List.of("serve", "--helpful"))).isFalse();
    }
}
